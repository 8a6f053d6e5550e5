"""``Idempotency-Key`` on writes: a retried POST gets the first answer, and acts once.

The key's row is inserted first, in the same transaction as the action and its answer. A
second request with the key waits on the row's unique index until the first commits
(PostgreSQL) or for the one writer (SQLite), then finds the answer and returns it, with
``Idempotent-Replayed: true``. Only a success is kept: a refused or invalid request acted
on nothing, so the client may correct it and send it again with the same key. Keys are
kept for ``API_IDEMPOTENCY_HOURS`` (``api.tasks``).
"""

from __future__ import annotations

import functools
import hashlib
import json

from django.db import IntegrityError, transaction
from rest_framework.response import Response

from api import problems
from api.models import IdempotencyRecord

HEADER = "Idempotency-Key"


def _fingerprint(request) -> str:
    """What the request asks, from its parsed fields and its files' contents (never the raw
    body: a multipart body with files can be larger than Django lets a view read whole)."""
    digest = hashlib.sha256()
    digest.update(f"{request.method} {request.path}\n".encode())
    data = request.data
    fields = ({name: data.getlist(name) for name in data} if hasattr(data, "getlist")
              else data)
    digest.update(json.dumps(fields, sort_keys=True, default=str).encode())
    for name in sorted(request.FILES):
        for upload in request.FILES.getlist(name):
            digest.update(f"\n{name}:{upload.name}:{upload.size}:".encode())
            for chunk in upload.chunks():
                digest.update(chunk)
            upload.seek(0)
    return digest.hexdigest()


def _replay(record):
    headers = {"Idempotent-Replayed": "true"}
    if record.location:
        headers["Location"] = record.location
    content_type = problems.CONTENT_TYPE if record.status >= 400 else None
    return Response(record.body, status=record.status, headers=headers,
                    content_type=content_type)


def idempotent(method):
    """Decorate an APIView's ``post``. Without the header the request runs as usual."""

    @functools.wraps(method)
    def wrapper(view, request, *args, **kwargs):
        key = request.headers.get(HEADER)
        if key is None:
            return method(view, request, *args, **kwargs)
        if not key.strip() or len(key) > 255 or not key.isprintable():
            raise problems.Problem(400, "validation", "The Idempotency-Key header must be 1 "
                                   "to 255 printable characters, e.g. a UUID.",
                                   errors=[{"field": HEADER, "message": "1 to 255 printable "
                                            "characters"}])
        client = request.auth.client
        fingerprint = _fingerprint(request)
        with transaction.atomic():
            try:
                with transaction.atomic():
                    record = IdempotencyRecord.objects.create(
                        client=client, key=key, method=request.method,
                        path=request.path[:500], fingerprint=fingerprint)
            except IntegrityError:
                record = IdempotencyRecord.objects.get(client=client, key=key)
                if record.fingerprint != fingerprint:
                    raise problems.Problem(
                        422, "idempotency", "This Idempotency-Key was already used for a "
                        "different request. Use a new key for each new request.",
                        errors=[{"field": HEADER, "message": "already used for another "
                                 "request"}]) from None
                if record.status is None:
                    raise problems.Problem(409, "conflict", "A request with this "
                                           "Idempotency-Key is still running; retry in a "
                                           "moment.") from None
                return _replay(record)
            try:
                response = method(view, request, *args, **kwargs)
            except Exception as exc:  # noqa: BLE001 - answered by DRF's handler, then kept
                response = view.handle_exception(exc)
            if not 200 <= response.status_code < 300:
                # Nothing acted: the key is free for the corrected request.
                transaction.set_rollback(True)
                return response
            record.status = response.status_code
            record.body = response.data
            record.location = response.headers.get("Location", "")[:500]
            record.save(update_fields=["status", "body", "location"])
            return response

    return wrapper
