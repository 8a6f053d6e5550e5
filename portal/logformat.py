"""Log lines for people and for machines: each carries its time, level, logger and the
request id of the audit context (``portal.audit``), so a line can be matched with the
audit rows and the other lines of the same request or Celery task.

``RequestIdFilter`` adds ``record.request_id`` ("-" outside a request or task).
``JsonFormatter`` writes one JSON object a line (production: DEBUG off);
``TextFormatter`` a readable line (DEBUG on). Both blank out the deployment's secrets
(``SECRET_KEY``, database, e-mail and broker passwords) wherever they appear in a line:
a safety net under the rule that no code logs a secret or PHI at all.
"""

from __future__ import annotations

import datetime
import json
import logging
from urllib.parse import urlsplit

REDACTED = "[redacted]"
#: Shorter values are not searched for (they could be ordinary words).
MIN_SECRET_LENGTH = 6


class RequestIdFilter(logging.Filter):
    """``record.request_id``: the audit context's, or that of the request the record names
    (Django logs a 4xx or 5xx response after the middleware has finished)."""

    def filter(self, record):
        from portal import audit

        record.request_id = (
            getattr(record, "request_id", None)
            or getattr(getattr(record, "request", None), "request_id", None)
            or audit.current().request_id
            or "-"
        )
        return True


def _url_password(url) -> str:
    try:
        return urlsplit(str(url or "")).password or ""
    except ValueError:
        return ""


def deployment_secrets() -> list[str]:
    """The secret values of the settings, longest first."""
    from django.conf import settings

    values = [
        getattr(settings, "SECRET_KEY", ""),
        getattr(settings, "EMAIL_HOST_PASSWORD", ""),
        _url_password(getattr(settings, "CELERY_BROKER_URL", "")),
        _url_password(getattr(settings, "REDIS_URL", "")),
    ]
    values += [db.get("PASSWORD", "") for db in getattr(settings, "DATABASES", {}).values()]
    found = {str(v) for v in values if v and len(str(v)) >= MIN_SECRET_LENGTH}
    return sorted(found, key=len, reverse=True)


class _Redacting:
    _secrets: list[str] | None = None

    def redact(self, text: str) -> str:
        if self._secrets is None:
            try:
                self._secrets = deployment_secrets()
            except Exception:  # settings not configured yet: nothing to hide
                return text
        for secret in self._secrets:
            if secret in text:
                text = text.replace(secret, REDACTED)
        return text


class TextFormatter(_Redacting, logging.Formatter):
    def __init__(self, fmt=None, datefmt=None, style="%", **kwargs):
        fmt = fmt or "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"
        super().__init__(fmt, datefmt, style, **kwargs)

    def format(self, record):
        if not hasattr(record, "request_id"):
            record.request_id = "-"
        return self.redact(super().format(record))


class JsonFormatter(_Redacting, logging.Formatter):
    """``{"time", "level", "logger", "request_id", "message"[, "exception"][, "stack"]}``,
    the time in UTC with milliseconds (ISO 8601)."""

    def format(self, record):
        moment = datetime.datetime.fromtimestamp(record.created, tz=datetime.UTC)
        entry = {
            "time": moment.isoformat(timespec="milliseconds").replace("+00:00", "Z"),
            "level": record.levelname,
            "logger": record.name,
            "request_id": getattr(record, "request_id", None) or "-",
            "message": self.redact(record.getMessage()),
        }
        if record.exc_info:
            entry["exception"] = self.redact(self.formatException(record.exc_info))
        elif record.exc_text:
            entry["exception"] = self.redact(record.exc_text)
        if record.stack_info:
            entry["stack"] = self.redact(self.formatStack(record.stack_info))
        return json.dumps(entry, ensure_ascii=False, default=str)
