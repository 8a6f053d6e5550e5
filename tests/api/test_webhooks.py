"""Webhooks (issue 13): each event a client may see is POSTed, signed, to its endpoints,
once; a failure is retried on the back-off schedule; addresses that are not https or not
public are refused; the delivery log shows every attempt."""

import datetime
import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
import time_machine
from django.utils import timezone

from api import tasks, webhooks
from api.models import DeliveryStatus, IdempotencyRecord, WebhookDelivery, WebhookEndpoint
from portal.models import AuditEvent
from tests.api.conftest import api_for, body
from tickets import workflow

pytestmark = pytest.mark.django_db


class Receiver:
    """A real HTTP server on 127.0.0.1 that records each request and answers with the
    next of ``statuses`` (200 once they run out)."""

    def __init__(self):
        self.requests = []
        self.statuses = []
        self._lock = threading.Lock()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                data = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                with receiver._lock:
                    receiver.requests.append({"path": self.path, "headers": self.headers,
                                              "body": data})
                    status = receiver.statuses.pop(0) if receiver.statuses else 200
                self.send_response(status)
                if 300 <= status < 400:
                    self.send_header("Location", "/redirected")
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever,
                                       kwargs={"poll_interval": 0.05}, daemon=True)

    def to(self, path):
        return [r for r in self.requests if r["path"] == path]

    def events(self, path=None):
        return [json.loads(r["body"])["event"] for r in self.requests
                if path is None or r["path"] == path]


@pytest.fixture
def receiver(settings):
    settings.API_WEBHOOK_HTTP_HOSTS = ["127.0.0.1"]
    server = Receiver()
    server.thread.start()
    yield server
    server.server.shutdown()
    server.server.server_close()


def register(api, url, description="Case system"):
    created = api.post("/api/v1/webhooks", {"url": url, "description": description})
    assert created.status_code == 201, created.content
    return body(created)


def message(api, ticket, text="Hello"):
    posted = api.post(f"/api/v1/tickets/{ticket.pk}/messages", {"body": text})
    assert posted.status_code == 201, posted.content


def _at(moment):
    return time_machine.travel(moment, tick=False)


def test_each_event_is_delivered_once_signed(molina_api, presented_ticket, receiver):
    endpoint = register(molina_api, f"{receiver.url}/hooks")
    assert endpoint["secret"].startswith("whsec_") and endpoint["active"] is True
    message(molina_api, presented_ticket, "Hello")
    message(molina_api, presented_ticket, "Still there?")

    result = tasks.deliver_webhooks()

    assert result == {"queued": 2, "delivered": 2, "retry": 0, "failed": 0}
    assert len(receiver.requests) == 2
    # The presentation came before the endpoint: it starts at the feed's "now".
    assert [e["action"] for e in receiver.events()] == ["message_posted", "message_posted"]
    deliveries = {d.pk: d for d in WebhookDelivery.objects.all()}
    for request in receiver.requests:
        headers, raw = request["headers"], request["body"]
        assert headers["Content-Type"] == "application/json"
        assert webhooks.verify(endpoint["secret"], headers["Portal-Signature"], raw)
        sent = json.loads(raw)
        assert sent["endpoint_id"] == endpoint["id"]
        assert sent["event"]["ticket_id"] == presented_ticket.pk
        assert str(sent["event"]["id"]) == headers["Portal-Event-Id"]
        delivery = deliveries[int(headers["Portal-Delivery-Id"])]
        assert delivery.event_id == sent["event"]["id"]
        assert delivery.status == DeliveryStatus.DELIVERED and delivery.attempts == 1
        # A changed body, another secret, an old (replayed) or future timestamp: refused.
        signature = headers["Portal-Signature"]
        tampered = raw.replace(b'"action":"message_posted"', b'"action":"accepted"')
        assert tampered != raw
        assert not webhooks.verify(endpoint["secret"], signature, tampered)
        assert not webhooks.verify(endpoint["secret"], signature, raw + b" ")
        assert not webhooks.verify("whsec_other", signature, raw)
        signed_at = int(signature.split(",")[0].removeprefix("t="))
        assert abs(signed_at - time.time()) < 60
        assert not webhooks.verify(endpoint["secret"], signature, raw, now=signed_at + 301)
        assert not webhooks.verify(endpoint["secret"], signature, raw, now=signed_at - 301)
        assert webhooks.verify(endpoint["secret"], signature, raw, now=signed_at + 299)
        assert not webhooks.verify(endpoint["secret"], "", raw)
        assert not webhooks.verify(endpoint["secret"], "t=abc,v1=00", raw)
    # A replay made today with an old timestamp's signature does not pass either.
    old = webhooks.signature(endpoint["secret"], raw, timestamp=int(time.time()) - 3600)
    assert not webhooks.verify(endpoint["secret"], old, raw)

    assert tasks.deliver_webhooks() == {"queued": 0, "delivered": 0, "retry": 0, "failed": 0}
    assert len(receiver.requests) == 2


def test_a_failing_receiver_is_retried_on_the_back_off_schedule(molina_client, molina_api,
                                                                presented_ticket, receiver):
    receiver.statuses = [500, 503, 200]
    endpoint = register(molina_api, f"{receiver.url}/hooks")
    message(molina_api, presented_ticket)
    start = timezone.now()

    with _at(start):
        assert tasks.deliver_webhooks()["retry"] == 1
        delivery = WebhookDelivery.objects.get()
        assert (delivery.attempts, delivery.last_status_code) == (1, 500)
        assert delivery.last_error == "The receiver answered 500."
        assert delivery.next_attempt_at == start + datetime.timedelta(minutes=1)
        tasks.deliver_webhooks()  # not due yet
        assert len(receiver.requests) == 1
    with _at(start + datetime.timedelta(seconds=59)):
        tasks.deliver_webhooks()
        assert len(receiver.requests) == 1
    second = start + datetime.timedelta(minutes=1)
    with _at(second):
        assert tasks.deliver_webhooks()["retry"] == 1
        delivery.refresh_from_db()
        assert (delivery.attempts, delivery.last_status_code) == (2, 503)
        assert delivery.next_attempt_at == second + datetime.timedelta(minutes=5)
    third = second + datetime.timedelta(minutes=5)
    with _at(third):
        assert tasks.deliver_webhooks()["delivered"] == 1
    with _at(third + datetime.timedelta(days=2)):
        assert tasks.deliver_webhooks()["delivered"] == 0

    assert len(receiver.requests) == 3
    assert len({r["headers"]["Portal-Delivery-Id"] for r in receiver.requests}) == 1
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.DELIVERED and delivery.delivered_at == third
    assert delivery.next_attempt_at is None and delivery.last_error == ""

    reader = api_for(molina_client, scope="read", name="reader")
    log = reader.get(f"/api/v1/webhooks/{endpoint['id']}/deliveries")
    assert log.status_code == 200, log.content
    [row] = body(log)["results"]
    assert row["event_id"] == delivery.event_id
    assert (row["status"], row["attempts"], row["last_status_code"]) == ("delivered", 3, 200)
    assert row["delivered_at"] and row["next_attempt_at"] is None


def test_a_receiver_that_never_answers_well_fails_after_the_last_retry(molina_api,
                                                                      presented_ticket,
                                                                      receiver):
    receiver.statuses = [500] * 20
    endpoint = register(molina_api, f"{receiver.url}/hooks")
    message(molina_api, presented_ticket)
    moment = timezone.now()
    waits = []
    for _attempt in range(webhooks.MAX_ATTEMPTS):
        with _at(moment):
            tasks.deliver_webhooks()
        delivery = WebhookDelivery.objects.get()
        if delivery.next_attempt_at:
            waits.append(delivery.next_attempt_at - moment)
            moment = delivery.next_attempt_at
    assert waits == list(webhooks.BACKOFF)
    assert delivery.status == DeliveryStatus.FAILED and delivery.next_attempt_at is None
    assert delivery.attempts == webhooks.MAX_ATTEMPTS == 8
    with _at(moment + datetime.timedelta(days=3)):
        tasks.deliver_webhooks()
    assert len(receiver.requests) == 8
    rows = body(molina_api.get(f"/api/v1/webhooks/{endpoint['id']}/deliveries"))["results"]
    assert rows[0]["status"] == "failed" and rows[0]["attempts"] == 8


def test_a_redirect_is_not_followed(molina_api, presented_ticket, receiver):
    receiver.statuses = [302]
    register(molina_api, f"{receiver.url}/hooks")
    message(molina_api, presented_ticket)
    assert tasks.deliver_webhooks()["retry"] == 1
    assert [r["path"] for r in receiver.requests] == ["/hooks"]
    delivery = WebhookDelivery.objects.get()
    assert delivery.last_status_code == 302 and "not followed" in delivery.last_error


def test_each_endpoint_receives_only_what_its_client_may_see(
        molina_api, aetna_api, billing_api, other_billing_api, presented_ticket,
        other_ticket, hfs_staff, receiver):
    for api, path in ((molina_api, "/molina"), (aetna_api, "/aetna"),
                      (billing_api, "/billing"), (other_billing_api, "/other")):
        register(api, receiver.url + path)
    message(molina_api, presented_ticket, "From Molina")
    workflow.add_internal_note(presented_ticket.pk, by=hfs_staff, text="Check the SLA.")
    workflow.present(other_ticket.pk, by=hfs_staff)

    tasks.deliver_webhooks()

    assert receiver.to("/aetna") == []
    assert {e["ticket_id"] for e in receiver.events("/molina")} == {presented_ticket.pk,
                                                                    other_ticket.pk}
    assert {e["ticket_id"] for e in receiver.events("/billing")} == {presented_ticket.pk}
    assert {e["ticket_id"] for e in receiver.events("/other")} == {other_ticket.pk}
    assert "internal_note" not in {e["action"] for e in receiver.events()}
    assert not WebhookDelivery.objects.filter(event__internal=True).exists()
    for request in receiver.requests:
        assert b"Check the SLA" not in request["body"]


def test_addresses_that_are_not_https_or_not_public_are_refused(molina_api, monkeypatch,
                                                                settings):
    settings.API_WEBHOOK_HTTP_HOSTS = []

    def refused(url, expected):
        answer = molina_api.post("/api/v1/webhooks", {"url": url})
        assert answer.status_code == 400, answer.content
        problem = body(answer)
        assert answer["Content-Type"] == "application/problem+json"
        assert [e["field"] for e in problem["errors"]] == ["url"]
        assert expected in problem["errors"][0]["message"], problem

    refused("http://hooks.example.com/portal", "https://")
    monkeypatch.setattr(webhooks, "resolve_host", lambda host, port: ["10.0.0.1"])
    refused("https://hooks.internal.example/portal", "private or local address (10.0.0.1)")
    monkeypatch.setattr(webhooks, "resolve_host", lambda host, port: ["93.184.215.14",
                                                                       "169.254.169.254"])
    refused("https://metadata.example/", "169.254.169.254")
    refused("https://127.0.0.1:8443/hook", "address (127.0.0.1)")
    refused("https://[::1]/hook", "address (::1)")
    refused("https://10.1.2.3/hook", "address (10.1.2.3)")
    refused("https://user:pw@hooks.example.com/", "no user name or password")
    refused("not an address", "not a web address")
    assert not WebhookEndpoint.objects.exists()

    monkeypatch.setattr(webhooks, "resolve_host", lambda host, port: ["93.184.215.14"])
    for n in range(webhooks.MAX_ENDPOINTS):
        register(molina_api, f"https://hooks.example.com/{n}")
    refused("https://hooks.example.com/sixth", "5 active webhook endpoints")
    refused("https://hooks.example.com/0", "already has an active endpoint")


def test_queueing_twice_queues_each_event_once(molina_client, molina_api, presented_ticket,
                                               receiver):
    register(molina_api, f"{receiver.url}/hooks")
    endpoint = WebhookEndpoint.objects.get()
    started_at = endpoint.cursor
    message(molina_api, presented_ticket, "One")
    message(molina_api, presented_ticket, "Two")

    assert webhooks.queue_deliveries(endpoint) == 2
    assert webhooks.queue_deliveries(endpoint) == 0
    # A second worker that read the endpoint before the cursor moved queues nothing new.
    WebhookEndpoint.objects.filter(pk=endpoint.pk).update(cursor=started_at)
    assert webhooks.queue_deliveries(endpoint) == 2
    assert WebhookDelivery.objects.count() == 2
    assert (WebhookDelivery.objects.values("event").distinct().count() == 2)
    tasks.deliver_webhooks()
    assert len(receiver.requests) == 2


def test_endpoints_are_listed_without_secrets_and_disabled_by_their_client_only(
        molina_api, aetna_api, presented_ticket, receiver):
    endpoint = register(molina_api, f"{receiver.url}/hooks", "Production")
    listed = molina_api.get("/api/v1/webhooks")
    assert listed.status_code == 200
    [row] = body(listed)["results"]
    assert row["id"] == endpoint["id"] and row["description"] == "Production"
    assert "secret" not in row and endpoint["secret"] not in listed.content.decode()
    assert body(aetna_api.get("/api/v1/webhooks"))["results"] == []
    assert aetna_api.get(f"/api/v1/webhooks/{endpoint['id']}/deliveries").status_code == 404
    assert aetna_api.delete(f"/api/v1/webhooks/{endpoint['id']}").status_code == 404
    assert WebhookEndpoint.objects.get().disabled_at is None

    receiver.statuses = [500]
    message(molina_api, presented_ticket)
    tasks.deliver_webhooks()  # one failed attempt; a retry waits
    assert molina_api.delete(f"/api/v1/webhooks/{endpoint['id']}").status_code == 204
    assert molina_api.delete(f"/api/v1/webhooks/{endpoint['id']}").status_code == 204
    [row] = body(molina_api.get("/api/v1/webhooks"))["results"]
    assert row["active"] is False and row["disabled_at"]
    message(molina_api, presented_ticket, "After")
    with _at(timezone.now() + datetime.timedelta(hours=1)):
        tasks.deliver_webhooks()
    assert len(receiver.requests) == 1
    delivery = WebhookDelivery.objects.get()
    assert delivery.status == DeliveryStatus.FAILED
    assert delivery.last_error == webhooks.ENDPOINT_DISABLED

    rows = AuditEvent.objects.filter(object_type="api_client",
                                     action__in=["webhook_created", "webhook_disabled"])
    assert sorted(rows.values_list("action", flat=True)) == ["webhook_created",
                                                             "webhook_disabled"]
    assert all(r.api_client_id is not None for r in rows)
    assert all(str(endpoint["id"]) in r.detail and "/hooks" not in r.detail for r in rows)


def test_writing_needs_the_act_scope(molina_client, receiver):
    reader = api_for(molina_client, scope="read", name="reader")
    assert reader.post("/api/v1/webhooks", {"url": f"{receiver.url}/x"}).status_code == 403
    assert reader.get("/api/v1/webhooks").status_code == 200
    assert not WebhookEndpoint.objects.exists()


def test_a_provider_client_registers_its_own_endpoint(billing_api, presented_ticket, receiver):
    endpoint = register(billing_api, f"{receiver.url}/billing")
    message(billing_api, presented_ticket, "From the provider")
    tasks.deliver_webhooks()
    [event] = receiver.events()
    assert event["ticket_id"] == presented_ticket.pk
    assert webhooks.verify(endpoint["secret"],
                           receiver.requests[0]["headers"]["Portal-Signature"],
                           receiver.requests[0]["body"])


def test_an_address_no_longer_allowed_is_refused_when_sending(molina_api, presented_ticket,
                                                              receiver, settings):
    register(molina_api, f"{receiver.url}/hooks")
    message(molina_api, presented_ticket)
    settings.API_WEBHOOK_HTTP_HOSTS = []
    assert tasks.deliver_webhooks()["failed"] == 1
    assert receiver.requests == []
    delivery = WebhookDelivery.objects.get()
    assert delivery.status == DeliveryStatus.FAILED and "https://" in delivery.last_error


def test_the_guard_checks_the_address_actually_connected_to(monkeypatch):
    # The name resolved to a public address at registration; now to a private one.
    monkeypatch.setattr(webhooks.socket, "getaddrinfo", lambda *a, **k: [
        (2, 1, 6, "", ("10.0.0.1", 443))])
    with pytest.raises(webhooks.RefusedAddress, match="10.0.0.1"):
        webhooks._connect(("hooks.example.com", 443), 1)


def test_old_idempotency_keys_are_removed(molina_api, presented_ticket, settings):
    settings.API_IDEMPOTENCY_HOURS = 24
    message_path = f"/api/v1/tickets/{presented_ticket.pk}/messages"
    assert molina_api.post(message_path, {"body": "Hi"}, key="k-1").status_code == 201
    assert tasks.remove_old_idempotency_keys() == 0
    with _at(timezone.now() + datetime.timedelta(hours=25)):
        assert molina_api.post(message_path, {"body": "Hi"}, key="k-2").status_code == 201
        assert tasks.remove_old_idempotency_keys() == 1
    assert list(IdempotencyRecord.objects.values_list("key", flat=True)) == ["k-2"]


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_workers_at_once_queue_and_deliver_each_event_once(receiver):
    from django.db import connection

    from api import clients
    from portal.models import MCO
    from portal.reference_data import load_reference_data
    from tests import factories
    from tests.migrated_data import restore as restore_migrated_data
    from tests.tickets.conftest import approve, make_provider, make_submitted

    restore_migrated_data()
    load_reference_data()
    hfs = factories.hfs_staff()
    provider_user = factories.provider_user()
    provider = make_provider(7)
    approve(provider_user, provider)
    ticket = workflow.present(make_submitted(provider_user, provider).pk, by=hfs)
    client = clients.create_client(by=hfs, kind="mco", name="Molina case system",
                                   contact_email="it@molina.example.test",
                                   mco=MCO.objects.get(slug="molina"))
    api = api_for(client)
    register(api, f"{receiver.url}/hooks")
    for n in range(10):
        message(api, ticket, f"Message {n}")
    barrier = threading.Barrier(2)
    results, errors = [], []

    def work():
        try:
            barrier.wait()
            results.append(tasks.deliver_webhooks())
        except Exception as error:  # noqa: BLE001 - reported below
            errors.append(error)
        finally:
            connection.close()

    workers = [threading.Thread(target=work) for _ in range(2)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(timeout=60)
    assert errors == [] and len(results) == 2
    assert sum(r["queued"] for r in results) == 10
    assert sum(r["delivered"] for r in results) == 10
    assert len(receiver.requests) == 10
    assert len({r["headers"]["Portal-Delivery-Id"] for r in receiver.requests}) == 10
    assert WebhookDelivery.objects.filter(status=DeliveryStatus.DELIVERED).count() == 10
