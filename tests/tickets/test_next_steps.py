"""Issue 12: the ticket page's status summary names the viewer's own next deadline, with
its date and the one primary action; the other parties' deadlines come after it."""

import datetime
import html
import re

import pytest
import time_machine
from django.test import Client
from django.urls import reverse

from deadlines import clocks
from deadlines.days import short_date
from tests.tickets.conftest import CONTACT, RESPONSE
from tickets import workflow

pytestmark = pytest.mark.django_db


def summary(user, ticket):
    """The text of the status summary box, as that person sees it."""
    client = Client()
    client.force_login(user)
    page = client.get(reverse("ticket_detail", args=[ticket.pk])).content.decode()
    box = re.search(r'aria-labelledby="state-heading">(.*?)</div>\s*</div>\s*</div>', page,
                    re.S).group(1)
    return html.unescape(re.sub(r"<[^>]+>", " ", box))


def due(ticket, kind):
    return short_date(clocks.running_clock(ticket, kind).due_date, weekday=True)


def test_hfs_sees_triage_as_its_next_step(submitted_ticket, hfs_staff, provider_user):
    text = summary(hfs_staff, submitted_ticket)
    assert "Your next step: Present the ticket to the MCO, or close it" in text
    assert due(submitted_ticket, "triage") in text and "Triage the ticket" in text
    # The provider has nothing to do now: it reads whose turn it is.
    text = summary(provider_user, submitted_ticket)
    assert "Your next step" not in text and "HFS checks the ticket" in text


def test_each_party_sees_its_own_step_and_the_others_deadline(presented_ticket, mco_staff,
                                                              provider_user):
    workflow.request_information(presented_ticket.pk, by=mco_staff, request_text="EOB?")
    provider = summary(provider_user, presented_ticket)
    assert "Send the information the MCO asked for" in provider
    assert due(presented_ticket, "provider_info") in provider
    assert "The MCO — MCO written response" in provider
    mco = summary(mco_staff, presented_ticket)
    assert "Send your written response" in mco and due(presented_ticket, "mco_response") in mco


def test_a_close_deadline_that_closes_the_ticket_is_a_warning(presented_ticket, mco_staff,
                                                              provider_user):
    from tickets.next_steps import for_viewer

    workflow.request_information(presented_ticket.pk, by=mco_staff, request_text="EOB?")
    clock = clocks.running_clock(presented_ticket, "provider_info")
    running = list(clocks.clocks_for(presented_ticket).filter(outcome=""))
    soon = for_viewer(presented_ticket, "provider", running, clock.started_at)
    assert soon.urgent  # the ticket closes when it passes: a warning from the start
    client = Client()
    client.force_login(provider_user)
    page = client.get(reverse("ticket_detail", args=[presented_ticket.pk])).content.decode()
    assert "usa-alert--warning usa-alert--slim" in page


def test_a_distant_response_deadline_is_not_a_warning(presented_ticket, mco_staff):
    from tickets.next_steps import for_viewer

    running = list(clocks.clocks_for(presented_ticket).filter(outcome=""))
    step = for_viewer(presented_ticket, "mco", running, presented_ticket.presented_at)
    assert step.duty.anchor == "response" and not step.urgent
    with time_machine.travel(step.clock.due_at - datetime.timedelta(days=1), tick=False):
        from django.utils import timezone

        assert for_viewer(presented_ticket, "mco", running, timezone.now()).urgent


def test_the_provider_answers_the_response_and_then_asks_for_review(presented_ticket,
                                                                    mco_staff, provider_user):
    workflow.respond(presented_ticket.pk, by=mco_staff, response=RESPONSE)
    text = summary(provider_user, presented_ticket)
    assert "Accept or contest the MCO's response" in text
    assert "the response counts as accepted and the ticket closes" in text
    workflow.contest(presented_ticket.pk, by=provider_user, contact=CONTACT)
    text = summary(provider_user, presented_ticket)
    assert "Ask HFS to review the dispute" in text and due(presented_ticket,
                                                           "review_request") in text


def test_in_review_each_party_until_it_completes_its_submission(presented_ticket, mco_staff,
                                                                provider_user, hfs_staff):
    workflow.respond(presented_ticket.pk, by=mco_staff, response=RESPONSE)
    workflow.contest(presented_ticket.pk, by=provider_user, contact=CONTACT)
    workflow.request_review(presented_ticket.pk, by=provider_user)
    assert "Send HFS your information" in summary(mco_staff, presented_ticket)
    workflow.save_review_submission(presented_ticket.pk, by=mco_staff, party="mco",
                                    statement="Ours.", contacts="Al", complete=True)
    assert "Your next step" not in summary(mco_staff, presented_ticket)
    assert "Send HFS your information" in summary(provider_user, presented_ticket)
    workflow.save_review_submission(presented_ticket.pk, by=provider_user, party="provider",
                                    statement="Ours.", contacts="Jo", complete=True)
    assert "Your next step: Write the decision" in summary(hfs_staff, presented_ticket)


def test_the_hfs_home_counts_what_needs_action(submitted_ticket, hfs_staff):
    triage = clocks.running_clock(submitted_ticket, "triage")
    client = Client()
    with time_machine.travel(triage.due_at + datetime.timedelta(hours=1), tick=False):
        client.force_login(hfs_staff)
        response = client.get(reverse("hfs_home"))
    tiles = {t["label"]: t for t in response.context["tiles"]}
    assert tiles["Triage overdue"]["count"] == 1 and tiles["Waiting for triage"]["count"] == 1
    assert tiles["Assigned to you"]["count"] == 0
    assert tiles["Triage overdue"]["url"].endswith("?overdue=1")
    assert 'portal-kpi portal-kpi--alert' in response.content.decode()


def test_the_hfs_home_has_a_small_chart_with_its_numbers(submitted_ticket, hfs_staff):
    from reports.tasks import refresh_summaries

    refresh_summaries()
    client = Client()
    client.force_login(hfs_staff)
    page = client.get(reverse("hfs_home")).content.decode()
    assert 'role="img"' in page and "Tickets filed, last 6 months" in page
    assert "1 ticket filed in the last 6 months; the most in Nov 2026 (1)." in page
