"""The OpenAPI schema (``/api/v1/schema.json``) and the reference page made from it
(``/api/v1/docs/``): valid OpenAPI 3, complete (every endpoint of ``api/urls.py``, every
method its view answers), each operation named, summarised and secured, every write with
its errors documented; the page public and naming every operation and every problem type
(issue 13)."""

import re

import pytest
from django.urls import URLPattern
from drf_spectacular.generators import SchemaGenerator
from drf_spectacular.validation import validate_schema

from api import problems, reference
from api import urls as api_urls

PREFIX = "/api/v1/"
#: The two addresses of the reference itself, public and outside the schema.
NOT_OPERATIONS = {"schema", "docs"}
WRITES = {"post", "put", "patch", "delete"}
METHODS = {"get", *WRITES}


@pytest.fixture(scope="module")
def spec():
    return SchemaGenerator().get_schema(request=None, public=True)


def operations(spec):
    for path, item in spec["paths"].items():
        for method, operation in item.items():
            if method in METHODS:
                yield method, path, operation


def schema_path(route: str) -> str:
    """``tickets/<int:pk>/claims`` as the schema writes it: ``/api/v1/tickets/{id}/claims``
    (drf-spectacular calls a ``pk`` ``id``)."""
    path = re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", route)
    return PREFIX + path.replace("{pk}", "{id}")


def endpoints():
    """(url name, schema path, the methods its view answers) for each API endpoint."""
    for pattern in api_urls.urlpatterns:
        assert isinstance(pattern, URLPattern), pattern
        if pattern.name in NOT_OPERATIONS:
            continue
        view = pattern.callback.view_class
        methods = {m for m in METHODS if callable(getattr(view, m, None))}
        yield pattern.name, schema_path(str(pattern.pattern)), methods


def test_the_schema_is_valid_openapi_3(spec):
    validate_schema(spec)  # drf-spectacular's OpenAPI 3.0 JSON schema; raises if invalid
    assert spec["openapi"].startswith("3.")


def test_every_endpoint_and_method_of_the_urls_is_in_the_schema(spec):
    missing = []
    for name, path, methods in endpoints():
        documented = set(spec["paths"].get(path, {})) & METHODS
        if not methods:
            missing.append(f"{name}: {path} answers no method")
        for method in sorted(methods - documented):
            missing.append(f"{name}: {method.upper()} {path}")
    assert not missing, "not in the schema: " + "; ".join(missing)


def test_the_schema_has_no_operation_the_urls_do_not_serve(spec):
    served = {path: methods for _name, path, methods in endpoints()}
    extra = [f"{method.upper()} {path}" for method, path, _op in operations(spec)
             if method not in served.get(path, set())]
    assert not extra, extra


def test_every_operation_has_a_unique_id_a_summary_and_the_bearer_token(spec):
    ids, problems_found = [], []
    for method, path, operation in operations(spec):
        label = f"{method.upper()} {path}"
        if not operation.get("operationId"):
            problems_found.append(f"{label}: no operationId")
        ids.append(operation.get("operationId"))
        if not (operation.get("summary") or "").strip():
            problems_found.append(f"{label}: no summary")
        if {"bearerAuth": []} not in operation.get("security", []):
            problems_found.append(f"{label}: no bearerAuth security requirement")
    assert not problems_found, problems_found
    assert len(ids) == len(set(ids)), sorted(i for i in ids if ids.count(i) > 1)
    assert spec["components"]["securitySchemes"]["bearerAuth"] == {
        **spec["components"]["securitySchemes"]["bearerAuth"], "type": "http",
        "scheme": "bearer"}


def test_every_write_documents_its_client_errors(spec):
    undocumented = [f"{method.upper()} {path}" for method, path, op in operations(spec)
                    if method in WRITES
                    and not any(code.startswith("4") for code in op["responses"])]
    assert not undocumented, undocumented


def test_a_documented_error_body_is_a_problem(spec):
    """An error response that documents a body documents problem details, the only shape
    the API answers errors in (``api.problems``)."""
    wrong = [f"{method.upper()} {path} {code}: {media}"
             for method, path, op in operations(spec)
             for code, response in op["responses"].items() if code[0] in "45"
             for media in response.get("content", {}) if media != problems.CONTENT_TYPE]
    assert not wrong, wrong


# --- The reference page -------------------------------------------------------------------


@pytest.fixture
def reference_html(client, db):
    response = client.get("/api/v1/docs/")
    assert response.status_code == 200
    return response.content.decode()


def test_the_reference_is_public_and_names_every_operation(reference_html, spec):
    for method, path, operation in operations(spec):
        assert f'id="{operation["operationId"]}"' in reference_html, operation["operationId"]
        assert f"{method.upper()} {path}" in reference_html


def test_the_reference_has_an_anchor_for_every_problem_type(reference_html):
    for kind in problems.PROBLEM_TYPES:
        assert f'id="problem-{kind}"' in reference_html, kind
        assert problems.type_uri(kind).endswith(f"#problem-{kind}")


def test_the_reference_documents_every_field_of_a_problem(reference_html):
    problem = problems.body(400, "validation", "x", [{"field": "a", "message": "b"}])
    documented = {name for name, _type, _text in reference.PROBLEM_FIELDS}
    assert set(problem) | {"request_id"} <= documented
    for name in documented:
        assert re.search(rf"<code[^>]*>{name}</code>", reference_html), name


def test_the_reference_has_no_inline_script(reference_html):
    scripts = re.findall(r"<script\b[^>]*>", reference_html)
    assert scripts and all(" src=" in tag for tag in scripts), scripts
    assert " style=" not in reference_html and "<style" not in reference_html


def test_the_reference_reads_the_schema_once_per_process(client, db, monkeypatch):
    reference.clear_cache()
    calls = []
    real = SchemaGenerator.get_schema

    def counting(self, *args, **kwargs):
        calls.append(1)
        return real(self, *args, **kwargs)

    monkeypatch.setattr(SchemaGenerator, "get_schema", counting)
    assert client.get("/api/v1/docs/").status_code == 200
    assert client.get("/api/v1/docs/").status_code == 200
    assert len(calls) == 1
