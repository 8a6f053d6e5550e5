"""A provider's (or billing agent's) system files tickets through the API, with the filing
pages' rules and messages (issue 13, R-REG-1, R-FILE-1..7): a draft, its claim or its
claims template (the .xlsx or its rows as JSON), its files, filing it; then, after HFS
presents it and the MCO responds, accepting or contesting and asking for review."""

import datetime
import io

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl.packaging.custom import StringProperty

from portal import spreadsheets
from portal.models import MCO, ComplaintType
from tests.api.conftest import CONTACT, FILED_ON, NOW, RESPONSE, api_for, body, make_draft
from tickets import claims_template, rules, workflow
from tickets.models import State, Ticket

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
MOLINA = "Molina Healthcare of Illinois"
TODAY = NOW.date()


def serialised(data):
    return {k: (v.isoformat() if hasattr(v, "isoformat") else v) for k, v in data.items()}


def draft_body(provider, **changes):
    data = {
        "provider": provider.pk,
        "mco": MCO.objects.get(slug="molina").pk,
        "complaint_type": ComplaintType.objects.get(slug="claims-payment").pk,
        "dispute_filed_on": FILED_ON.isoformat(),
        "tracking_number": "MOL-12345",
        "internal_process_exhausted": True,
        "description": "The MCO denied the claim although prior authorization was on file.",
    }
    data.update(changes)
    return data


CLAIM = {
    "claim_number": "CLM-777", "member_rin": "123456789", "member_name": "Pat Member",
    "service_from": (TODAY - datetime.timedelta(days=95)).isoformat(),
    "service_to": (TODAY - datetime.timedelta(days=94)).isoformat(),
    "billed": "250.00", "paid": "0", "disputed": "250.00", "denial_reason": "CO-197",
}


def json_row(i, provider, **changes):
    row = {
        "mco": MOLINA, "provider_npi": provider.npi, "claim_number": f"CLM-{i}",
        "tracking_number": f"MOL-{i}", "member_rin": f"{i:09d}", "member_name": "Pat Member",
        "service_from": (TODAY - datetime.timedelta(days=95)).isoformat(),
        "service_to": (TODAY - datetime.timedelta(days=94)).isoformat(),
        "billed": 100, "paid": 0, "disputed": "100.00", "denial_reason": "CO-16",
        "comments": "",
    }
    row.update(changes)
    return row


def sheet_row(i, provider):
    served = TODAY - datetime.timedelta(days=95)
    return [MOLINA, provider.npi, f"CLM-{i}", f"MOL-{i}", f"{i:09d}", "Pat Member",
            served, served + datetime.timedelta(days=1), 100, 0, 100, "CO-16", None]


def filled_template(provider, rows, name="claims.xlsx"):
    """The portal's blank template, downloaded and filled in with openpyxl."""
    workbook = openpyxl.load_workbook(io.BytesIO(claims_template.build_blank_template(
        list(MCO.objects.values_list("name", flat=True)))))
    sheet = workbook[claims_template.CLAIMS_SHEET]
    for row_number, i in enumerate(range(1, rows + 1), start=2):
        for column, value in enumerate(sheet_row(i, provider), start=1):
            sheet.cell(row=row_number, column=column, value=value)
    out = io.BytesIO()
    workbook.save(out)
    return SimpleUploadedFile(name, out.getvalue())


def quick_template(provider, rows):
    """A write-only workbook with the Claims sheet and the version marker (fast for many
    rows), as tests/tickets/test_claims_template.py builds them."""
    workbook = openpyxl.Workbook(write_only=True)
    sheet = workbook.create_sheet(claims_template.CLAIMS_SHEET)
    sheet.append(claims_template.HEADERS)
    for i in range(1, rows + 1):
        sheet.append(sheet_row(i, provider))
    workbook.custom_doc_props.append(StringProperty(
        name="TemplateVersion", value=claims_template.TEMPLATE_VERSION))
    out = io.BytesIO()
    workbook.save(out)
    return SimpleUploadedFile("claims.xlsx", out.getvalue())


def fields(response):
    return [e["field"] for e in body(response)["errors"]]


def start(api, provider, **changes):
    started = api.post("/api/v1/tickets", draft_body(provider, **changes))
    assert started.status_code == 201, started.content
    return body(started)["id"]


def file_one_claim(api, provider):
    pk = start(api, provider)
    assert api.post(f"/api/v1/tickets/{pk}/claims", CLAIM).status_code == 200
    filed = api.post(f"/api/v1/tickets/{pk}/submit")
    assert filed.status_code == 200, filed.content
    return pk


# -- From draft to filed, and on to the end -------------------------------------------------


def test_a_billing_system_files_a_ticket_then_accepts_the_mcos_response(
        billing_api, molina_api, provider, hfs_staff, django_capture_on_commit_callbacks):
    started = billing_api.post("/api/v1/tickets", draft_body(provider))
    assert started.status_code == 201, started.content
    draft = body(started)
    assert started["Location"] == f"/api/v1/tickets/{draft['id']}"
    assert (draft["state"], draft["number"]) == (State.DRAFT, None)
    assert draft["provider"]["id"] == provider.pk and draft["tracking_number"] == "MOL-12345"
    assert draft["description"].startswith("The MCO denied") and draft["claims"] == []
    pk = draft["id"]
    assert body(billing_api.get(started["Location"]))["id"] == pk

    claim = billing_api.post(f"/api/v1/tickets/{pk}/claims", CLAIM)
    assert claim.status_code == 200, claim.content
    [saved] = body(claim)["claims"]
    assert (saved["claim_number"], saved["tracking_number"]) == ("CLM-777", "MOL-12345")
    assert saved["billed"] == "250.00"

    attached = billing_api.post(
        f"/api/v1/tickets/{pk}/attachments",
        {"files": [SimpleUploadedFile("eob.pdf", PDF, content_type="application/pdf")]},
        format="multipart")
    assert attached.status_code == 201, attached.content
    assert [(a["name"], a["kind"]) for a in body(attached)["attachments"]] == [("eob.pdf",
                                                                                  "pdf")]
    assert body(attached)["message"] == "eob.pdf is saved with the draft."

    with django_capture_on_commit_callbacks(execute=True):
        filed = billing_api.post(f"/api/v1/tickets/{pk}/submit")
    assert filed.status_code == 200, filed.content
    ticket = Ticket.objects.get(pk=pk)
    assert ticket.state == State.SUBMITTED and ticket.number.startswith("PRP-2026-")
    assert body(filed)["ticket"]["number"] == ticket.number
    assert body(filed)["message"] == (
        f"Ticket {ticket.number} is filed. HFS portal staff will check it and, if it is "
        f"complete, present it to {MOLINA} within 10 business days.")
    assert ticket.created_by == ticket.events.get(action="submitted").actor

    workflow.present(pk, by=hfs_staff)
    responded = molina_api.post(f"/api/v1/tickets/{pk}/response", serialised(RESPONSE))
    assert responded.status_code == 201, responded.content
    accepted = billing_api.post(f"/api/v1/tickets/{pk}/accept", {"confirm": True})
    assert accepted.status_code == 200, accepted.content
    assert Ticket.objects.get(pk=pk).state == State.CLOSED


def test_a_billing_system_files_a_template_then_contests_and_asks_for_review(
        billing_api, provider, hfs_staff, mco_staff):
    pk = start(billing_api, provider)
    rows = billing_api.post(f"/api/v1/tickets/{pk}/claims-template",
                            {"rows": [json_row(1, provider), json_row(2, provider)]})
    assert rows.status_code == 200, rows.content
    assert body(rows)["message"] == "2 claims from the template are saved with the draft."
    assert [(c["row_number"], c["tracking_number"]) for c in body(rows)["claims"]] == [
        (1, "MOL-1"), (2, "MOL-2")]
    ticket = Ticket.objects.get(pk=pk)
    assert ticket.uses_claims_template and ticket.claims_template_name == "api.json"
    assert billing_api.post(f"/api/v1/tickets/{pk}/submit").status_code == 200

    workflow.present(pk, by=hfs_staff)
    workflow.respond(pk, by=mco_staff, response=RESPONSE)
    contested = billing_api.post(f"/api/v1/tickets/{pk}/contest", serialised(CONTACT))
    assert contested.status_code == 200, contested.content
    review = billing_api.post(f"/api/v1/tickets/{pk}/review-request")
    assert review.status_code == 200, review.content
    sent = billing_api.post(f"/api/v1/tickets/{pk}/review-submission", {
        "statement": "The claims were authorised.", "contacts": "Pat, 312-555-0100",
        "complete": True})
    assert sent.status_code == 200, sent.content
    assert Ticket.objects.get(pk=pk).state == State.HFS_REVIEW


def test_a_submit_retried_with_its_key_files_once(billing_api, provider):
    pk = start(billing_api, provider)
    billing_api.post(f"/api/v1/tickets/{pk}/claims", CLAIM)
    first = billing_api.post(f"/api/v1/tickets/{pk}/submit", key="file-1")
    again = billing_api.post(f"/api/v1/tickets/{pk}/submit", key="file-1")
    assert first.status_code == again.status_code == 200, first.content
    assert again["Idempotent-Replayed"] == "true" and body(again) == body(first)
    ticket = Ticket.objects.get(pk=pk)
    assert ticket.events.filter(action="submitted").count() == 1
    assert Ticket.objects.exclude(number=None).count() == 1
    # Without the key, a second filing is refused by the workflow, as a double click is.
    late = billing_api.post(f"/api/v1/tickets/{pk}/submit")
    assert late.status_code == 409 and body(late)["type"].endswith("problem-refused")


def test_a_draft_retried_with_its_key_is_made_once(billing_api, provider):
    first = billing_api.post("/api/v1/tickets", draft_body(provider), key="draft-1")
    again = billing_api.post("/api/v1/tickets", draft_body(provider), key="draft-1")
    assert first.status_code == again.status_code == 201
    assert again["Location"] == first["Location"]
    assert Ticket.objects.count() == 1


def test_filing_an_incomplete_draft_names_each_problem(billing_api, provider):
    pk = start(billing_api, provider, description="")
    refused = billing_api.post(f"/api/v1/tickets/{pk}/submit")
    assert refused.status_code == 409
    detail = body(refused)["detail"]
    assert "Describe the complaint." in detail
    assert "Enter the claim details for this complaint type." in detail
    assert Ticket.objects.get(pk=pk).state == State.DRAFT


# -- The first step's rules, as field errors ------------------------------------------------


def test_a_closed_filing_window_names_dispute_filed_on(billing_api, provider):
    filed_on = TODAY - datetime.timedelta(days=90)
    refused = billing_api.post("/api/v1/tickets", draft_body(
        provider, dispute_filed_on=filed_on.isoformat()))
    assert refused.status_code == 400
    assert refused["Content-Type"] == "application/problem+json"
    [error] = body(refused)["errors"]
    assert error == {"field": "dispute_filed_on",
                     "message": rules.filing_window(filed_on).refusal(MOLINA, TODAY)}
    assert "can no longer be filed here" in error["message"]
    assert not Ticket.objects.exists()


def test_a_tracking_number_in_the_wrong_format_names_tracking_number(billing_api, provider):
    aetna = MCO.objects.get(slug="aetna")
    refused = billing_api.post("/api/v1/tickets", draft_body(
        provider, mco=aetna.pk, tracking_number="AB-1"))
    assert refused.status_code == 400
    [error] = body(refused)["errors"]
    assert error["field"] == "tracking_number"
    assert error["message"] == rules.tracking_number_refusal(aetna, "AB-1")
    assert "for example PDXGR1234567" in error["message"]


def test_a_provider_the_client_does_not_file_for_names_provider(billing_api, other_provider):
    refused = billing_api.post("/api/v1/tickets", draft_body(other_provider))
    assert refused.status_code == 400
    assert fields(refused) == ["provider"]
    assert not Ticket.objects.exists()


def test_a_client_that_files_for_no_provider_is_told_why(billing_api, billing_client,
                                                         provider):
    from registration.models import ProviderMembership

    ProviderMembership.objects.filter(user=billing_client.user).update(ended_at=NOW)
    refused = billing_api.post("/api/v1/tickets", draft_body(provider))
    assert refused.status_code == 403
    assert "not approved to file for any provider" in body(refused)["detail"]


def test_an_overlong_description_is_refused_by_the_complaint_forms_rule(billing_api, provider):
    refused = billing_api.post("/api/v1/tickets", draft_body(provider,
                                                             description="x" * 10001))
    assert refused.status_code == 400 and fields(refused) == ["description"]


# -- Who may -------------------------------------------------------------------------------


def test_an_mco_client_may_list_but_not_start_a_draft(molina_api, provider):
    refused = molina_api.post("/api/v1/tickets", draft_body(provider))
    assert refused.status_code == 403
    assert "for provider clients" in body(refused)["detail"]
    assert molina_api.get("/api/v1/tickets").status_code == 200
    assert not Ticket.objects.exists()


def test_a_read_token_cannot_start_a_draft(billing_client, provider):
    reader = api_for(billing_client, scope="read", name="reader")
    refused = reader.post("/api/v1/tickets", draft_body(provider))
    assert refused.status_code == 403
    assert "may only read" in body(refused)["detail"]
    assert reader.get("/api/v1/tickets").status_code == 200
    assert not Ticket.objects.exists()


def test_another_providers_draft_is_not_found(other_billing_api, provider_user, provider):
    draft = make_draft(provider_user, provider)
    assert other_billing_api.get(f"/api/v1/tickets/{draft.pk}").status_code == 404
    for path, data, format in (
        ("claims", CLAIM, "json"),
        ("claims-template", {"rows": [json_row(1, provider)]}, "json"),
        ("attachments", {"files": [SimpleUploadedFile("eob.pdf", PDF)]}, "multipart"),
        ("submit", {}, "json"),
    ):
        answer = other_billing_api.post(f"/api/v1/tickets/{draft.pk}/{path}", data,
                                        format=format)
        assert answer.status_code == 404, (path, answer.content)
    draft.refresh_from_db()
    assert draft.state == State.DRAFT and draft.claims.get().claim_number == "CLM-0"
    assert not draft.attachments.exists()


def test_a_filed_ticket_is_no_longer_a_draft(billing_api, provider):
    pk = file_one_claim(billing_api, provider)
    number = Ticket.objects.get(pk=pk).number
    for path, data, format in (
        ("claims", CLAIM, "json"),
        ("claims-template", {"rows": [json_row(1, provider)]}, "json"),
        ("attachments", {"files": [SimpleUploadedFile("eob.pdf", PDF)]}, "multipart"),
    ):
        refused = billing_api.post(f"/api/v1/tickets/{pk}/{path}", data, format=format)
        assert refused.status_code == 409, (path, refused.content)
        assert body(refused)["detail"] == (f"Ticket {number} is already submitted; its "
                                           "filing cannot change.")


# -- One claim -----------------------------------------------------------------------------


def test_one_claim_uses_the_claim_forms_rules(billing_api, provider):
    pk = start(billing_api, provider)
    refused = billing_api.post(f"/api/v1/tickets/{pk}/claims", {
        **CLAIM, "claim_number": "111222, 333444", "member_rin": "12345",
        "disputed": "900.00"})
    assert refused.status_code == 400
    errors = {e["field"]: e["message"] for e in body(refused)["errors"]}
    assert errors["claim_number"].startswith("This lists more than one claim.")
    assert errors["member_rin"] == "Enter the member's 9-digit RIN."
    assert errors["disputed"] == "The disputed amount is more than the billed amount."
    assert not Ticket.objects.get(pk=pk).claims.exists()


def test_one_claim_replaces_the_templates_rows(billing_api, provider):
    pk = start(billing_api, provider)
    billing_api.post(f"/api/v1/tickets/{pk}/claims-template",
                     {"rows": [json_row(1, provider), json_row(2, provider)]})
    saved = billing_api.post(f"/api/v1/tickets/{pk}/claims", CLAIM)
    assert saved.status_code == 200
    ticket = Ticket.objects.get(pk=pk)
    assert not ticket.uses_claims_template and ticket.claims_template_name == ""
    assert list(ticket.claims.values_list("claim_number", flat=True)) == ["CLM-777"]


# -- The claims template: the .xlsx --------------------------------------------------------


def test_a_filled_in_xlsx_template_is_taken(billing_api, provider):
    pk = start(billing_api, provider)
    sent = billing_api.post(f"/api/v1/tickets/{pk}/claims-template",
                            {"claims_file": filled_template(provider, 3, "march.xlsx")},
                            format="multipart")
    assert sent.status_code == 200, sent.content
    assert [c["row_number"] for c in body(sent)["claims"]] == [2, 3, 4]
    ticket = Ticket.objects.get(pk=pk)
    assert ticket.uses_claims_template and ticket.claims_template_name == "march.xlsx"
    assert billing_api.post(f"/api/v1/tickets/{pk}/submit").status_code == 200


@pytest.mark.parametrize("source", ["xlsx", "json"])
def test_a_template_of_101_claims_is_refused_with_the_cap(billing_api, provider, source):
    pk = start(billing_api, provider)
    path = f"/api/v1/tickets/{pk}/claims-template"
    if source == "xlsx":
        refused = billing_api.post(path, {"claims_file": quick_template(provider, 101)},
                                   format="multipart")
        field = "claims_file"
    else:
        refused = billing_api.post(path, {"rows": [json_row(i, provider)
                                                   for i in range(1, 102)]})
        field = "rows"
    assert refused.status_code == 400, refused.content
    cap = ("The template has 101 claims; at most 100 fit in one ticket. Split them into "
           "several tickets.")
    assert body(refused)["errors"] == [{"field": field, "message": cap}]
    assert body(refused)["detail"] == cap
    assert not Ticket.objects.get(pk=pk).claims.exists()


def test_a_hundred_json_rows_are_the_limit(billing_api, provider):
    pk = start(billing_api, provider)
    sent = billing_api.post(f"/api/v1/tickets/{pk}/claims-template",
                            {"rows": [json_row(i, provider) for i in range(1, 101)]})
    assert sent.status_code == 200, sent.content
    assert Ticket.objects.get(pk=pk).claims.count() == claims_template.MAX_ROWS


@pytest.mark.parametrize(("name", "content", "message"), [
    ("claims.xlsx", b"", "claims.xlsx is empty (0 bytes)"),
    ("claims.xlsx", b"MCO,Provider NPI,Claim number\nMolina,1234567893,CLM-1\n",
     spreadsheets.NOT_XLSX),
    ("claims.xlsx", PDF, spreadsheets.NOT_XLSX),
])
def test_a_file_that_is_not_an_xlsx_is_refused_by_its_content(billing_api, provider, name,
                                                              content, message):
    pk = start(billing_api, provider)
    refused = billing_api.post(f"/api/v1/tickets/{pk}/claims-template",
                               {"claims_file": SimpleUploadedFile(name, content)},
                               format="multipart")
    assert refused.status_code == 400, refused.content
    [error] = body(refused)["errors"]
    assert error["field"] == "claims_file" and error["message"].startswith(message)
    assert not Ticket.objects.get(pk=pk).claims.exists()


def test_a_template_rows_problems_name_their_row_and_column(billing_api, provider):
    pk = start(billing_api, provider)
    upload = filled_template(provider, 2)
    workbook = openpyxl.load_workbook(io.BytesIO(upload.read()))
    workbook[claims_template.CLAIMS_SHEET]["E3"] = "12345"  # row 3's member RIN
    out = io.BytesIO()
    workbook.save(out)
    refused = billing_api.post(f"/api/v1/tickets/{pk}/claims-template",
                               {"claims_file": SimpleUploadedFile("claims.xlsx",
                                                                  out.getvalue())},
                               format="multipart")
    assert refused.status_code == 400
    [error] = body(refused)["errors"]
    assert error["field"] == "claims_file"
    assert error["message"].startswith("Row 3, Member RIN: 12345 must be 9 digits")
    assert body(refused)["detail"].startswith("Your template has 1 problem: ")


def test_a_template_needs_its_file_or_its_rows(billing_api, provider):
    pk = start(billing_api, provider)
    path = f"/api/v1/tickets/{pk}/claims-template"
    no_file = billing_api.post(path, {"note": "x"}, format="multipart")
    assert no_file.status_code == 400 and fields(no_file) == ["note"]
    no_rows = billing_api.post(path, {})
    assert no_rows.status_code == 400 and fields(no_rows) == ["rows"]
    empty = billing_api.post(path, {"rows": []})
    assert body(empty)["errors"] == [{"field": "rows",
                                      "message": claims_template.SPEC.no_rows}]


# -- The claims template: JSON rows --------------------------------------------------------


def test_json_rows_are_checked_as_the_templates_rows(billing_api, provider):
    pk = start(billing_api, provider)
    future = (TODAY + datetime.timedelta(days=3)).isoformat()
    refused = billing_api.post(f"/api/v1/tickets/{pk}/claims-template", {"rows": [
        json_row(1, provider),
        json_row(2, provider, member_rin="12345", service_to=future),
        json_row(3, provider, mco="Aetna Better Health of Illinois", claim_number="clm-1"),
        json_row(4, provider, paid=-25, notes="x"),
        "CLM-5",
    ]})
    assert refused.status_code == 400, refused.content
    errors = [(e["field"], e["message"]) for e in body(refused)["errors"]]
    assert [field for field, _m in errors] == [
        "rows[1].member_rin", "rows[1].service_to", "rows[2].mco", "rows[2].claim_number",
        "rows[3]", "rows[3].paid", "rows[4]"]
    messages = dict(errors)
    assert messages["rows[1].member_rin"].startswith("Row 2, Member RIN: 12345 must be 9 "
                                                     "digits")
    assert messages["rows[1].service_to"].startswith("Row 2, Date of service to: ")
    assert "is in the future" in messages["rows[1].service_to"]
    assert messages["rows[2].mco"].startswith(
        f"Row 3, MCO: Aetna Better Health of Illinois — every row must be for {MOLINA}")
    assert messages["rows[2].claim_number"] == (
        "Row 3, Claim number: clm-1 is also on row 1; list each claim once.")
    assert messages["rows[3]"].startswith("Row 4: notes is not a column of the template")
    assert messages["rows[3].paid"].startswith("Row 4, Paid amount: -25 is negative")
    assert messages["rows[4]"].startswith("Row 5: Send the claim as an object")
    assert body(refused)["detail"] == ("Your rows have 7 problems: each is listed in errors. "
                                       "Fix them and send the rows again.")
    assert not Ticket.objects.get(pk=pk).claims.exists()


def test_json_rows_of_another_provider_or_an_mcos_wrong_format_are_refused(
        billing_api, provider):
    aetna = MCO.objects.get(slug="aetna")
    pk = start(billing_api, provider, mco=aetna.pk, tracking_number="PDXGR1234567")
    refused = billing_api.post(f"/api/v1/tickets/{pk}/claims-template", {"rows": [
        json_row(1, provider, mco=aetna.name, tracking_number="PDXGR0000001"),
        json_row(2, provider, mco=aetna.name, provider_npi="9876543213"),
    ]})
    assert refused.status_code == 400
    messages = {e["field"]: e["message"] for e in body(refused)["errors"]}
    assert set(messages) == {"rows[1].provider_npi", "rows[1].tracking_number"}
    assert f"every row must be for NPI {provider.npi}" in messages["rows[1].provider_npi"]
    assert "MOL-2 does not match Aetna's format, e.g. PDXGR1234567" in messages[
        "rows[1].tracking_number"]


def test_at_most_50_problems_are_listed_and_the_rest_counted(billing_api, provider):
    pk = start(billing_api, provider)
    rows = [json_row(i, provider, member_rin="1", paid="x") for i in range(1, 31)]
    refused = billing_api.post(f"/api/v1/tickets/{pk}/claims-template", {"rows": rows})
    problem = body(refused)
    assert len(problem["errors"]) == 50
    assert problem["errors"][-1]["field"] == "rows[24].paid"
    assert problem["detail"] == ("Your rows have 60 problems: the first 50 are listed in "
                                 "errors, and 10 more are not. Fix them and send the rows "
                                 "again.")


def test_json_rows_that_are_not_a_list_or_carry_other_fields_are_refused(billing_api,
                                                                         provider):
    pk = start(billing_api, provider)
    path = f"/api/v1/tickets/{pk}/claims-template"
    not_a_list = billing_api.post(path, {"rows": {"mco": MOLINA}})
    assert not_a_list.status_code == 400 and fields(not_a_list) == ["rows"]
    other = billing_api.post(path, {"rows": [json_row(1, provider)], "claims": []})
    assert other.status_code == 400 and fields(other) == ["claims"]
    listed = billing_api.post(path, {"rows": [json_row(1, provider, member_name=["a"])]})
    assert body(listed)["errors"] == [{"field": "rows[0].member_name", "message": (
        "Row 1, Member name: Send text or a number, not a list or an object.")}]


# -- Attachments ---------------------------------------------------------------------------


def test_attachments_are_checked_by_content(billing_api, provider):
    pk = start(billing_api, provider)
    fake = SimpleUploadedFile("scan.pdf", b"MZ\x90\x00 this is a program",
                              content_type="application/pdf")
    good = SimpleUploadedFile("eob.pdf", PDF, content_type="application/pdf")
    refused = billing_api.post(f"/api/v1/tickets/{pk}/attachments", {"files": [good, fake]},
                               format="multipart")
    assert refused.status_code == 400, refused.content
    assert fields(refused) == ["files"]
    assert "scan.pdf" in body(refused)["errors"][0]["message"]
    assert not Ticket.objects.get(pk=pk).attachments.exists()  # all or none


def test_two_attachments_at_once_and_none_is_refused(billing_api, provider):
    pk = start(billing_api, provider)
    path = f"/api/v1/tickets/{pk}/attachments"
    none = billing_api.post(path, {}, format="multipart")
    assert none.status_code == 400 and fields(none) == ["files"]
    two = billing_api.post(path, {"files": [
        SimpleUploadedFile("eob.pdf", PDF), SimpleUploadedFile("letter.pdf", PDF)]},
        format="multipart")
    assert two.status_code == 201, two.content
    assert body(two)["message"] == "eob.pdf and letter.pdf are saved with the draft."
    assert len(body(two)["attachments"]) == 2
