"""An MCO's system takes a ticket from presentation to response through the API, with the
page's rules (issue 13)."""

import pytest

from portal.models import AuditEvent
from tests.api.conftest import RESPONSE, body
from tickets.models import State, Ticket

pytestmark = pytest.mark.django_db


def _response(**changes):
    data = {k: (v.isoformat() if hasattr(v, "isoformat") else v) for k, v in RESPONSE.items()}
    data.update(changes)
    return data


def test_the_mco_lists_reads_and_answers_a_presented_ticket(molina_api, presented_ticket):
    listed = molina_api.get("/api/v1/tickets")
    assert listed.status_code == 200, listed.content
    assert [t["id"] for t in body(listed)["results"]] == [presented_ticket.pk]
    ticket = body(molina_api.get(f"/api/v1/tickets/{presented_ticket.pk}"))
    assert ticket["number"] == presented_ticket.number
    assert {c["kind"] for c in ticket["clocks"] if c["running"]} >= {"mco_response"}

    asked = molina_api.post(f"/api/v1/tickets/{presented_ticket.pk}/information-requests",
                            {"request_text": "Send the EOB."})
    assert asked.status_code == 200, asked.content
    assert body(asked)["ticket"]["state"] == State.AWAITING_PROVIDER_INFO


def test_a_response_without_its_representative_names_the_field(molina_api, presented_ticket):
    refused = molina_api.post(f"/api/v1/tickets/{presented_ticket.pk}/response",
                              _response(representative_name=""))
    assert refused.status_code == 400
    problem = body(refused)
    assert refused["Content-Type"] == "application/problem+json"
    assert any(e["field"] == "representative_name" for e in problem["errors"])
    assert Ticket.objects.get(pk=presented_ticket.pk).state == State.WITH_MCO


def test_the_response_is_sent_once_under_a_retried_key(molina_api, presented_ticket):
    path = f"/api/v1/tickets/{presented_ticket.pk}/response"
    first = molina_api.post(path, _response(), key="resp-1")
    again = molina_api.post(path, _response(), key="resp-1")
    assert first.status_code == again.status_code == 201, first.content
    assert again["Idempotent-Replayed"] == "true"
    assert body(again) == body(first)
    ticket = Ticket.objects.get(pk=presented_ticket.pk)
    assert ticket.state == State.MCO_RESPONDED
    assert ticket.events.filter(action="responded").count() == 1
    rows = AuditEvent.objects.filter(object_id=ticket.pk, action="responded")
    assert rows.count() == 1 and rows.get().api_client_id is not None


def test_another_mcos_ticket_is_not_found(aetna_api, presented_ticket):
    assert aetna_api.get(f"/api/v1/tickets/{presented_ticket.pk}").status_code == 404
    assert body(aetna_api.get("/api/v1/tickets"))["results"] == []
    refused = aetna_api.post(f"/api/v1/tickets/{presented_ticket.pk}/information-requests",
                             {"request_text": "x"})
    assert refused.status_code == 404
