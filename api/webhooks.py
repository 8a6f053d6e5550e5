"""Webhooks: each event a client may see, pushed to its endpoints, signed (issue 13).

An endpoint reads the same change feed as ``GET /api/v1/events`` (``api.feed``), from its
own cursor: ``queue_deliveries`` turns what is new into outbox rows (``WebhookDelivery``,
one per endpoint and event), and ``deliver_due`` sends the rows that are due, retrying a
failure on a back-off schedule. The beat task ``api.deliver_webhooks`` runs both.

Every delivery is a ``POST`` of ``{"event": <the feed's event>, "endpoint_id": <id>}`` with

    Portal-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<raw body>")>
    Portal-Event-Id: <event id>
    Portal-Delivery-Id: <delivery id>

A receiver checks the signature with ``verify`` (or its own ten lines): the signature
proves the body is ours and unchanged, and the timestamp refuses a replayed old request.
Delivery is at least once: a receiver keeps the event ids it has seen.

Addresses are https (plain http only for the hosts in ``API_WEBHOOK_HTTP_HOSTS``), and never
one that resolves to a private, loopback, link-local or otherwise non-public address (a
server-side request forgery guard): checked when the endpoint is registered, and again on
every connection (the address actually connected to), so a name that later resolves
elsewhere is refused too. No redirect is followed and no proxy is used.
"""

from __future__ import annotations

import datetime
import hashlib
import hmac
import http.client
import ipaddress
import json
import logging
import socket
import ssl
import time
import urllib.request
from urllib.parse import urlsplit

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.serializers.json import DjangoJSONEncoder
from django.core.validators import URLValidator
from django.db import connection, transaction
from django.utils import timezone

from api import feed
from api.models import ApiClient, DeliveryStatus, WebhookDelivery, WebhookEndpoint
from portal import audit

logger = logging.getLogger(__name__)

SIGNATURE_HEADER = "Portal-Signature"
EVENT_HEADER = "Portal-Event-Id"
DELIVERY_HEADER = "Portal-Delivery-Id"
USER_AGENT = "ProviderResolutionPortal-Webhooks/1.0"

#: A client has at most this many active endpoints.
MAX_ENDPOINTS = 5
#: Seconds to connect, and to wait for each read of the answer.
TIMEOUT = 5
#: After the first attempt fails, the waits before each retry; failed after the last.
BACKOFF = (
    datetime.timedelta(minutes=1),
    datetime.timedelta(minutes=5),
    datetime.timedelta(minutes=30),
    datetime.timedelta(hours=2),
    datetime.timedelta(hours=6),
    datetime.timedelta(hours=12),
    datetime.timedelta(hours=24),
)
MAX_ATTEMPTS = len(BACKOFF) + 1
#: A delivery being sent is claimed this long (a worker that dies mid-send leaves it to be
#: retried after it); far longer than one send can take.
LEASE = datetime.timedelta(minutes=10)
#: Events queued for one endpoint per call (the rest on the next run).
QUEUE_PAGE = 500
QUEUE_PAGES = 10
#: Deliveries for a disabled endpoint or client, or for an event the client may no longer
#: see, are never sent.
ENDPOINT_DISABLED = "The endpoint was disabled; not sent."
NOT_VISIBLE = "The client may no longer see this event; not sent."


# --- Signing -------------------------------------------------------------------------------


def _as_bytes(body) -> bytes:
    return body.encode() if isinstance(body, str) else bytes(body)


def _mac(secret: str, timestamp: int, body: bytes) -> str:
    return hmac.new(secret.encode(), f"{timestamp}.".encode() + body,
                    hashlib.sha256).hexdigest()


def signature(secret: str, body, *, timestamp: int | None = None) -> str:
    """The ``Portal-Signature`` header value for ``body`` (bytes as sent)."""
    timestamp = int(time.time()) if timestamp is None else int(timestamp)
    return f"t={timestamp},v1={_mac(secret, timestamp, _as_bytes(body))}"


def verify(secret: str, header: str | None, body, *, tolerance: int = 300, now=None) -> bool:
    """Whether ``header`` (the ``Portal-Signature`` value) signs ``body`` (the raw bytes
    received) with ``secret``, at a time within ``tolerance`` seconds of ``now`` (a
    datetime or unix seconds; default: the clock). A receiver refuses the request when
    this is false. The comparison takes constant time; several ``v1`` values are allowed
    (any one may match)."""
    if not header or not secret:
        return False
    timestamp, candidates = None, []
    for part in str(header).split(","):
        name, _, value = part.strip().partition("=")
        if name == "t":
            try:
                timestamp = int(value)
            except ValueError:
                return False
        elif name == "v1" and value:
            candidates.append(value)
    if timestamp is None or not candidates:
        return False
    if now is None:
        now = time.time()
    elif isinstance(now, datetime.datetime):
        now = now.timestamp()
    if abs(float(now) - timestamp) > tolerance:
        return False
    expected = _mac(secret, timestamp, _as_bytes(body))
    matched = False
    for candidate in candidates:
        matched |= hmac.compare_digest(expected, candidate)
    return matched


# --- The address rule (SSRF guard) -------------------------------------------------------


class RefusedAddress(Exception):
    """The address may not be called (the message says why)."""


def _http_hosts() -> set[str]:
    return {h.strip().lower().strip("[]") for h in getattr(
        settings, "API_WEBHOOK_HTTP_HOSTS", []) if h.strip()}


def is_public(address: str) -> bool:
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return ip.is_global and not (ip.is_multicast or ip.is_reserved or ip.is_unspecified
                                 or ip.is_loopback or ip.is_link_local or ip.is_private)


def resolve_host(host: str, port: int) -> list[str]:
    """The addresses ``host`` resolves to (tests replace this)."""
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return list(dict.fromkeys(info[4][0] for info in infos))


def check_url(url: str, *, resolve: bool = True) -> str:
    """The address, if a webhook may be sent to it; else ``ValidationError`` with the
    reason, in words for the client's developer."""
    url = (url or "").strip()
    if not url:
        raise ValidationError("Give the https address your system receives events at.")
    if len(url) > 500:
        raise ValidationError("The address is longer than 500 characters.")
    try:
        URLValidator(schemes=["http", "https"])(url)
        parts = urlsplit(url)
        port = parts.port
    except (ValidationError, ValueError):
        raise ValidationError("This is not a web address; write it whole, e.g. "
                              "https://hooks.example.com/portal.") from None
    host = (parts.hostname or "").lower()
    if parts.username is not None or parts.password is not None:
        raise ValidationError("Put no user name or password in the address; check the "
                              "Portal-Signature header instead.")
    if parts.fragment:
        raise ValidationError("Leave the #fragment out of the address.")
    allowed_host = host in _http_hosts()
    if parts.scheme != "https" and not allowed_host:
        raise ValidationError("The address must start with https://: events are sent only "
                              "over an encrypted connection.")
    if resolve and not allowed_host:
        try:
            ipaddress.ip_address(host)
            addresses = [host]  # an address, not a name
        except ValueError:
            addresses = None
        try:
            addresses = addresses or resolve_host(
                host, port or (443 if parts.scheme == "https" else 80))
        except (OSError, UnicodeError):
            raise ValidationError(f"The host {host} could not be found; check the "
                                  "address.") from None
        refused = [a for a in addresses if not is_public(a)]
        if refused or not addresses:
            raise ValidationError(f"The host {host} resolves to a private or local address "
                                  f"({refused[0] if refused else 'none'}); events are sent "
                                  "only to public addresses.")
    return url


def _connect(address, timeout=socket._GLOBAL_DEFAULT_TIMEOUT, source_address=None):
    """``socket.create_connection``, but to public addresses only (unless the host is in
    ``API_WEBHOOK_HTTP_HOSTS``): the address connected to is the one checked."""
    host, port = address
    allowed_host = str(host).lower().strip("[]") in _http_hosts()
    last_error = None
    for family, kind, proto, _name, sockaddr in socket.getaddrinfo(
            host, port, 0, socket.SOCK_STREAM):
        if not allowed_host and not is_public(sockaddr[0]):
            raise RefusedAddress(f"The host {host} resolves to a private or local address "
                                 f"({sockaddr[0]}); events are sent only to public "
                                 "addresses.")
        sock = socket.socket(family, kind, proto)
        try:
            if timeout is not socket._GLOBAL_DEFAULT_TIMEOUT:
                sock.settimeout(timeout)
            if source_address:
                sock.bind(source_address)
            sock.connect(sockaddr)
            return sock
        except OSError as error:
            last_error = error
            sock.close()
    raise last_error or OSError(f"{host} has no address")


class _GuardedHTTPConnection(http.client.HTTPConnection):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._create_connection = _connect


class _GuardedHTTPSConnection(http.client.HTTPSConnection):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._create_connection = _connect


class _HTTPHandler(urllib.request.HTTPHandler):
    def http_open(self, req):
        return self.do_open(_GuardedHTTPConnection, req)


class _HTTPSHandler(urllib.request.HTTPSHandler):
    def https_open(self, req):
        return self.do_open(_GuardedHTTPSConnection, req, context=self._context)


def _opener():
    # Only these two handlers: no redirect handler (a 3xx is an answer, not followed), no
    # proxy handler (the environment's proxy is not used), no error processor (any status
    # is returned, not raised).
    opener = urllib.request.OpenerDirector()
    opener.add_handler(_HTTPHandler())
    opener.add_handler(_HTTPSHandler(context=ssl.create_default_context()))
    return opener


# --- Endpoints ---------------------------------------------------------------------------


def endpoint_detail(endpoint) -> str:
    """For the audit log: the id and host, never the path or query (they may hold a
    receiver's token)."""
    return f"webhook {endpoint.pk} to {urlsplit(endpoint.url).hostname}"


@transaction.atomic
def create_endpoint(client, *, by, url, description="") -> WebhookEndpoint:
    """A new endpoint of ``client``; it receives the events after now. Its secret is on
    the returned object, to be shown once."""
    client = ApiClient.objects.select_for_update().get(pk=client.pk)
    try:
        url = check_url(url)
    except ValidationError as error:
        raise ValidationError({"url": error.messages}) from None
    active = WebhookEndpoint.objects.filter(client=client, disabled_at__isnull=True)
    if active.filter(url=url).exists():
        raise ValidationError({"url": "This client already has an active endpoint at this "
                                      "address."})
    if active.count() >= MAX_ENDPOINTS:
        raise ValidationError({"url": f"This client already has {MAX_ENDPOINTS} active "
                                      "webhook endpoints, the most it may have; disable "
                                      "one first."})
    _events, now_cursor, _more = feed.read(client.user, "now")
    endpoint = WebhookEndpoint.objects.create(
        client=client, url=url, description=(description or "").strip()[:200],
        secret=WebhookEndpoint.new_secret(), created_by=by, cursor=now_cursor)
    audit.write(user=by, action="webhook_created", object_type="api_client",
                object_id=client.pk, detail=endpoint_detail(endpoint))
    return endpoint


@transaction.atomic
def disable_endpoint(endpoint, *, by) -> WebhookEndpoint:
    """No more deliveries: the ones waiting are marked failed."""
    endpoint = WebhookEndpoint.objects.select_for_update().get(pk=endpoint.pk)
    if endpoint.disabled_at is None:
        endpoint.disabled_at = timezone.now()
        endpoint.save(update_fields=["disabled_at"])
        endpoint.deliveries.filter(status=DeliveryStatus.PENDING).update(
            status=DeliveryStatus.FAILED, next_attempt_at=None, last_error=ENDPOINT_DISABLED)
        audit.write(user=by, action="webhook_disabled", object_type="api_client",
                    object_id=endpoint.client_id, detail=endpoint_detail(endpoint))
    return endpoint


def active_endpoints():
    return WebhookEndpoint.objects.filter(disabled_at__isnull=True,
                                          client__disabled_at__isnull=True)


# --- Queueing ----------------------------------------------------------------------------


def queue_deliveries(endpoint, *, now=None) -> int:
    """Queue a delivery for each feed event after the endpoint's cursor and move the
    cursor on; returns how many events were read. The endpoint row is locked for the
    while, and a delivery is unique per endpoint and event, so two workers never queue an
    event twice."""
    now = now or timezone.now()
    with transaction.atomic():
        endpoint = (WebhookEndpoint.objects.select_for_update(of=("self",))
                    .select_related("client__user").get(pk=endpoint.pk))
        if endpoint.disabled_at is not None or not endpoint.client.is_active:
            return 0
        user = endpoint.client.user
        if not endpoint.cursor:
            # Made without a cursor (not by create_endpoint): it starts now.
            endpoint.cursor = feed.read(user, "now")[1]
            endpoint.save(update_fields=["cursor"])
            return 0
        cursor, read = endpoint.cursor, 0
        for _page in range(QUEUE_PAGES):
            events, cursor, more = feed.read(user, cursor, QUEUE_PAGE)
            if events:
                WebhookDelivery.objects.bulk_create(
                    [WebhookDelivery(endpoint=endpoint, event=event, next_attempt_at=now)
                     for event in events],
                    ignore_conflicts=True)
                read += len(events)
            if not more:
                break
        if cursor != endpoint.cursor:
            endpoint.cursor = cursor
            endpoint.save(update_fields=["cursor"])
        return read


# --- Delivering --------------------------------------------------------------------------


def payload(delivery) -> bytes:
    from api.views.events import feed_event

    return json.dumps({"event": feed_event(delivery.event), "endpoint_id": delivery.endpoint_id},
                      cls=DjangoJSONEncoder, separators=(",", ":")).encode()


def _claim(now, skip):
    """The next due delivery, claimed (its next attempt moved a lease ahead) in a short
    transaction of its own; None when there is none. Rows another worker holds are skipped
    (PostgreSQL); the conditional update makes the claim safe on SQLite too."""
    with transaction.atomic():
        due = (WebhookDelivery.objects
               .filter(status=DeliveryStatus.PENDING, next_attempt_at__lte=now)
               .exclude(endpoint_id__in=skip)
               .order_by("next_attempt_at", "pk"))
        if connection.features.has_select_for_update_skip_locked:
            due = due.select_for_update(skip_locked=True)
        delivery = due.first()
        if delivery is None:
            return None
        claimed = WebhookDelivery.objects.filter(
            pk=delivery.pk, status=DeliveryStatus.PENDING,
            next_attempt_at=delivery.next_attempt_at, attempts=delivery.attempts,
        ).update(next_attempt_at=now + LEASE)
        if not claimed:
            return False
    return (WebhookDelivery.objects.select_related("endpoint__client__user", "event__ticket")
            .get(pk=delivery.pk))


def _send(delivery) -> int:
    """POST the delivery; returns the answer's status code (raises on no answer)."""
    endpoint = delivery.endpoint
    url = check_url(endpoint.url, resolve=False)  # the rule may have changed since
    body = payload(delivery)
    # S310: check_url allows http(s) only, and the opener has no other handler.
    request = urllib.request.Request(url, data=body, method="POST", headers={  # noqa: S310
        "Content-Type": "application/json",
        "User-Agent": USER_AGENT,
        SIGNATURE_HEADER: signature(endpoint.secret, body),
        EVENT_HEADER: str(delivery.event_id),
        DELIVERY_HEADER: str(delivery.pk),
    })
    response = _opener().open(request, timeout=TIMEOUT)
    try:
        return response.status
    finally:
        response.close()  # the answer's body is never read


def _error_text(error) -> str:
    """What went wrong, for the delivery log: never a response body, never the secret."""
    if isinstance(error, RefusedAddress | ValidationError):
        return " ".join(getattr(error, "messages", None) or [str(error)])
    if isinstance(error, TimeoutError | socket.timeout):
        return f"No answer within {TIMEOUT} seconds."
    if isinstance(error, socket.gaierror):
        return "The host name could not be resolved."
    if isinstance(error, ssl.SSLCertVerificationError):
        return f"The TLS certificate was refused: {error.verify_message}."
    if isinstance(error, ssl.SSLError):
        return f"The TLS connection failed ({error.reason or 'handshake'})."
    if isinstance(error, ConnectionRefusedError):
        return "The connection was refused."
    if isinstance(error, http.client.HTTPException):
        return f"The answer was not valid HTTP ({type(error).__name__})."
    if isinstance(error, OSError):
        return f"The connection failed: {error.strerror or type(error).__name__}."
    return f"The delivery failed ({type(error).__name__})."


def _record(delivery, now, *, status_code=None, error="", final=False):
    attempts = delivery.attempts + 1
    fields = {"attempts": attempts, "last_attempt_at": now,
              "last_status_code": status_code, "last_error": error[:500]}
    if status_code is not None and 200 <= status_code < 300:
        fields.update(status=DeliveryStatus.DELIVERED, delivered_at=now, next_attempt_at=None,
                      last_error="")
        outcome = "delivered"
    elif final or attempts >= MAX_ATTEMPTS:
        fields.update(status=DeliveryStatus.FAILED, next_attempt_at=None)
        outcome = "failed"
    else:
        fields.update(next_attempt_at=now + BACKOFF[attempts - 1])
        outcome = "retry"
    # Only the claim this worker holds is recorded (attempts unchanged since the claim).
    WebhookDelivery.objects.filter(pk=delivery.pk, status=DeliveryStatus.PENDING,
                                   attempts=delivery.attempts).update(**fields)
    logger.info("webhook delivery %s (event %s, endpoint %s), attempt %s: %s%s",
                delivery.pk, delivery.event_id, delivery.endpoint_id, attempts, outcome,
                f" ({status_code})" if status_code is not None else "")
    return outcome


def _skip(delivery, now, reason):
    WebhookDelivery.objects.filter(pk=delivery.pk, status=DeliveryStatus.PENDING).update(
        status=DeliveryStatus.FAILED, next_attempt_at=None, last_error=reason)
    return "failed"


def deliver_one(delivery, now) -> str:
    endpoint = delivery.endpoint
    if endpoint.disabled_at is not None or not endpoint.client.is_active:
        return _skip(delivery, now, ENDPOINT_DISABLED)
    if not feed.visible_events(endpoint.client.user).filter(pk=delivery.event_id).exists():
        return _skip(delivery, now, NOT_VISIBLE)
    try:
        status_code = _send(delivery)
    except (RefusedAddress, ValidationError) as error:
        return _record(delivery, now, error=_error_text(error), final=True)
    except Exception as error:  # noqa: BLE001 - any failure to deliver is retried
        return _record(delivery, now, error=_error_text(error))
    error = "" if 200 <= status_code < 300 else (
        f"The receiver answered {status_code}" + (" (a redirect, not followed)."
                                                   if 300 <= status_code < 400 else "."))
    return _record(delivery, now, status_code=status_code, error=error)


def deliver_due(now=None, batch: int = 100) -> dict:
    """Send up to ``batch`` due deliveries; returns how many were delivered, will be
    retried, and failed for good. Once an endpoint fails in a run, its other deliveries
    wait for the next run (a dead receiver does not hold up the others)."""
    now = now or timezone.now()
    counts = {"delivered": 0, "retry": 0, "failed": 0}
    struggling: set[int] = set()
    for _ in range(batch):
        delivery = _claim(now, struggling)
        if delivery is None:
            break
        if delivery is False:  # another worker took it first
            continue
        outcome = deliver_one(delivery, now)
        counts[outcome] += 1
        if outcome != "delivered":
            struggling.add(delivery.endpoint_id)
    return counts
