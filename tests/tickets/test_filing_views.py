"""Filing through the pages: start (window and tracking number first), the draft, filing,
attachments and access (R-REG-1, R-FILE-1..7, R-SEC-1, R-SEC-4)."""

import datetime
import io

import openpyxl
import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from portal.models import MCO, ComplaintType
from tests.tickets.conftest import FILED_ON, make_draft
from tickets import claims_template
from tickets.models import State, Ticket

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def start_payload(provider, **overrides):
    data = {
        "provider": provider.pk,
        "mco": MCO.objects.get(slug="molina").pk,
        "complaint_type": ComplaintType.objects.get(slug="claims-payment").pk,
        "dispute_filed_on": FILED_ON.isoformat(),
        "tracking_number": "MOL-12345",
        "internal_process_exhausted": "on",
    }
    data.update(overrides)
    return data


def details_payload(ticket, **overrides):
    data = {
        "dispute_filed_on": ticket.dispute_filed_on.isoformat(),
        "tracking_number": ticket.tracking_number,
        "internal_process_exhausted": "on",
        "description": "Denied although the PA was approved.",
        "claims_mode": "one",
        "claim_number": "CLM-777",
        "member_rin": "123456789",
        "member_name": "Pat Member",
        "service_from": "2026-08-01",
        "service_to": "2026-08-02",
        "billed": "250.00",
        "paid": "0",
        "disputed": "250.00",
        "denial_reason": "CO-197",
    }
    data.update(overrides)
    return data


def file_it(client, ticket):
    """The last step: "File the ticket" on the check-your-answers page."""
    return client.post(reverse("ticket_check", args=[ticket.pk]))


@pytest.fixture
def provider_client(client, provider_user, provider):
    client.force_login(provider_user)
    return client


def test_start_checks_the_window_first_and_keeps_the_input(provider_client, provider):
    response = provider_client.post(
        reverse("ticket_start"), start_payload(provider, dispute_filed_on="2026-10-20")
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert ("Your dispute was filed with Molina Healthcare of Illinois on Oct 20, 2026. You "
            "can file it here from Nov 19, 2026 through Dec 21, 2026.") in html
    assert 'value="MOL-12345"' in html
    assert not Ticket.objects.exists()


def test_start_refuses_a_tracking_number_with_the_mcos_example(provider_client, provider):
    response = provider_client.post(reverse("ticket_start"), start_payload(
        provider, mco=MCO.objects.get(slug="aetna").pk, tracking_number="AB-1"))
    assert response.status_code == 400
    assert "for example PDXGR1234567" in response.content.decode()


def test_start_requires_the_mco_process_to_be_exhausted(provider_client, provider):
    data = start_payload(provider)
    del data["internal_process_exhausted"]
    response = provider_client.post(reverse("ticket_start"), data)
    assert "internal process was used and exhausted" in response.content.decode()


def test_the_window_partial_says_whether_today_is_inside(provider_client):
    url = reverse("ticket_filing_window")
    molina = MCO.objects.get(slug="molina").pk
    html = provider_client.get(url, {"mco": molina, "dispute_filed_on": "2026-09-25"}).content
    assert b"The window is open today." in html
    html = provider_client.get(url, {"mco": molina, "dispute_filed_on": "2026-01-02"}).content
    assert b"a ticket cannot be filed now" in html
    assert provider_client.get(url, {"mco": "x", "dispute_filed_on": "nope"}).status_code == 200


def test_a_single_complaint_is_filed_with_a_number_page_and_email(
    provider_client, provider, django_capture_on_commit_callbacks
):
    response = provider_client.post(reverse("ticket_start"), start_payload(provider))
    ticket = Ticket.objects.get()
    assert response["Location"] == reverse("ticket_edit", args=[ticket.pk])
    pdf = SimpleUploadedFile("eob.pdf", PDF, content_type="application/pdf")
    response = provider_client.post(
        reverse("ticket_edit", args=[ticket.pk]),
        details_payload(ticket, files=pdf),
    )
    assert response["Location"] == reverse("ticket_check", args=[ticket.pk])
    with django_capture_on_commit_callbacks(execute=True):
        response = file_it(provider_client, ticket)
    assert response.status_code == 302, response.content.decode()[:2000]
    ticket.refresh_from_db()
    assert ticket.state == State.SUBMITTED and ticket.number.startswith("PRP-2026-")
    assert ticket.claims.get().claim_number == "CLM-777"
    assert ticket.attachments.get().kind == "pdf"
    page = provider_client.get(response["Location"]).content.decode()
    assert f"Ticket {ticket.number} is filed" in page
    confirmation = [m for m in mail.outbox if ticket.number in m.subject]
    assert confirmation and "Pat Member" not in confirmation[0].body
    detail = provider_client.get(reverse("ticket_detail", args=[ticket.pk])).content.decode()
    assert "HFS triage" in detail and "business days left" in detail


def test_several_claims_in_the_single_form_are_refused_with_the_reason(provider_client,
                                                                       provider_user, provider):
    ticket = make_draft(provider_user, provider)
    response = provider_client.post(reverse("ticket_edit", args=[ticket.pk]),
                                    details_payload(ticket, claim_number="111222, 333444",
                                                    submit="1"))
    assert response.status_code == 400
    assert "more than one claim. Two or more claims go on the Complaints/Claims-Issue" in (
        response.content.decode()
    )


def fill_claims(rows, mco="Molina Healthcare of Illinois", npi="1234567893"):
    workbook = openpyxl.load_workbook(io.BytesIO(claims_template.build_blank_template(
        list(MCO.objects.values_list("name", flat=True)))))
    sheet = workbook["Claims"] if "Claims" in workbook.sheetnames else workbook.worksheets[1]
    for r, i in enumerate(range(rows), start=2):
        values = [mco, npi, f"CLM-{i}", f"MOL-{i}", "123456789", "Pat Member",
                  datetime.date(2026, 8, 1), datetime.date(2026, 8, 2), 100, 0, 100,
                  "CO-16", ""]
        for c, value in enumerate(values, start=1):
            sheet.cell(row=r, column=c, value=value)
    out = io.BytesIO()
    workbook.save(out)
    return SimpleUploadedFile("claims.xlsx", out.getvalue())


def test_the_claims_template_round_trip(provider_client, provider_user, provider):
    blank = provider_client.get(reverse("ticket_claims_template"))
    assert blank.status_code == 200
    ticket = make_draft(provider_user, provider)
    response = provider_client.post(reverse("ticket_edit", args=[ticket.pk]), {
        **details_payload(ticket, claims_mode="several", submit="1"),
        "claims_file": fill_claims(3),
    })
    assert response.status_code == 302, response.content.decode()[:3000]
    ticket.refresh_from_db()
    assert ticket.uses_claims_template and ticket.claims.count() == 3
    assert ticket.state == State.DRAFT  # filed only from the check page
    assert file_it(provider_client, ticket).status_code == 302
    ticket.refresh_from_db()
    assert ticket.state == State.SUBMITTED


def test_a_claims_template_for_another_mco_is_refused(provider_client, provider_user, provider):
    ticket = make_draft(provider_user, provider)
    response = provider_client.post(reverse("ticket_edit", args=[ticket.pk]), {
        **details_payload(ticket, claims_mode="several", submit="1"),
        "claims_file": fill_claims(2, mco="Aetna Better Health of Illinois"),
    })
    assert response.status_code == 400
    assert "row 2, MCO" in response.content.decode()
    assert Ticket.objects.get(pk=ticket.pk).state == State.DRAFT


def test_an_attachment_is_checked_by_content(provider_client, provider_user, provider):
    ticket = make_draft(provider_user, provider)
    fake = SimpleUploadedFile(
        "scan.pdf", b"MZ\x90\x00 this is a program", content_type="application/pdf"
    )
    response = provider_client.post(reverse("ticket_edit", args=[ticket.pk]),
                                    details_payload(ticket, files=fake))
    assert response.status_code == 400
    assert "scan.pdf" in response.content.decode()
    assert not ticket.attachments.exists()


def test_files_are_served_only_to_people_who_may_see_the_ticket(
    client, provider_client, provider_user, provider, other_provider_user, mco_staff,
    other_mco_staff, hfs_staff
):
    ticket = make_draft(provider_user, provider)
    provider_client.post(reverse("ticket_edit", args=[ticket.pk]), details_payload(
        ticket, files=SimpleUploadedFile("eob.pdf", PDF)))
    file_it(provider_client, ticket)
    ticket.refresh_from_db()
    attachment = ticket.attachments.get()
    url = reverse("ticket_attachment", args=[ticket.pk, attachment.pk])
    response = provider_client.get(url)
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == PDF
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "attachment" in response["Content-Disposition"]
    for stranger in (other_provider_user, mco_staff, other_mco_staff):
        client.force_login(stranger)  # Molina staff: not yet presented to them
        assert client.get(url).status_code == 404
        assert client.get(reverse("ticket_detail", args=[ticket.pk])).status_code == 404
    client.force_login(hfs_staff)
    assert client.get(url).status_code == 200


def test_a_guessed_attachment_id_of_another_ticket_is_not_found(provider_client,
                                                                provider_user, provider,
                                                                other_ticket):
    ticket = make_draft(provider_user, provider)
    response = provider_client.get(reverse("ticket_attachment", args=[other_ticket.pk, 1]))
    assert response.status_code == 404
    response = provider_client.get(reverse("ticket_attachment", args=[ticket.pk, 999]))
    assert response.status_code == 404


def test_drafts_are_private_to_the_provider(client, provider_user, provider, hfs_staff):
    ticket = make_draft(provider_user, provider)
    client.force_login(hfs_staff)
    assert client.get(reverse("ticket_detail", args=[ticket.pk])).status_code == 404


def test_a_closed_ticket_offers_a_new_ticket_from_it(provider_client, submitted_ticket,
                                                     hfs_staff):
    from tickets import workflow

    workflow.close_at_triage(submitted_ticket.pk, by=hfs_staff, reason="incomplete")
    html = provider_client.get(reverse("ticket_detail", args=[submitted_ticket.pk])).content
    assert b"Start a new ticket from this one" in html
    response = provider_client.post(reverse("ticket_copy", args=[submitted_ticket.pk]))
    draft = Ticket.objects.get(copied_from=submitted_ticket)
    # The first step again: the MCO process must be confirmed for the new ticket.
    assert response["Location"] == reverse("ticket_change", args=[draft.pk])


def test_a_draft_with_an_error_keeps_the_chosen_file(provider_client, provider_user, provider):
    """R-SEC-5: the page says nothing is lost; a file input cannot be re-filled, so a file
    that passes its checks is kept with the draft while the other error is fixed."""
    ticket = make_draft(provider_user, provider)
    response = provider_client.post(reverse("ticket_edit", args=[ticket.pk]), details_payload(
        ticket, member_rin="12", files=SimpleUploadedFile("eob.pdf", PDF)))
    assert response.status_code == 400
    page = response.content.decode()
    assert "eob.pdf is saved with the draft" in page
    assert list(ticket.attachments.values_list("name", flat=True)) == ["eob.pdf"]
    assert "Pat Member" in page  # what was typed is kept too
