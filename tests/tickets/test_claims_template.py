"""The Complaints/Claims-Issue template: the blank download and reading it back (R-FILE-6,
R-FILE-7, R-FILE-4 for the claims' tracking numbers).

The fixture files are made by ``tests/fixtures/claims/make_fixtures.py``; its README lists
what each one must produce and the MCO, provider and tracking pattern they are read with.
"""

import datetime
import io
import re
from decimal import Decimal
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import Workbook, load_workbook
from openpyxl.packaging.custom import StringProperty

from portal import spreadsheets
from tickets import claims_template
from tickets.claims_template import (
    COLUMNS,
    HEADERS,
    MAX_ROWS,
    MIN_CLAIMS_FOR_TEMPLATE,
    TEMPLATE_VERSION,
    ClaimRow,
    build_blank_template,
    read_template,
)

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "claims"

MCO = "Molina Healthcare of Illinois"
NPI = "1234567893"
MCO_NAMES = ["Aetna Better Health of Illinois", "Meridian", MCO]
TODAY = datetime.date(2026, 6, 1)


def tracking_number_is_valid(number):
    return bool(re.fullmatch(r"PDXGR\d{7}", number))


def read(upload, **options):
    """Read as the fixtures README says: Molina, NPI 1234567893, PDXGR + 7 digits."""
    options = {
        "mco": MCO,
        "provider_npi": NPI,
        "tracking_number_is_valid": tracking_number_is_valid,
        "tracking_example": "PDXGR1234567",
        "mco_short_name": "Molina",
        **options,
    }
    return read_template(upload, **options)


def messages(result):
    return [str(error) for error in result.errors]


def good_row(i=1, **changes):
    values = {
        "MCO": MCO,
        "Provider NPI": NPI,
        "Claim number": f"CLM{i:05d}",
        "MCO tracking number": f"PDXGR{i:07d}",
        "Member RIN": f"{i:09d}",
        "Member name": "Test Member",
        "Date of service from": datetime.date(2026, 3, 1),
        "Date of service to": datetime.date(2026, 3, 2),
        "Billed amount": 1000,
        "Paid amount": 250.5,
        "Disputed amount": 749.5,
        "Denial reason": "CO-97",
        "Comments": None,
    }
    values.update(changes)
    return [values[header] for header in HEADERS]


def workbook_bytes(rows, *, headers=HEADERS, version=TEMPLATE_VERSION):
    """A small, fast workbook (write-only) with the Claims sheet and a version marker."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("Claims")
    sheet.append(headers)
    for row in rows:
        sheet.append(row)
    workbook.custom_doc_props.append(StringProperty(name="TemplateVersion", value=version))
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


# -- The blank template -----------------------------------------------------------------


@pytest.fixture(scope="module")
def blank():
    return build_blank_template(MCO_NAMES)


@pytest.fixture(scope="module")
def blank_workbook(blank):
    return load_workbook(io.BytesIO(blank))


def rules_by_column(workbook):
    return {str(rule.sqref)[0]: rule for rule in
            workbook["Claims"].data_validations.dataValidation}  # fmt: skip


def test_blank_template_is_an_xlsx_with_instructions_first(blank, blank_workbook):
    assert blank.startswith(b"PK\x03\x04")
    assert blank_workbook.sheetnames == ["Instructions", "Claims", "Lists"]
    assert blank_workbook.active.title == "Instructions"
    assert blank_workbook["Lists"].sheet_state == "hidden"
    assert blank_workbook.properties.title == "Complaints/Claims-Issue template"


def test_the_version_is_in_all_three_places(blank_workbook):
    assert TEMPLATE_VERSION == "PRP-CLAIMS-2026.1"
    assert blank_workbook.custom_doc_props["TemplateVersion"].value == TEMPLATE_VERSION
    assert blank_workbook.defined_names["TemplateVersion"].attr_text == f'"{TEMPLATE_VERSION}"'
    assert blank_workbook["Instructions"]["B2"].value == TEMPLATE_VERSION


def test_instructions_say_one_claim_a_row_one_mco_one_provider_and_phi(blank_workbook):
    sheet = blank_workbook["Instructions"]
    text = "\n".join(
        str(value) for row in sheet.iter_rows(values_only=True) for value in row if value
    )
    assert sheet["A1"].value == "Complaints/Claims-Issue template"
    assert "one claim on each row" in text
    assert f"At most {MAX_ROWS} claims" in text
    assert "one MCO and for one provider or facility" in text
    assert "The ticket's own tracking number is the one the MCO gave for this template" in text
    assert "protected health information" in text
    assert ".xlsx" in text
    for column in COLUMNS:
        assert column.header in text
        assert column.hint in text


def test_claims_sheet_has_the_headings_in_order_bold_and_frozen(blank_workbook):
    sheet = blank_workbook["Claims"]
    assert HEADERS == [
        "MCO", "Provider NPI", "Claim number", "MCO tracking number", "Member RIN",
        "Member name", "Date of service from", "Date of service to", "Billed amount",
        "Paid amount", "Disputed amount", "Denial reason", "Comments",
    ]  # fmt: skip
    assert [cell.value for cell in sheet[1]] == HEADERS
    assert all(cell.font.bold for cell in sheet[1])
    assert sheet.freeze_panes == "A2"


def test_every_column_has_a_validation_and_an_input_message_on_the_100_rows(blank_workbook):
    rules = blank_workbook["Claims"].data_validations.dataValidation
    for index, column in enumerate(COLUMNS):
        letter = chr(ord("A") + index)
        [rule] = [r for r in rules if f"{letter}2" in r and f"{letter}{MAX_ROWS + 1}" in r]
        assert f"{letter}{MAX_ROWS + 2}" not in rule
        assert rule.showInputMessage and rule.prompt == column.hint
        assert len(rule.prompt) <= 255 and len(rule.promptTitle) <= 32
        assert rule.showErrorMessage and rule.error


def test_the_mco_column_is_a_list_of_the_mcos_given(blank_workbook):
    rules = rules_by_column(blank_workbook)
    assert (rules["A"].type, rules["A"].formula1) == ("list", "Lists!$A$1:$A$3")
    listed = [row[0] for row in blank_workbook["Lists"].iter_rows(values_only=True)]
    assert listed == MCO_NAMES


def test_without_mcos_the_mco_column_is_free_text():
    workbook = load_workbook(io.BytesIO(build_blank_template([])))
    assert rules_by_column(workbook)["A"].type == "textLength"


def test_ids_are_text_dates_are_dates_amounts_are_currency(blank_workbook):
    sheet = blank_workbook["Claims"]
    rules = rules_by_column(blank_workbook)
    for letter in "BCDE":  # NPI, claim number, tracking number, RIN: leading zeros kept
        assert sheet[f"{letter}2"].number_format == "@"
        assert sheet[f"{letter}{MAX_ROWS + 1}"].number_format == "@"
    for letter in "GH":
        assert sheet[f"{letter}2"].number_format == "m/d/yyyy"
        assert (rules[letter].type, rules[letter].formula1) == ("date", "TODAY()")
    for letter in "IJK":
        assert sheet[f"{letter}2"].number_format == '"$"#,##0.00'
        assert (rules[letter].type, rules[letter].formula1) == ("decimal", "0")
    assert (rules["E"].operator, rules["E"].formula1) == ("equal", "9")


def test_at_least_two_claims_go_on_the_template():
    assert MIN_CLAIMS_FOR_TEMPLATE == 2


def test_blank_template_read_back_says_it_has_no_claims(blank):
    assert messages(read(blank)) == [claims_template.SPEC.no_rows]


def test_round_trip_download_fill_upload(blank):
    workbook = load_workbook(io.BytesIO(blank))
    sheet = workbook["Claims"]
    rows = [
        [MCO, NPI, "CLM-1", "PDXGR0000001", "012345678", "Ana Lopez",
         datetime.datetime(2026, 3, 1), datetime.datetime(2026, 3, 4), 1250, 0, 1250,
         "N130: not covered", None],
        [MCO, NPI, "CLM-2", "PDXGR0000002", "987654321", "Sam  Lee",
         datetime.datetime(2026, 5, 31), datetime.datetime(2026, 5, 31), 99.99, 10, 89.99,
         "CO-97", "Peer-to-peer held"],
    ]  # fmt: skip
    for row_number, values in enumerate(rows, start=2):
        for column, value in enumerate(values, start=1):
            sheet.cell(row=row_number, column=column, value=value)
    buffer = io.BytesIO()
    workbook.save(buffer)

    result = read(SimpleUploadedFile("claims.xlsx", buffer.getvalue()), today=TODAY)

    assert result.ok, messages(result)
    assert result.rows == [
        ClaimRow(2, "CLM-1", "PDXGR0000001", "012345678", "Ana Lopez",
                 datetime.date(2026, 3, 1), datetime.date(2026, 3, 4), Decimal("1250.00"),
                 Decimal("0.00"), Decimal("1250.00"), "N130: not covered", ""),
        ClaimRow(3, "CLM-2", "PDXGR0000002", "987654321", "Sam Lee",
                 datetime.date(2026, 5, 31), datetime.date(2026, 5, 31), Decimal("99.99"),
                 Decimal("10.00"), Decimal("89.99"), "CO-97", "Peer-to-peer held"),
    ]  # fmt: skip
    assert all(row.billed.as_tuple().exponent == -2 for row in result.rows)


# -- The fixture files ------------------------------------------------------------------

SHOULD_FAIL = {
    "bad_rin.xlsx": [
        "row 2, Member RIN: 12345 must be 9 digits",
        "row 3, Member RIN: 12345 must be 9 digits",
    ],
    "future_date.xlsx": ["row 3, Date of service to: 1/5/2099 is in the future"],
    "from_after_to.xlsx": [
        "row 2, Date of service to: 3/1/2025 is before the date of service from, 3/10/2025"
    ],
    "disputed_over_billed.xlsx": [
        "row 2, Disputed amount: $150.50 is more than the billed amount, $100.00"
    ],
    "negative_amount.xlsx": ["row 2, Paid amount: -25 is negative"],
    "mixed_mcos.xlsx": [
        "row 3, MCO: Aetna Better Health of Illinois — every row must be for Molina "
        "Healthcare of Illinois (one template, one MCO)"
    ],
    "mixed_providers.xlsx": [
        "row 3, Provider NPI: 9876543213 — every row must be for NPI 1234567893"
    ],
    "duplicate_claim_numbers.xlsx": ["row 4, Claim number: clm00000001 is also on row 2"],
    "bad_tracking_numbers.xlsx": [
        "row 2, MCO tracking number: PDX1234567 does not match Molina's format, "
        "e.g. PDXGR1234567",
        "row 3, MCO tracking number: pdxgr0000003 does not match Molina's format",
    ],
    "missing_required.xlsx": [
        "row 3, Claim number: Enter the claim number.",
        "row 3, Member name: Enter the member's name.",
        "row 3, Denial reason: Enter the denial reason.",
    ],
    "bad_date_and_cents.xlsx": [
        "row 2, Date of service from: 31/12/2025 is not a date",
        "row 2, Disputed amount: 12.345 has more than 2 decimals",
    ],
    "wrong_version.xlsx": [
        "This template is version PRP-CLAIMS-2025.1; the portal expects version "
        "PRP-CLAIMS-2026.1. Download the current template and copy your claims into it."
    ],
    "wrong_headers.xlsx": [
        'Column E should be "Member RIN" but is "RIN"',
        'Column N has the heading "Notes", which is not in the template',
    ],
    "too_many_rows.xlsx": [
        "The template has 101 claims; at most 100 fit in one ticket. Split them into "
        "several tickets."
    ],
    "empty.xlsx": ["The template has no claims in it. Enter one claim on each row"],
    "registration_template.xlsx": ['This workbook has no sheet named "Claims"'],
    "macro_enabled.xlsm": [spreadsheets.MACRO_ENABLED],
    "csv_renamed.xlsx": [spreadsheets.NOT_XLSX],
}


def fixture_names(folder):
    return sorted(path.name for path in (FIXTURES / folder).iterdir())


def test_the_fixture_table_covers_every_should_fail_file():
    assert fixture_names("should_fail") == sorted(SHOULD_FAIL)
    assert len(SHOULD_FAIL) >= 12
    assert len(fixture_names("should_pass")) >= 3


@pytest.mark.parametrize("name", fixture_names("should_pass"))
def test_should_pass_file_reads_without_errors(name):
    with (FIXTURES / "should_pass" / name).open("rb") as upload:
        result = read(upload, filename=name)
    assert result.ok, messages(result)
    assert len(result.rows) >= 2
    assert [row.row_number for row in result.rows] == sorted(r.row_number for r in result.rows)


@pytest.mark.parametrize(("name", "fragments"), sorted(SHOULD_FAIL.items()))
def test_should_fail_file_gives_its_messages_and_no_others(name, fragments):
    with (FIXTURES / "should_fail" / name).open("rb") as upload:
        result = read(upload, filename=name)
    assert not result.ok
    found = messages(result)
    for fragment in fragments:
        assert any(fragment in message for message in found), (fragment, found)
    assert len(found) == len(fragments), found  # every problem at once, and only those


def test_the_hundred_row_file_is_the_limit():
    result = read((FIXTURES / "should_pass" / "hundred_rows.xlsx").read_bytes())
    assert len(result.rows) == MAX_ROWS


def test_excel_numbers_and_dates_are_cleaned():
    result = read((FIXTURES / "should_pass" / "excel_numbers_and_dates.xlsx").read_bytes())
    first, second, third = result.rows
    assert (first.claim_number, first.member_rin) == ("20250001", "012345678")
    assert first.service_from == first.service_to == datetime.date(2025, 3, 15)
    assert (first.billed, first.paid, first.disputed) == (
        Decimal("1250.00"), Decimal("0.00"), Decimal("1250.00"))  # fmt: skip
    assert second.member_rin == "123456789"
    assert (second.service_from, second.service_to) == (
        datetime.date(2025, 3, 15), datetime.date(2025, 3, 16))  # fmt: skip
    assert (second.billed, second.paid, second.disputed) == (
        Decimal("1250.00"), Decimal("200.50"), Decimal("1049.50"))  # fmt: skip
    assert (third.billed, third.paid, third.disputed) == (
        Decimal("0.30"), Decimal("0.10"), Decimal("0.20"))  # fmt: skip


def test_blank_rows_are_skipped_and_rows_keep_excel_numbers():
    result = read((FIXTURES / "should_pass" / "blank_rows_between.xlsx").read_bytes())
    assert [row.row_number for row in result.rows] == [2, 4, 8]


def test_rows_with_errors_are_left_out_of_rows():
    result = read((FIXTURES / "should_fail" / "mixed_mcos.xlsx").read_bytes())
    assert [row.row_number for row in result.rows] == [2]


# -- Row rules --------------------------------------------------------------------------


def test_every_problem_of_every_row_is_reported_at_once():
    rows = [
        good_row(1, **{"Member RIN": "12-345", "Billed amount": "lots",
                       "Date of service from": "yesterday", "Comments": "x" * 2001}),
        good_row(2),
        good_row(3, MCO="Meridian", **{"Provider NPI": "1234567890", "Member name": "",
                                       "Paid amount": -1}),
    ]  # fmt: skip
    result = read(workbook_bytes(rows), today=TODAY)
    assert [(e.row, e.column) for e in result.errors] == [
        (2, "Member RIN"),
        (2, "Date of service from"),
        (2, "Billed amount"),
        (2, "Comments"),
        (4, "MCO"),
        (4, "Provider NPI"),
        (4, "Member name"),
        (4, "Paid amount"),
    ]
    assert "1234567890 fails the NPI check digit" in str(result.errors[5])
    assert [row.row_number for row in result.rows] == [3]


def test_a_date_after_today_is_refused_and_today_is_not():
    rows = [good_row(1, **{"Date of service to": TODAY}),
            good_row(2, **{"Date of service to": TODAY + datetime.timedelta(days=1)})]
    assert messages(read(workbook_bytes(rows), today=TODAY)) == [
        "row 3, Date of service to: 6/2/2026 is in the future; the date of service cannot "
        "be after today, 6/1/2026."
    ]


@pytest.mark.parametrize(
    ("value", "expected"),
    [("3/15/2026", datetime.date(2026, 3, 15)), ("03/05/2026", datetime.date(2026, 3, 5)),
     ("2026-03-15", datetime.date(2026, 3, 15)),
     (datetime.datetime(2026, 3, 15, 13, 30), datetime.date(2026, 3, 15))],
)  # fmt: skip
def test_dates_may_be_date_cells_or_us_or_iso_text(value, expected):
    rows = [good_row(1, **{"Date of service from": value, "Date of service to": value})]
    result = read(workbook_bytes(rows), today=TODAY)
    assert result.ok, messages(result)
    assert result.rows[0].service_from == expected


@pytest.mark.parametrize("value", ["3/15/26", "15.03.2026", "2/30/2026", 46096, "March 15"])
def test_anything_else_is_not_a_date(value):
    rows = [good_row(1, **{"Date of service from": value})]
    assert "is not a date; enter the date of service as month/day/year" in messages(
        read(workbook_bytes(rows), today=TODAY)
    )[0]


@pytest.mark.parametrize(
    ("value", "message"),
    [(12345, "12345 must be 9 digits"), ("1234567890", "1234567890 must be 9 digits"),
     ("12345678A", "12345678A must be 9 digits"), (None, "Enter the member's RIN")],
)  # fmt: skip
def test_a_rin_is_nine_digits(value, message):
    result = read(workbook_bytes([good_row(1, **{"Member RIN": value})]), today=TODAY)
    [found] = messages(result)
    assert found.startswith(f"row 2, Member RIN: {message}")


@pytest.mark.parametrize(
    ("value", "rin"),
    [(12345678, "012345678"), (1234567, "001234567"), (123456789.0, "123456789"),
     ("123 456 789", "123456789")],
)  # fmt: skip
def test_a_rin_that_excel_stored_as_a_number_gets_its_leading_zeros_back(value, rin):
    result = read(workbook_bytes([good_row(1, **{"Member RIN": value})]), today=TODAY)
    assert result.ok, messages(result)
    assert result.rows[0].member_rin == rin


def test_a_disputed_amount_equal_to_billed_is_fine_and_one_cent_over_is_not():
    rows = [good_row(1, **{"Billed amount": 100, "Disputed amount": "100.00"}),
            good_row(2, **{"Billed amount": 100, "Disputed amount": "100.01"})]
    assert messages(read(workbook_bytes(rows), today=TODAY)) == [
        "row 3, Disputed amount: $100.01 is more than the billed amount, $100.00; the "
        "disputed amount cannot be more than was billed."
    ]


def test_a_tracking_number_message_without_an_example_still_names_the_mco():
    rows = [good_row(1, **{"MCO tracking number": "123"})]
    result = read(workbook_bytes(rows), today=TODAY, tracking_example="", mco_short_name="")
    assert messages(result) == [
        "row 2, MCO tracking number: 123 does not match Molina Healthcare of Illinois's "
        "format. Enter the tracking number the MCO gave this claim."
    ]


def test_an_mco_with_no_pattern_accepts_any_tracking_number():
    rows = [good_row(1, **{"MCO tracking number": "anything-1"})]
    result = read(workbook_bytes(rows), today=TODAY, tracking_number_is_valid=bool)
    assert result.ok, messages(result)


def test_the_mco_name_may_differ_in_case_and_spaces_only():
    rows = [good_row(1, MCO="  MOLINA  healthcare of illinois"), good_row(2, MCO="Molina")]
    assert messages(read(workbook_bytes(rows), today=TODAY)) == [
        "row 3, MCO: Molina — every row must be for Molina Healthcare of Illinois (one "
        "template, one MCO); put another MCO's claims on a template of their own."
    ]


def test_duplicate_claim_numbers_are_found_even_when_the_later_row_has_other_errors():
    rows = [good_row(1), good_row(2, **{"Claim number": "CLM00001", "Member name": None})]
    assert messages(read(workbook_bytes(rows), today=TODAY)) == [
        "row 3, Member name: Enter the member's name.",
        "row 3, Claim number: CLM00001 is also on row 2; list each claim once.",
    ]


def test_an_unexpected_failure_in_a_row_check_is_an_error_not_an_exception():
    def broken(number):
        raise RuntimeError("a bug")

    result = read(workbook_bytes([good_row(1)]), today=TODAY, tracking_number_is_valid=broken)
    assert messages(result) == [spreadsheets.UNREADABLE]
