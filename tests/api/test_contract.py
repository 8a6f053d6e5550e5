"""Every endpoint, per client and per wrong actor (issue 13): no token is a 401, a read
token never writes, a client of the wrong kind is refused, and another MCO's or provider's
ticket is a 404 on every ticket address, as in the pages."""

import datetime

import pytest
import time_machine
from django.urls import URLPattern, get_resolver, reverse

from deadlines.calendar import add_business_days, deadline_moment
from tests.api.conftest import CONTACT, RESPONSE, api_for, body
from tickets import workflow
from tickets.models import State, Ticket

pytestmark = pytest.mark.django_db

PUBLIC = {"schema", "docs"}
# The ticket addresses: (url name, method, the client kind it serves: None = both).
TICKET_ENDPOINTS = [
    ("ticket", "get", None),
    ("attachment", "get", None),
    ("claim", "post", "provider"),
    ("claims_template", "post", "provider"),
    ("attachments", "post", "provider"),
    ("submit", "post", "provider"),
    ("request_information", "post", "mco"),
    ("answer_information", "post", "provider"),
    ("respond", "post", "mco"),
    ("tracking_unknown", "post", "mco"),
    ("extension", "post", None),
    ("messages", "post", None),
    ("accept", "post", "provider"),
    ("contest", "post", "provider"),
    ("request_review", "post", "provider"),
    ("review_submission", "post", None),
]


def _api_names():
    resolver = get_resolver()
    api = next(r for r in resolver.url_patterns if getattr(r, "namespace", None) == "api")
    return {p.name for p in api.url_patterns if isinstance(p, URLPattern)}


def _url(name, ticket_pk):
    kwargs = {"pk": ticket_pk}
    if name == "attachment":
        kwargs["attachment_pk"] = 1
    return reverse(f"api:{name}", kwargs=kwargs)


def serialised(data):
    return {k: (v.isoformat() if hasattr(v, "isoformat") else v) for k, v in data.items()}


def test_the_table_names_every_ticket_endpoint():
    named = {n for n, _m, _k in TICKET_ENDPOINTS}
    ticket_names = {n for n in _api_names()
                    if "<int:pk>" in str(_route(n)) and n not in ("webhook",
                                                                   "webhook_deliveries")}
    assert ticket_names == named


def _route(name):
    resolver = get_resolver()
    api = next(r for r in resolver.url_patterns if getattr(r, "namespace", None) == "api")
    return next(p.pattern for p in api.url_patterns if getattr(p, "name", None) == name)


def test_every_endpoint_but_the_schema_needs_a_token(client, reference_data):
    from rest_framework.test import APIClient

    anonymous = APIClient()
    for name in _api_names() - PUBLIC:
        route = str(_route(name))
        kwargs = {k: 1 for k in ("pk", "attachment_pk") if f"<int:{k}>" in route}
        url = reverse(f"api:{name}", kwargs=kwargs)
        for method in ("get", "post"):
            response = getattr(anonymous, method)(url)
            assert response.status_code in (401, 405), (name, method, response.status_code)
            if response.status_code == 401:
                assert response["Content-Type"] == "application/problem+json"


@pytest.mark.parametrize(("name", "method", "kind"), TICKET_ENDPOINTS)
def test_another_mcos_or_providers_ticket_is_not_found(name, method, kind, presented_ticket,
                                                       aetna_api, other_billing_api):
    for api in (aetna_api, other_billing_api):
        if kind and api is aetna_api and kind != "mco":
            continue
        if kind and api is other_billing_api and kind != "provider":
            continue
        response = getattr(api, method)(_url(name, presented_ticket.pk))
        assert response.status_code == 404, (name, response.content)
        assert body(response)["type"].endswith("#problem-not-found")


@pytest.mark.parametrize(("name", "method", "kind"),
                         [e for e in TICKET_ENDPOINTS if e[2] is not None])
def test_a_client_of_the_other_kind_is_refused(name, method, kind, presented_ticket,
                                               molina_api, billing_api):
    wrong = billing_api if kind == "mco" else molina_api
    response = getattr(wrong, method)(_url(name, presented_ticket.pk), {})
    assert response.status_code == 403, (name, response.content)
    assert f"for {kind} clients" in body(response)["detail"]


@pytest.mark.parametrize(("name", "method", "kind"),
                         [e for e in TICKET_ENDPOINTS if e[1] == "post"])
def test_a_read_token_never_writes(name, method, kind, presented_ticket, molina_client,
                                   billing_client):
    client = molina_client if kind in (None, "mco") else billing_client
    response = api_for(client, scope="read").post(_url(name, presented_ticket.pk), {})
    assert response.status_code == 403
    assert "act" in body(response)["detail"]


def test_an_mco_system_takes_a_ticket_from_presentation_to_response(
        molina_api, billing_api, presented_ticket):
    pk = presented_ticket.pk
    asked = molina_api.post(f"/api/v1/tickets/{pk}/information-requests",
                            {"request_text": "The remittance advice, please."})
    assert asked.status_code == 200
    answered = billing_api.post(f"/api/v1/tickets/{pk}/information-answers",
                                {"answer_text": "Attached.", "already_sent": False})
    assert answered.status_code == 200, answered.content
    assert body(answered)["ticket"]["state"] == State.WITH_MCO
    message = molina_api.post(f"/api/v1/tickets/{pk}/messages", {"body": "Thank you."})
    assert message.status_code == 201
    responded = molina_api.post(f"/api/v1/tickets/{pk}/response", serialised(RESPONSE))
    assert responded.status_code == 201, responded.content
    ticket = body(molina_api.get(f"/api/v1/tickets/{pk}"))
    assert ticket["state"] == State.MCO_RESPONDED
    assert ticket["response"]["representative_name"] == RESPONSE["representative_name"]
    assert [m["body"] for m in ticket["messages"]] == ["Thank you."]
    assert {"information_requested", "information_provided", "responded"} <= {
        e["action"] for e in ticket["events"]}


def test_the_information_window_closes_as_on_the_page(molina_api, presented_ticket):
    clock_day = add_business_days(presented_ticket.presented_at.date(), 6)
    with time_machine.travel(deadline_moment(clock_day) - datetime.timedelta(hours=1)):
        refused = molina_api.post(f"/api/v1/tickets/{presented_ticket.pk}/information-"
                                  "requests", {"request_text": "Too late?"})
    assert refused.status_code == 409
    problem = body(refused)
    assert problem["type"].endswith("#problem-refused")
    assert "window to request information closed" in problem["detail"]


def test_the_provider_contests_and_asks_for_review(molina_api, billing_api, presented_ticket):
    pk = presented_ticket.pk
    molina_api.post(f"/api/v1/tickets/{pk}/response", serialised(RESPONSE))
    contested = billing_api.post(f"/api/v1/tickets/{pk}/contest", serialised(CONTACT))
    assert contested.status_code == 200, contested.content
    review = billing_api.post(f"/api/v1/tickets/{pk}/review-request")
    assert review.status_code == 200, review.content
    assert Ticket.objects.get(pk=pk).state == State.HFS_REVIEW
    sent = billing_api.post(f"/api/v1/tickets/{pk}/review-submission", {
        "statement": "The claim was authorised.", "contacts": "Pat, 312-555-0100",
        "complete": True})
    assert sent.status_code == 200, sent.content
    assert "complete" in body(sent)["message"]


def test_accepting_needs_the_confirmation_as_on_the_page(molina_api, billing_api,
                                                         presented_ticket):
    pk = presented_ticket.pk
    molina_api.post(f"/api/v1/tickets/{pk}/response", serialised(RESPONSE))
    refused = billing_api.post(f"/api/v1/tickets/{pk}/accept", {})
    assert refused.status_code == 400
    assert body(refused)["errors"] == [{"field": "confirm", "message": "Tick the box to "
                                        "confirm that you accept the response."}]
    accepted = billing_api.post(f"/api/v1/tickets/{pk}/accept", {"confirm": True})
    assert accepted.status_code == 200
    assert body(accepted)["ticket"]["state"] == State.CLOSED


def test_the_mco_reports_an_unknown_tracking_number_and_asks_for_an_extension(
        molina_api, presented_ticket):
    pk = presented_ticket.pk
    reported = molina_api.post(f"/api/v1/tickets/{pk}/tracking-number-unknown",
                               {"note": "No such number in our system."})
    assert reported.status_code == 200, reported.content
    assert Ticket.objects.get(pk=pk).tracking_reported_unknown_at is not None
    asked = molina_api.post(f"/api/v1/tickets/{pk}/extension-requests",
                            {"circumstances": "A system outage at our claims vendor."})
    assert asked.status_code == 201, asked.content
    ticket = body(molina_api.get(f"/api/v1/tickets/{pk}"))
    assert [x["status"] for x in ticket["extension_requests"]] == ["pending"]


def test_unknown_fields_and_wrong_types_are_named(molina_api, presented_ticket):
    pk = presented_ticket.pk
    typo = molina_api.post(f"/api/v1/tickets/{pk}/messages", {"bodi": "Hello"})
    assert typo.status_code == 400 and body(typo)["errors"][0]["field"] == "bodi"
    wrong = molina_api.post(f"/api/v1/tickets/{pk}/response",
                            {**serialised(RESPONSE), "resolve_by": 20261120,
                             "plan_applies": "yes"})
    assert wrong.status_code == 400
    assert {e["field"] for e in body(wrong)["errors"]} == {"plan_applies"}
    not_an_object = molina_api.post(f"/api/v1/tickets/{pk}/messages", ["Hello"])
    assert not_an_object.status_code == 400


def test_a_closed_ticket_takes_no_message(molina_api, presented_ticket, hfs_staff):
    molina_api.post(f"/api/v1/tickets/{presented_ticket.pk}/tracking-number-unknown",
                    {"note": "Unknown."})
    workflow.close_for_invalid_tracking(presented_ticket.pk, by=hfs_staff)
    refused = molina_api.post(f"/api/v1/tickets/{presented_ticket.pk}/messages",
                              {"body": "Hello"})
    assert refused.status_code == 409
    assert "closed" in body(refused)["detail"]


def test_the_list_filters_and_pages_by_cursor(molina_api, provider_user, provider, hfs_staff):
    from tests.api.conftest import make_submitted

    tickets = [workflow.present(make_submitted(provider_user, provider).pk, by=hfs_staff)
               for _ in range(5)]
    first = body(molina_api.get("/api/v1/tickets", {"page_size": 2}))
    assert [t["id"] for t in first["results"]] == [tickets[4].pk, tickets[3].pk]
    workflow.present(make_submitted(provider_user, provider).pk, by=hfs_staff)  # an insert
    second = body(molina_api.get(first["next"]))
    assert [t["id"] for t in second["results"]] == [tickets[2].pk, tickets[1].pk]
    molina_api.post(f"/api/v1/tickets/{tickets[0].pk}/response", serialised(RESPONSE))
    responded = body(molina_api.get("/api/v1/tickets", {"state": "mco_responded"}))
    assert [t["id"] for t in responded["results"]] == [tickets[0].pk]
    due = tickets[0].clocks.get(kind="mco_response").due_date
    early = body(molina_api.get("/api/v1/tickets", {
        "response_due_before": (due - datetime.timedelta(days=1)).isoformat()}))
    assert early["results"] == []
    bad = molina_api.get("/api/v1/tickets", {"state": "nope", "updated_since": "yesterday"})
    assert bad.status_code == 400
    assert {e["field"] for e in body(bad)["errors"]} == {"state", "updated_since"}
    assert molina_api.get("/api/v1/tickets", {"cursor": "bm9wZQ"}).status_code == 400


def test_the_list_answers_in_a_constant_number_of_queries(
        molina_api, provider_user, provider, hfs_staff):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from tests.api.conftest import make_submitted

    def count():
        with CaptureQueriesContext(connection) as queries:
            assert molina_api.get("/api/v1/tickets").status_code == 200
        return len(queries)

    workflow.present(make_submitted(provider_user, provider).pk, by=hfs_staff)
    count()  # the token's first use also notes when it was last used
    few = count()
    assert few <= 3  # the token, the service account's roles, the page
    for _ in range(6):
        workflow.present(make_submitted(provider_user, provider).pk, by=hfs_staff)
    assert count() == few, "queries grew with the tickets"
