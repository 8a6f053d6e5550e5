"""The reference page's content (``/api/v1/docs/``), read from the OpenAPI schema itself:
each tag's operations with their parameters, request fields and responses, the data shapes,
the security scheme, and the problem types whose anchors every error's ``type`` links to.

The schema is generated once per process (the first request pays for it, ~0.1 s) and the
page's content derived from it is kept with it: neither changes while the process runs.
"""

from __future__ import annotations

import functools
import http
import re

from django.conf import settings
from django.utils.html import escape
from django.utils.safestring import mark_safe
from drf_spectacular.generators import SchemaGenerator

from api import problems

METHOD_ORDER = ["get", "post", "put", "patch", "delete"]
#: The reading order of the tags, and what each heading says; an unknown tag comes after
#: them, under its own name.
TAGS = {
    "me": ("This client", "Who the token speaks for, its scope and its expiry."),
    "tickets": ("Tickets", "The tickets this client may see, and its side's actions on "
                "them. Each action takes the portal page's own form fields and rules."),
    "events": ("The change feed", "Every event on the tickets this client may see, in an "
               "order a poller can follow without missing one or seeing one twice."),
    "webhooks": ("Webhooks", "The client's endpoints, which receive the feed's events by "
                 "POST, and their delivery log."),
}

#: The fields of every problem (``api.problems.body``): name, type, meaning.
PROBLEM_FIELDS = [
    ("type", "string (URI reference)", "Which kind of problem: a link to its entry below "
     "(``/api/v1/docs/#problem-validation``). Branch on this, not on the words."),
    ("title", "string", "The kind's title, the same for every problem of the kind."),
    ("status", "integer", "The HTTP status code, repeated."),
    ("detail", "string", "What went wrong this time and how to put it right, in the words "
     "of the portal's pages."),
    ("errors", "list of objects", "One entry per problem with a field: ``field`` (the "
     "field's name, or null for the request as a whole) and ``message`` (the page's "
     "message for it). Empty when no field is at fault."),
    ("request_id", "string", "This request's id (also the X-Request-ID header). Quote it "
     "to the HFS help desk: it finds the request in the portal's logs and audit log."),
]

PROBLEM_EXAMPLE = """{
  "type": "/api/v1/docs/#problem-validation",
  "title": "The request has errors",
  "status": 400,
  "detail": "resolve_by: Enter the date by which it will be resolved.",
  "errors": [
    {"field": "resolve_by",
     "message": "Enter the date by which it will be resolved."}
  ],
  "request_id": "1d9d946fd6054114870e4408a82ad382"
}"""

#: Each problem kind: the status codes it comes with, when, and what to do.
PROBLEM_KINDS = {
    "validation": ("400", "A field is missing or wrong, an unknown field was sent (a typo "
                   "is never dropped silently), or the body is not a JSON object.",
                   "Correct the fields that ``errors`` names and send the request again."),
    "refused": ("409", "A rule refuses the action now: a window has closed, or the ticket "
                "has moved on.", "Read ``detail``: it says which rule and until when. "
                "Read the ticket again before deciding what to do."),
    "not-allowed": ("403", "A read token tried to act, the endpoint is for the other kind "
                    "of client, or the portal's actor rules do not let this client do "
                    "it.", "Use a token with the act scope, or leave the action to the "
                    "side it belongs to."),
    "unauthenticated": ("401", "No token, or an unknown, revoked or expired one, or a "
                        "client that was disabled.", "Send ``Authorization: Bearer prp_…`` "
                        "with a valid token; ask the staff who manage your client for a "
                        "new one."),
    "not-found": ("404", "There is no such address or ticket, or it is not this client's.",
                  "Check the id in the address."),
    "rate-limited": ("429", "This token sent too many requests.", "Wait the seconds the "
                     "Retry-After header gives, then continue."),
    "idempotency": ("422", "The Idempotency-Key was already used for a different request.",
                    "Use a new key for each new request; reuse a key only to retry the "
                    "same request."),
    "conflict": ("409", "A request with the same Idempotency-Key is still running.",
                 "Retry in a moment: you will get the first request's answer."),
    "unsupported": ("415, 406", "The body is not in a form the endpoint takes, or the "
                    "client asked for an answer other than JSON.", "Send application/json, "
                    "or multipart/form-data where the endpoint takes files."),
    "method": ("405", "The address does not take this HTTP method.",
               "Use a method the operation lists."),
    "too-large": ("413", "The request is larger than the portal takes.",
                  "Send files within the attachment limits, one action per request."),
    "unavailable": ("503", "The portal is briefly unavailable; nothing sent was saved.",
                    "Try again in a minute."),
    "server-error": ("500", "The portal failed to answer.", "Nothing changed unless the "
                     "event feed shows it: retry with the same Idempotency-Key, and quote "
                     "the request_id to the help desk if it happens again."),
}


def schema() -> dict:
    """The OpenAPI schema, generated on first use and kept for the process's life."""
    return _reference()["spec"]


def clear_cache():
    _reference.cache_clear()


def reference_context(request) -> dict:
    context = dict(_reference())
    base = request.build_absolute_uri("/api/v1/")
    rates = settings.REST_FRAMEWORK.get("DEFAULT_THROTTLE_RATES", {})
    context.update(
        base_url=base,
        read_rate=_rate(rates.get("api_read")),
        write_rate=_rate(rates.get("api_write")),
        idempotency_hours=getattr(settings, "API_IDEMPOTENCY_HOURS", 24),
        examples=_examples(base),
        problem_example=PROBLEM_EXAMPLE,
    )
    return context


# --- Building the page's content from the schema --------------------------------------------


@functools.cache
def _reference() -> dict:
    spec = SchemaGenerator().get_schema(request=None, public=True)
    components = spec.get("components", {})
    shapes = components.get("schemas", {})
    groups: dict[str, list] = {}
    for path, item in spec.get("paths", {}).items():
        common = item.get("parameters", [])
        for method in sorted((m for m in item if m in METHOD_ORDER), key=METHOD_ORDER.index):
            op = item[method]
            tag = (op.get("tags") or ["other"])[0]
            groups.setdefault(tag, []).append(_operation(method, path, op, common, spec))
    order = list(TAGS) + sorted(t for t in groups if t not in TAGS)
    tags = [{"slug": t, "id": f"tag-{t}", "title": TAGS.get(t, (t.capitalize(), ""))[0],
             "intro": TAGS.get(t, ("", ""))[1], "operations": groups[t]}
            for t in order if t in groups]
    info = spec.get("info", {})
    return {
        "spec": spec,
        "title": info.get("title", "API"),
        "version": info.get("version", ""),
        "description": _text(info.get("description", "")),
        "tags": tags,
        "operations": [op for tag in tags for op in tag["operations"]],
        "shapes": [_shape(name, body, spec) for name, body in sorted(shapes.items())],
        "security": [
            {"name": name, "type": scheme.get("type", ""), "scheme": scheme.get("scheme", ""),
             "description": _text(scheme.get("description", ""))}
            for name, scheme in components.get("securitySchemes", {}).items()
        ],
        "problem_fields": [{"name": n, "type": t, "description": _text(d)}
                           for n, t, d in PROBLEM_FIELDS],
        "problem_kinds": [
            {"kind": kind, "id": f"problem-{kind}", "title": title,
             "uri": problems.type_uri(kind),
             "status": PROBLEM_KINDS.get(kind, ("", "", ""))[0],
             "when": _text(PROBLEM_KINDS.get(kind, ("", "", ""))[1]),
             "fix": _text(PROBLEM_KINDS.get(kind, ("", "", ""))[2])}
            for kind, title in problems.PROBLEM_TYPES.items()
        ],
    }


def _operation(method, path, op, common, spec):
    parameters = []
    for parameter in [*common, *op.get("parameters", [])]:
        parameter = _resolve(parameter, spec)
        schema = parameter.get("schema", {})
        parameters.append({
            "name": _breakable(parameter["name"]), "location": parameter.get("in", ""),
            "type": _type(schema, spec), "required": bool(parameter.get("required")),
            "description": _text(_describe(parameter.get("description", ""), schema, spec)),
        })
    body = op.get("requestBody")
    request = None
    if body:
        body = _resolve(body, spec)
        media_types = list(body.get("content", {}))
        first = body["content"][media_types[0]].get("schema", {}) if media_types else {}
        request = {
            "media_types": media_types, "required": bool(body.get("required")),
            "shape": _ref_name(first), "shape_html": _breakable(_ref_name(first)),
            "fields": _fields(first, spec),
        }
    responses = []
    for code, response in op.get("responses", {}).items():
        response = _resolve(response, spec)
        content = response.get("content", {})
        responses.append({
            "status": code,
            "description": _text(response.get("description", "")) or _phrase(code),
            "media_types": list(content),
            "body": _type(next(iter(content.values())).get("schema", {}), spec)
            if content else "",
        })
    operation_id = op.get("operationId", f"{method}-{path}")
    return {
        "id": operation_id, "method": method.upper(), "path": path,
        "summary": _text(op.get("summary") or operation_id),
        "description": _text(op.get("description", "")),
        "security": [name for requirement in op.get("security", []) for name in requirement],
        "writes": method != "get",
        "parameters": parameters, "request": request, "responses": responses,
        "deprecated": bool(op.get("deprecated")),
    }


def _shape(name, body, spec):
    return {"name": name, "name_html": _breakable(name), "id": f"schema-{name}",
            "description": _text(body.get("description", "")),
            "values": [_value(v) for v in body.get("enum", []) if v not in ("", None)],
            "fields": _fields(body, spec)}


def _fields(schema, spec):
    schema = _resolve(schema, spec)
    if "allOf" in schema and len(schema["allOf"]) == 1:
        schema = _resolve(schema["allOf"][0], spec)
    required = set(schema.get("required", []))
    return [{"name": _breakable(name), "type": _type(prop, spec), "required": name in required,
             "read_only": bool(prop.get("readOnly")),
             "description": _text(_describe(prop.get("description", ""), prop, spec))}
            for name, prop in schema.get("properties", {}).items()]


def _resolve(node, spec):
    """A ``{"$ref": "#/components/..."}`` node as the node it points at."""
    while isinstance(node, dict) and "$ref" in node:
        target = spec
        for part in node["$ref"].lstrip("#/").split("/"):
            target = target.get(part, {})
        node = target
    return node


def _ref_name(node) -> str:
    ref = node.get("$ref", "") if isinstance(node, dict) else ""
    return ref.rsplit("/", 1)[-1] if ref.startswith("#/components/schemas/") else ""


def _type(schema, spec):
    """A schema's type in words, as safe HTML: ``string (date)``, ``list of TicketSummary``
    (the name links to its data shape), ``integer or null``."""
    return mark_safe(_words(schema, spec))  # noqa: S308 - every part is escaped


def _words(schema, spec) -> str:
    if not schema:
        return "any"
    name = _ref_name(schema)
    if name:
        target = _resolve(schema, spec)
        if "enum" in target and "properties" not in target:
            return _enum_words(target)
        return f'<a class="usa-link" href="#schema-{escape(name)}">{_breakable(name)}</a>'
    for key in ("allOf", "oneOf", "anyOf"):
        if key in schema:
            parts = [p for p in schema[key] if _ref_name(p) != "NullEnum"]
            words = [_words(p, spec) for p in parts if _resolve(p, spec).get("enum") != [""]]
            words = [w for w in dict.fromkeys(words) if w]
            text = " or ".join(words) if words else "any"
            if schema.get("nullable") or len(parts) < len(schema[key]):
                text += " or null"
            return text
    kind = schema.get("type", "object")
    if kind == "array":
        text = f"list of {_words(schema.get('items', {}), spec)}"
    elif "enum" in schema:
        text = _enum_words(schema)
    else:
        text = escape(kind)
        if schema.get("format"):
            text += f" ({escape(schema['format'])})"
    if schema.get("nullable"):
        text += " or null"
    return text


def _breakable(name: str):
    """A long identifier as safe HTML that may wrap after ``_`` or ``/`` and between
    words of a CamelCase name (``<wbr>``), so a narrow table column or a phone never
    scrolls sideways and a name never breaks mid-word."""
    html = escape(name)
    html = re.sub(r"([_/])", r"\1<wbr>", html)
    html = re.sub(r"(?<=[a-z])(?=[A-Z])", "<wbr>", html)
    return mark_safe(html)  # noqa: S308 - escaped above


def _phrase(code: str) -> str:
    try:
        return http.HTTPStatus(int(code)).phrase + "."
    except ValueError:
        return ""


def _enum_words(schema) -> str:
    values = [v for v in schema.get("enum", []) if v not in ("", None)]
    return "one of " + ", ".join(f"<code>{escape(_value(v))}</code>" for v in values)


def _value(value) -> str:
    if value is True:
        return "true"
    if value is False:
        return "false"
    return str(value)


def _describe(description, schema, spec) -> str:
    """The description, with the limits the schema states in words after it."""
    schema = _resolve(schema, spec)
    limits = []
    if "maxLength" in schema:
        limits.append(f"At most {schema['maxLength']:,} characters.")
    if "minimum" in schema and "maximum" in schema:
        limits.append(f"From {schema['minimum']} to {schema['maximum']}.")
    elif "minimum" in schema:
        limits.append(f"At least {schema['minimum']}.")
    elif "maximum" in schema:
        limits.append(f"At most {schema['maximum']}.")
    if schema.get("default") not in (None, ""):
        limits.append(f"Default: ``{_value(schema['default'])}``.")
    text = (description or "").strip()
    if text and limits and text[-1] not in ".!?:)":
        text += "."
    return " ".join([text, *limits]).strip()


_CODE = re.compile(r"``?([^`]+?)``?")


def _text(text: str):
    """Schema text (plain, with backtick code spans) as safe HTML: escaped, code spans as
    ``<code>``, blank lines as paragraph breaks."""
    text = (text or "").strip()
    if not text:
        return ""
    paragraphs = [p.strip() for p in re.split(r"\n\s*\n", text) if p.strip()]
    html = []
    for paragraph in paragraphs:
        escaped = escape(" ".join(paragraph.split()))
        html.append(_CODE.sub(lambda m: f'<code class="portal-code">{m.group(1)}</code>',
                              escaped))
    return mark_safe("<br><br>".join(html))  # noqa: S308 - every part escaped above


def _rate(text: str | None) -> str:
    """DRF's ``"600/min"`` in words: ``600 a minute``."""
    if not text:
        return "no limit"
    count, period = text.split("/", 1)
    unit = {"s": "a second", "m": "a minute", "h": "an hour", "d": "a day"}.get(
        period[:1], f"per {period}")
    return f"{int(count):,} {unit}"


def _examples(base: str) -> list[dict]:
    """The getting-started commands, with this portal's address."""
    auth = '-H "Authorization: Bearer $TOKEN"'
    return [
        {"title": "Who am I?", "command": f'curl -s {auth} "{base}me"'},
        {"title": "The tickets waiting for your response (an MCO client)",
         "command": f'curl -s {auth} "{base}tickets?state=with_mco"'},
        {"title": "Read one ticket: claims, clocks, timeline, messages and files",
         "command": f'curl -s {auth} "{base}tickets/1"'},
        {"title": "Act on it, safely retried with an Idempotency-Key",
         "command": f'curl -s {auth} -H "Content-Type: application/json" \\\n'
                    f'  -H "Idempotency-Key: $(uuidgen)" \\\n'
                    f'  -d \'{{"body": "We are looking into it."}}\' \\\n'
                    f'  "{base}tickets/1/messages"'},
        {"title": "Start following the change feed, then read on from next_cursor",
         "command": f'curl -s {auth} "{base}events?after=now"\n'
                    f'curl -s {auth} "{base}events?after=<next_cursor>&limit=1000"'},
    ]
