"""Logs a state team can use (issue 10): time, level, logger and request id on every line,
JSON lines in production, and neither secrets nor PHI in them."""

import io
import json
import logging

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from portal import audit
from portal.logformat import REDACTED, JsonFormatter, RequestIdFilter, TextFormatter

BROKER_PASSWORD = "Br0ker-Passw0rd-42"  # noqa: S105 (a test value)
BROKER_URL = f"redis://:{BROKER_PASSWORD}@127.0.0.1:6399/0"


@pytest.fixture
def captured():
    """A handler like the console one, with the JSON formatter, on the root logger."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.addFilter(RequestIdFilter())
    handler.setFormatter(JsonFormatter())
    root = logging.getLogger()
    root.addHandler(handler)
    old_level = root.level
    root.setLevel(logging.DEBUG)
    yield lambda: [json.loads(line) for line in stream.getvalue().splitlines()]
    root.removeHandler(handler)
    root.setLevel(old_level)


def test_a_json_line_has_time_level_logger_and_request_id(captured):
    with audit.bound(source="web", request_id="abc123"):
        logging.getLogger("portal.example").warning("Clock %s expired", 7)
    (line,) = captured()
    assert line["level"] == "WARNING"
    assert line["logger"] == "portal.example"
    assert line["request_id"] == "abc123"
    assert line["message"] == "Clock 7 expired"
    assert line["time"].endswith("Z") and "T" in line["time"]


def test_an_exception_is_in_the_json_line(captured):
    try:
        raise ValueError("boom")
    except ValueError:
        logging.getLogger("portal.example").exception("It failed")
    (line,) = captured()
    assert "ValueError: boom" in line["exception"]
    assert line["request_id"] == "-"


def test_a_requests_log_lines_carry_the_id_it_returns(client, captured, provider_user):
    client.force_login(provider_user)
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    lines = [line for line in captured() if line["logger"] == "django.request"]
    assert lines and {line["request_id"] for line in lines} == {response["X-Request-ID"]}


def test_the_text_format_is_readable():
    record = logging.LogRecord("portal.example", logging.INFO, __file__, 1, "Hello %s",
                               ("there",), None)
    RequestIdFilter().filter(record)
    line = TextFormatter().format(record)
    assert line.endswith("INFO portal.example [-] Hello there")


def test_the_suite_logs_json_as_production_does(settings):
    """Django configured logging from the settings (DEBUG off, as in production): the
    console handler writes one JSON object a line."""
    assert settings.DEBUG is False
    (console,) = [h for h in logging.getLogger().handlers
                  if isinstance(h.formatter, JsonFormatter)]
    record = logging.LogRecord("portal.example", logging.ERROR, __file__, 1, "x", (), None)
    for f in console.filters:
        f.filter(record)
    assert json.loads(console.format(record))["message"] == "x"


# --- No secrets --------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_broker_password_never_reaches_the_log(client, settings, caplog, monkeypatch):
    from portal.celery import app

    settings.CELERY_BROKER_URL = BROKER_URL

    def unreachable():
        raise ConnectionRefusedError("Error 111 connecting to 127.0.0.1:6399.")

    monkeypatch.setattr(app, "connection_for_write", unreachable)
    with caplog.at_level(logging.DEBUG):
        response = client.get(reverse("healthz"))
    assert response.status_code == 503
    assert "broker unavailable at redis://:**@127.0.0.1:6399/0" in caplog.text
    assert BROKER_PASSWORD not in caplog.text


def test_the_formatters_blank_a_secret_that_slips_into_a_line(settings):
    settings.CELERY_BROKER_URL = BROKER_URL
    settings.SECRET_KEY = "a-deployment-secret-key-value"  # noqa: S105
    record = logging.LogRecord(
        "kombu", logging.ERROR, __file__, 1, "cannot reach %s (key %s)",
        (BROKER_URL, settings.SECRET_KEY), None,
    )
    for formatter in (JsonFormatter(), TextFormatter()):
        text = formatter.format(record)
        assert BROKER_PASSWORD not in text and settings.SECRET_KEY not in text
        assert REDACTED in text


# --- No PHI ------------------------------------------------------------------------------

PHI_NAME = "Pat Member RIN 123456789 claims.xlsx"


@pytest.mark.django_db
def test_an_unreadable_upload_is_logged_without_its_name_or_its_cells(
    client, provider_user, caplog, monkeypatch
):
    """A template whose check fails unexpectedly: the warning says which template, how big
    and what error, never the file's name or the text of the error (it quotes cells)."""
    from registration import template
    from tests.registration.helpers import provider_payload
    from tests.registration.test_requests import fill_template, template_rows

    def broken(rows):
        raise ValueError(f"cannot read {list(rows[0].values)!r}")

    monkeypatch.setattr(template, "check_rows", broken)
    upload = fill_template(template_rows(1))
    upload = SimpleUploadedFile(PHI_NAME, upload.getvalue())
    client.force_login(provider_user)
    with caplog.at_level(logging.DEBUG):
        response = client.post(reverse("registration_new"),
                               provider_payload(mode="several", template_file=upload))
    assert response.status_code == 400
    (record,) = [r for r in caplog.records if r.name == "portal.spreadsheets"]
    assert f"({upload.size} bytes): ValueError" in record.getMessage()
    for secret in ("Pat Member", "123456789", "Clinic 0", "IL1000000"):
        assert secret not in caplog.text


@pytest.mark.django_db
def test_an_attachment_upload_logs_nothing_of_its_name(client, provider_user, caplog):
    import datetime

    import time_machine

    from deadlines.calendar import CENTRAL
    from tests.tickets.conftest import approve, make_draft, make_provider

    pdf = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
    with time_machine.travel(datetime.datetime(2026, 11, 4, 10, tzinfo=CENTRAL)):
        provider = make_provider(0)
        approve(provider_user, provider)
        ticket = make_draft(provider_user, provider)
        client.force_login(provider_user)
        with caplog.at_level(logging.DEBUG):
            client.post(reverse("ticket_edit", args=[ticket.pk]), {
                "dispute_filed_on": ticket.dispute_filed_on.isoformat(),
                "tracking_number": ticket.tracking_number,
                "internal_process_exhausted": "on", "description": "See the EOB.",
                "claims_mode": "none", "files": SimpleUploadedFile(
                    "Jane Doe DOB 1970-01-01.pdf", pdf, content_type="application/pdf"),
            })
    assert ticket.attachments.count() == 1
    assert "Jane Doe" not in caplog.text and "1970-01-01" not in caplog.text
