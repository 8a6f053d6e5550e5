"""Property-based tests of the API against its own OpenAPI schema (issue 13), over HTTP to a
live server: schemathesis reads ``/api/v1/schema.json``, generates requests for every
operation it lists (a new endpoint is tested as soon as it is in the schema) and checks
every answer.

An MCO client and a provider client each run every operation with an act token against a
small world: a provider's tickets filed with Molina, three presented to Molina (so the MCO's
actions can succeed, one with a file), one only submitted and one a draft (the provider's
draft endpoints), and a webhook endpoint per client. Path ids are real ones three times in
four, so requests reach the forms and the workflow rather than stopping at a 404.

schemathesis runs as its command line (``schemathesis run``) in a child process, against
pytest-django's live server in this one. Its pytest integration cannot be used here: the
schema exists only once the live server runs, so it must be loaded from a fixture
(``schemathesis.pytest.from_fixture``), and that loader sets ``Node._nodeid``, which pytest
9.2 no longer has (AttributeError before the first request). The command line runs every
phase (the schema's examples, the coverage phase's boundary and invalid values, then
fuzzing), seeded and deterministic, and prints each failure with the curl command that
reproduces it.
"""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.servers import basehttp

from api import clients, webhooks
from portal.models import MCO
from portal.reference_data import load_reference_data
from tests import factories
from tests.migrated_data import restore as restore_migrated_data
from tests.tickets.conftest import approve, make_draft, make_provider, make_submitted
from tickets import drafts, workflow

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\n%%EOF\n"
SCHEMATHESIS = Path(sys.executable).with_name("schemathesis")
#: Requests per operation in the fuzzing phase (the examples and coverage phases add their
#: own, bounded by the schema). Seeded and deterministic: the same requests on every run.
MAX_EXAMPLES = 20
SEED = 13
#: The checks every answer must pass: no 5xx, ever; a documented answer has the documented
#: status, content type, headers and body; every operation refuses a request without the
#: token.
#: (Not ``negative_data_rejection``: an empty filter, ``?updated_since=``, means "no filter"
#: as in the pages' forms, where the schema's date-time format would want a 400.)
CHECKS = ("not_a_server_error", "response_schema_conformance", "content_type_conformance",
          "response_headers_conformance", "ignored_auth", "status_code_conformance")
#: Operations whose answers do not match their schema yet (reported, not ours to fix here):
#: operationId -> the checks left out for it, and why.
KNOWN_MISMATCHES: dict[str, tuple[tuple[str, ...], str]] = {}
#: One run (all operations, one client) may take this long before the test fails.
TIMEOUT_S = 120


@pytest.fixture
def api_world(transactional_db, live_server, settings, monkeypatch):
    """Reference data, a provider with an approved user, Molina's and the provider's API
    clients with act tokens and a webhook endpoint each, and tickets in a few states (one
    with a file, one a draft), in the live server's database."""
    # The development server writes an answer's headers and body in two packets; on a
    # kept-alive connection Nagle's algorithm holds the second until the client's delayed
    # acknowledgement (40 ms a request). Sent at once, the run takes a quarter of the time.
    monkeypatch.setattr(basehttp.WSGIRequestHandler, "disable_nagle_algorithm", True)
    restore_migrated_data()
    load_reference_data()
    # Generated requests come fast: the rate limits are not what is tested here.
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": {
        "api_read": "100000/min", "api_write": "100000/min"}}
    # Webhook addresses on this machine (nothing listens: a delivery fails, harmlessly).
    settings.API_WEBHOOK_HTTP_HOSTS = ["127.0.0.1"]
    hfs = factories.hfs_staff(email="analyst@hfs.example.test")
    admin = factories.registration_admin(email="admin@hfs.example.test")
    provider_user = factories.provider_user(email="provider@example.test")
    provider = make_provider(0)
    approve(provider_user, provider)
    presented = [workflow.present(make_submitted(provider_user, provider,
                                                 tracking=f"MOL-{n}").pk, by=hfs)
                 for n in range(3)]
    submitted = make_submitted(provider_user, provider, tracking="MOL-9")
    draft = make_draft(provider_user, provider, tracking="MOL-10")
    files = drafts.add_attachments(presented[0], [SimpleUploadedFile("eob.pdf", PDF)],
                                   by=provider_user, role="provider")
    mco = clients.create_client(by=hfs, kind="mco", name="Molina case system",
                                contact_email="it@molina.example.test",
                                mco=MCO.objects.get(slug="molina"))
    billing = clients.create_client(by=admin, kind="provider", name="Acme Billing",
                                    contact_email="it@acme.example.test",
                                    providers=[provider])
    tokens, hooks = {}, []
    for kind, client in (("mco", mco), ("provider", billing)):
        tokens[kind] = clients.issue_token(client, by=client.created_by, name="schemathesis",
                                           scope="act")[1]
        hooks.append(webhooks.create_endpoint(client, by=client.created_by,
                                              url=f"http://127.0.0.1:9/{kind}").pk)
    # 127.0.0.1, not "localhost": a client tries ::1 first, and each refused attempt costs.
    url = live_server.url.replace("//localhost:", "//127.0.0.1:")
    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "127.0.0.1"]
    ids = sorted({t.pk for t in [*presented, submitted, draft]} | set(hooks))
    return {"url": url, "tokens": tokens, "ids": ids, "files": [f.pk for f in files]}


def _config(token, ids, files):
    """schemathesis.toml for one client (TOML's basic strings are JSON's)."""
    lines = [
        f"seed = {SEED}",
        f"headers = {{ Authorization = {json.dumps('Bearer ' + token)} }}",
        "[generation]",
        f"max-examples = {MAX_EXAMPLES}",
        "deterministic = true",
        'database = "none"',
        "[phases.stateful]",
        "enabled = false",
        "[checks]",
        "enabled = false",
        *(f"{check} = {{ enabled = true }}" for check in CHECKS),
        "[dictionaries.ids]",
        f"values = {json.dumps(ids)}",
        "[dictionaries.files]",
        f"values = {json.dumps(files)}",
        "[parameters]",
        '"path.id" = { dictionary = "ids", probability = 0.75 }',
        '"path.attachment_pk" = { dictionary = "files", probability = 0.75 }',
    ]
    for operation_id, (checks, _why) in KNOWN_MISMATCHES.items():
        lines += ["[[operations]]", f"include-operation-id = {json.dumps(operation_id)}",
                  "checks = { " + ", ".join(f"{c} = {{ enabled = false }}" for c in checks)
                  + " }"]
    return "\n".join([*lines, ""])


def run_schemathesis(world, kind, tmp_path):
    config = tmp_path / f"schemathesis-{kind}.toml"
    config.write_text(_config(world["tokens"][kind], world["ids"], world["files"]))
    command = [str(SCHEMATHESIS), "--config-file", str(config), "--no-color", "run",
               f"{world['url']}/api/v1/schema.json", "--workers", "1",
               "--suppress-health-check", "all"]
    env = {**os.environ, "SCHEMATHESIS_HOOKS": ""}
    done = subprocess.run(command, capture_output=True, text=True, timeout=TIMEOUT_S,  # noqa: S603
                          env=env, cwd=tmp_path, check=False)
    return done.returncode, done.stdout + done.stderr


@pytest.mark.parametrize("kind", ["mco", "provider"])
def test_generated_requests_get_no_server_error_and_documented_answers(api_world, kind, tmp_path):
    code, output = run_schemathesis(api_world, kind, tmp_path)
    print(output)
    assert code == 0, output
