"""Filing in steps (issue 12): 1 provider and MCO, 2 the complaint, 3 check your answers,
and only then "File the ticket". The tracking-number format shows before the number is
typed; the one provider is chosen already; a draft's provider, MCO and type can be
changed (the tracking number checked again) and a draft discarded, never a filed ticket
(R-FILE-4, R-FLOW-8)."""

import re

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from portal.models import MCO, ComplaintType
from tests.tickets.conftest import FILED_ON, approve, make_draft, make_provider
from tests.tickets.test_filing_views import details_payload, start_payload
from tickets import drafts, workflow
from tickets.models import State, Ticket

pytestmark = pytest.mark.django_db


@pytest.fixture
def provider_client(client, provider_user, provider):
    client.force_login(provider_user)
    return client


def page(response):
    return response.content.decode()


def basics(ticket, **overrides):
    data = {
        "provider": ticket.provider_id, "mco": ticket.mco_id,
        "complaint_type": ticket.complaint_type_id,
        "dispute_filed_on": ticket.dispute_filed_on.isoformat(),
        "tracking_number": ticket.tracking_number, "internal_process_exhausted": "on",
    }
    data.update(overrides)
    return data


# -- step 1 -----------------------------------------------------------------------------


def test_the_tracking_format_of_every_mco_shows_before_an_mco_is_chosen(provider_client):
    html = page(provider_client.get(reverse("ticket_start")))
    hint = re.search(r'<span id="id_tracking_number_format" data-tracking-hint>(.*?)</span>',
                     html).group(1)
    assert "Aetna tracking numbers: PDXGR, then 7 digits; for example PDXGR1234567." in hint
    assert "Blue Cross tracking numbers: 12 digits" in hint
    assert "CountyCare, Meridian, Molina and YouthCare: no set format" in hint
    # The number's field is described by the hint; the MCO select carries each MCO's.
    assert re.search(r'aria-describedby="id_tracking_number_helptext"', html)
    aetna = MCO.objects.get(slug="aetna")
    assert (f'&quot;{aetna.pk}&quot;: &quot;Aetna tracking numbers: PDXGR, then 7 digits; '
            'for example PDXGR1234567.&quot;') in html
    assert 'data-tracking-hint-target="id_tracking_number_format"' in html


def test_once_an_mco_is_chosen_its_format_alone_shows(provider_client, provider):
    aetna = MCO.objects.get(slug="aetna")
    html = page(provider_client.post(reverse("ticket_start"), start_payload(
        provider, mco=aetna.pk, tracking_number="")))
    hint = re.search(r"data-tracking-hint>(.*?)</span>", html).group(1)
    assert hint == "Aetna tracking numbers: PDXGR, then 7 digits; for example PDXGR1234567."


def test_the_only_facility_is_chosen_already(provider_client, provider):
    html = page(provider_client.get(reverse("ticket_start")))
    assert f'<option value="{provider.pk}" selected>' in html


def test_with_two_facilities_none_is_chosen(provider_client, provider_user, provider):
    approve(provider_user, make_provider(5))
    html = page(provider_client.get(reverse("ticket_start")))
    options = html.split('id="id_provider"')[1].split("</select>")[0]
    assert '<option value="" selected>' in options and options.count("selected") == 1


def test_a_failed_start_lists_each_field_and_links_to_it(provider_client):
    response = provider_client.post(reverse("ticket_start"), {})
    assert response.status_code == 400
    html = page(response)
    summary = html.split("data-error-summary", 1)[1].split("</ul>", 1)[0]
    for field in ("provider", "mco", "complaint_type", "dispute_filed_on", "tracking_number",
                  "internal_process_exhausted"):
        assert f'href="#id_{field}"' in summary, field
        assert f'id="id_{field}"' in html
    # A long label gives way to a short name, or to a message that names the field.
    assert 'href="#id_internal_process_exhausted">Confirm that the MCO&#x27;s internal ' \
        "process was used" in summary
    assert 'tabindex="-1"' in html.split("data-error-summary", 1)[0].rsplit("<div", 1)[1]
    assert not Ticket.objects.exists()


def test_the_steps_are_shown_with_the_current_one_marked(provider_client, provider_user,
                                                         provider):
    html = page(provider_client.get(reverse("ticket_start")))
    assert 'class="usa-step-indicator' in html
    current = re.search(r'segment--current" aria-current="step">\s*<span[^>]*>([^<]*)', html)
    assert current.group(1).strip() == "Provider and MCO"
    ticket = make_draft(provider_user, provider)
    html = page(provider_client.get(reverse("ticket_check", args=[ticket.pk])))
    assert re.search(r'segment--current" aria-current="step">\s*<span[^>]*>Check your '
                     "answers", html)


# -- step 2: the same facts are not asked twice -----------------------------------------


def test_the_complaint_step_does_not_ask_the_first_steps_facts_again(provider_client,
                                                                     provider_user, provider):
    ticket = make_draft(provider_user, provider)
    html = page(provider_client.get(reverse("ticket_edit", args=[ticket.pk])))
    for name in ("tracking_number", "dispute_filed_on", "internal_process_exhausted",
                 "provider", "mco"):
        assert f'name="{name}"' not in html, name
    assert "MOL-12345" in html  # shown, with the way to change it
    assert reverse("ticket_change", args=[ticket.pk]) in html


def test_a_failed_complaint_step_links_each_problem(provider_client, provider_user, provider):
    ticket = make_draft(provider_user, provider)
    response = provider_client.post(reverse("ticket_edit", args=[ticket.pk]), details_payload(
        ticket, description="", member_rin="12"))
    assert response.status_code == 400
    summary = page(response).split("data-error-summary", 1)[1].split("</ul>", 1)[0]
    assert 'href="#id_description"' in summary
    assert 'href="#id_member_rin">Member RIN: Enter the member&#x27;s 9-digit RIN.' in summary
    assert summary.count("<li>") == 2


# -- step 3: check your answers, and file ----------------------------------------------


def test_continue_leads_to_the_answers_and_only_the_file_button_files(
    provider_client, provider_user, provider
):
    ticket = make_draft(provider_user, provider)
    response = provider_client.post(reverse("ticket_edit", args=[ticket.pk]),
                                    details_payload(ticket, submit="1", **{"continue": "1"}))
    assert response["Location"] == reverse("ticket_check", args=[ticket.pk])
    assert Ticket.objects.get(pk=ticket.pk).state == State.DRAFT

    html = page(provider_client.get(response["Location"]))
    for shown in ("Lakeside Clinic 0 (Springfield, IL)", "Molina Healthcare of Illinois",
                  "Claims/Payment", "Sep 25, 2026", "MOL-12345",
                  "Denied although the PA was approved.", "CLM-777", "Pat Member",
                  "RIN 123456789", "$250.00 billed, $0.00 paid, $250.00 disputed", "CO-197"):
        assert shown in html, shown
    change = reverse("ticket_change", args=[ticket.pk])
    edit = reverse("ticket_edit", args=[ticket.pk])
    assert f'href="{change}?next=check#id_mco"' in html
    assert f'href="{change}?next=check#id_tracking_number"' in html
    assert f'href="{edit}#id_description"' in html
    assert Ticket.objects.get(pk=ticket.pk).state == State.DRAFT

    response = provider_client.post(reverse("ticket_check", args=[ticket.pk]))
    assert response["Location"] == reverse("ticket_submitted", args=[ticket.pk])
    assert Ticket.objects.get(pk=ticket.pk).state == State.SUBMITTED


def test_save_draft_stays_on_the_complaint(provider_client, provider_user, provider):
    ticket = make_draft(provider_user, provider)
    response = provider_client.post(reverse("ticket_edit", args=[ticket.pk]),
                                    details_payload(ticket, save="1"))
    assert response["Location"] == reverse("ticket_edit", args=[ticket.pk])


def test_a_refused_filing_comes_back_to_the_answers_with_the_reasons(
    provider_client, provider_user, provider
):
    ticket = make_draft(provider_user, provider)
    Ticket.objects.filter(pk=ticket.pk).update(internal_process_exhausted=False)
    response = provider_client.post(reverse("ticket_check", args=[ticket.pk]))
    assert response.status_code == 400
    html = page(response)
    summary = html.split("data-error-summary", 1)[1].split("</ul>", 1)[0]
    assert "Confirm that the MCO&#x27;s internal dispute process" in summary
    assert "Not confirmed yet" in html
    assert Ticket.objects.get(pk=ticket.pk).state == State.DRAFT


# -- changing the first step of a draft -------------------------------------------------


def test_changing_the_mco_checks_the_tracking_number_against_the_new_mco(
    provider_client, provider_user, provider
):
    ticket = make_draft(provider_user, provider)
    aetna = MCO.objects.get(slug="aetna")
    url = reverse("ticket_change", args=[ticket.pk])
    html = page(provider_client.get(url))
    assert 'value="MOL-12345"' in html and f'<option value="{provider.pk}" selected>' in html

    response = provider_client.post(url, basics(ticket, mco=aetna.pk))
    assert response.status_code == 400
    html = page(response)
    assert 'href="#id_tracking_number"' in html
    assert "MOL-12345 is not a Aetna tracking number" in html
    assert "for example PDXGR1234567" in html
    assert Ticket.objects.get(pk=ticket.pk).mco.slug == "molina"

    response = provider_client.post(url + "?next=check", basics(
        ticket, mco=aetna.pk, tracking_number=" PDXGR1234567 ",
        complaint_type=ComplaintType.objects.get(slug="contracting").pk))
    assert response["Location"] == reverse("ticket_check", args=[ticket.pk])
    ticket.refresh_from_db()
    assert (ticket.mco, ticket.tracking_number, ticket.complaint_type.slug) == (
        aetna, "PDXGR1234567", "contracting")
    assert ticket.claims.get().tracking_number == "PDXGR1234567"


def test_the_drafts_function_itself_refuses_a_number_the_new_mco_does_not_use(
    provider_user, provider
):
    ticket = make_draft(provider_user, provider)
    aetna = MCO.objects.get(slug="aetna")
    with pytest.raises(ValidationError) as refused:
        drafts.change_basics(
            ticket, by=provider_user, provider=provider, mco=aetna,
            complaint_type=ticket.complaint_type, dispute_filed_on=FILED_ON,
            tracking_number="MOL-12345", internal_process_exhausted=True)
    assert "not a Aetna tracking number" in refused.value.message_dict["tracking_number"][0]
    assert Ticket.objects.get(pk=ticket.pk).mco.slug == "molina"


def test_a_draft_cannot_move_to_a_provider_the_person_does_not_act_for(
    provider_user, provider, other_provider
):
    ticket = make_draft(provider_user, provider)
    with pytest.raises(ValidationError, match="not approved to file for this provider"):
        drafts.change_basics(
            ticket, by=provider_user, provider=other_provider, mco=ticket.mco,
            complaint_type=ticket.complaint_type, dispute_filed_on=FILED_ON,
            tracking_number="MOL-12345", internal_process_exhausted=True)


def test_a_new_mco_removes_the_claims_template_which_names_the_old_one(
    provider_client, provider_user, provider
):
    ticket = make_draft(provider_user, provider, claims=2)
    response = provider_client.post(reverse("ticket_change", args=[ticket.pk]), basics(
        ticket, mco=MCO.objects.get(slug="countycare").pk), follow=True)
    assert "Upload the template again" in page(response)
    ticket.refresh_from_db()
    assert not ticket.uses_claims_template and not ticket.claims.exists()


def test_a_ticket_started_from_a_closed_one_confirms_the_mco_process_again(
    provider_client, submitted_ticket, hfs_staff
):
    workflow.close_at_triage(submitted_ticket.pk, by=hfs_staff, reason="incomplete")
    response = provider_client.post(reverse("ticket_copy", args=[submitted_ticket.pk]),
                                    follow=True)
    html = page(response)
    assert "A new draft is started from" in html
    assert 'name="internal_process_exhausted"' in html
    assert re.search(r'name="internal_process_exhausted"[^>]*checked', html) is None


# -- discarding a draft -----------------------------------------------------------------


def test_a_draft_is_discarded_after_a_confirmation(provider_client, provider_user, provider):
    ticket = make_draft(provider_user, provider)
    url = reverse("ticket_discard", args=[ticket.pk])
    html = page(provider_client.get(url))
    assert "This cannot be undone" in html and "with its 1 claim" in html
    assert Ticket.objects.filter(pk=ticket.pk).exists()
    response = provider_client.post(url)
    assert response["Location"] == reverse("provider_home")
    assert not Ticket.objects.filter(pk=ticket.pk).exists()


def test_only_the_drafts_provider_people_may_discard_it(client, provider_user, provider,
                                                         other_provider_user, other_provider):
    ticket = make_draft(provider_user, provider)
    client.force_login(other_provider_user)
    assert client.post(reverse("ticket_discard", args=[ticket.pk])).status_code == 404
    with pytest.raises(PermissionDenied):
        drafts.discard_draft(ticket, by=other_provider_user)
    assert Ticket.objects.filter(pk=ticket.pk).exists()


def test_a_submitted_ticket_is_never_discarded(provider_client, provider_user,
                                               submitted_ticket):
    with pytest.raises(ValidationError, match="a filed ticket is never deleted"):
        drafts.discard_draft(submitted_ticket, by=provider_user)
    response = provider_client.post(reverse("ticket_discard", args=[submitted_ticket.pk]))
    assert response.status_code == 404
    assert Ticket.objects.get(pk=submitted_ticket.pk).state == State.SUBMITTED
