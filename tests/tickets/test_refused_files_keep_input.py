"""A refused file never loses what the person typed (issue 15): in every form that takes
files on a filed ticket — the information answer, the MCO's response, the review
submission — the page comes back with the text fields as they were, and the refusal names
the file."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from tests.tickets.conftest import CONTACT, RESPONSE
from tickets import workflow

pytestmark = pytest.mark.django_db

TYPED = "Typed with care: the remittance advice of 12 August, line 4."


def _bad_files():
    return {
        "empty": SimpleUploadedFile("eob.pdf", b"", "application/pdf"),
        "a program": SimpleUploadedFile("eob.pdf", b"MZ\x90\x00" + bytes(200),
                                        "application/pdf"),
    }


@pytest.mark.parametrize("bad", ["empty", "a program"])
def test_the_mcos_response_keeps_its_text_when_a_file_is_refused(client, mco_staff,
                                                                 presented_ticket, bad):
    client.force_login(mco_staff)
    data = {**RESPONSE, "response_text": TYPED, "files": _bad_files()[bad]}
    page = client.post(reverse("ticket_respond", args=[presented_ticket.pk]), data)
    assert page.status_code == 400
    text = page.content.decode()
    assert TYPED in text and RESPONSE["representative_name"] in text
    assert "eob.pdf" in text
    assert not presented_ticket.attachments.exists()


@pytest.mark.parametrize("bad", ["empty", "a program"])
def test_the_information_answer_keeps_its_text_when_a_file_is_refused(
        client, provider_user, mco_staff, presented_ticket, bad):
    workflow.request_information(presented_ticket.pk, by=mco_staff, request_text="The EOB.")
    client.force_login(provider_user)
    page = client.post(reverse("ticket_answer_information", args=[presented_ticket.pk]),
                       {"answer_text": TYPED, "files": _bad_files()[bad]})
    assert page.status_code == 400
    text = page.content.decode()
    assert TYPED in text and "eob.pdf" in text


@pytest.mark.parametrize("bad", ["empty", "a program"])
def test_the_review_submission_keeps_its_text_when_a_file_is_refused(
        client, provider_user, mco_staff, presented_ticket, bad):
    workflow.respond(presented_ticket.pk, by=mco_staff, response=RESPONSE)
    workflow.contest(presented_ticket.pk, by=provider_user, contact=CONTACT)
    workflow.request_review(presented_ticket.pk, by=provider_user)
    client.force_login(provider_user)
    page = client.post(reverse("ticket_review_submission", args=[presented_ticket.pk]),
                       {"statement": TYPED, "contacts": "Pat, 312-555-0100",
                        "files": _bad_files()[bad]})
    assert page.status_code == 400
    text = page.content.decode()
    assert TYPED in text and "Pat, 312-555-0100" in text and "eob.pdf" in text


def test_an_empty_claims_template_names_the_file():
    from tickets.forms import ClaimsTemplateForm

    form = ClaimsTemplateForm(files={"claims_file": SimpleUploadedFile("claims.xlsx", b"")})
    assert not form.is_valid()
    assert "claims.xlsx is empty (0 bytes)" in form.errors["claims_file"][0]


def test_a_template_with_thousands_of_problems_lists_the_first_50_and_counts_them():
    from portal.spreadsheets import LISTED_PROBLEMS, listed_problems

    shown, summary = listed_problems([f"Row {n}, Column X: wrong." for n in range(4000)])
    assert len(shown) == LISTED_PROBLEMS == 50
    assert "4,000 problems; the first 50 are listed" in summary
    assert listed_problems(["One."])[1].startswith("Your template has 1 problem, listed")


def test_a_date_of_service_too_long_ago_is_refused_in_the_form_and_the_template():
    import datetime

    from django.core.exceptions import ValidationError
    from django.utils import timezone

    from tests.tickets.conftest import CLAIM
    from tickets.claims_validators import clean_date, earliest_service_date
    from tickets.forms import ClaimForm

    today = timezone.localdate()
    earliest = earliest_service_date(today)
    excel_serial_60 = datetime.date(1900, 2, 28)
    with pytest.raises(ValidationError, match="too long ago"):
        clean_date(excel_serial_60, today=today, label="date of service")
    with pytest.raises(ValidationError, match="too long ago"):
        clean_date(earliest - datetime.timedelta(days=1), today=today, label="date of service")
    assert clean_date(earliest, today=today, label="date of service") == earliest
    form = ClaimForm({**CLAIM, "service_from": excel_serial_60.isoformat(),
                      "service_to": CLAIM["service_to"].isoformat()})
    assert not form.is_valid()
    assert "too long ago" in form.errors["service_from"][0]
