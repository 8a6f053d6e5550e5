"""The multiple registration template: the blank download and reading it back (R-REG-5).

The fixture files are made by ``tests/fixtures/registration/make_fixtures.py``; their
README lists what each one must produce.
"""

import io
import re
import zipfile
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import Workbook, load_workbook
from openpyxl.packaging.custom import StringProperty

from registration import template
from registration.template import (
    COLUMNS,
    MAX_ROWS,
    MAX_UPLOAD_BYTES,
    TEMPLATE_VERSION,
    ProviderRow,
    TemplateError,
    build_blank_template,
    read_template,
)

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "registration"
HEADERS = [column.header for column in COLUMNS]

GOOD_ROW = ["Acme Clinic", "IMP000001", "1234567893", "36-1000001", "1 Main St", "Chicago",
            "IL", "60601"]  # fmt: skip


def messages(result):
    return [str(error) for error in result.errors]


def workbook_bytes(rows, *, headers=HEADERS, version=TEMPLATE_VERSION):
    """A small, fast workbook (write-only) with the Providers sheet and a version marker."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("Providers")
    sheet.append(headers)
    for row in rows:
        sheet.append(row)
    if version is not None:
        workbook.custom_doc_props.append(StringProperty(name="TemplateVersion", value=version))
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


# -- The blank template -----------------------------------------------------------------


@pytest.fixture(scope="module")
def blank():
    return build_blank_template()


@pytest.fixture(scope="module")
def blank_workbook(blank):
    return load_workbook(io.BytesIO(blank))


def test_blank_template_is_an_xlsx_with_instructions_first(blank, blank_workbook):
    assert blank.startswith(b"PK\x03\x04")
    assert blank_workbook.sheetnames == ["Instructions", "Providers", "Lists"]
    assert blank_workbook.active.title == "Instructions"
    assert blank_workbook["Lists"].sheet_state == "hidden"


def test_instructions_explain_every_column_the_limit_and_the_version(blank_workbook):
    sheet = blank_workbook["Instructions"]
    text = "\n".join(
        str(value) for row in sheet.iter_rows(values_only=True) for value in row if value
    )
    assert sheet["A1"].value == "Multiple registration template"
    assert sheet["B2"].value == TEMPLATE_VERSION
    assert f"At most {MAX_ROWS} providers" in text
    assert ".xlsx" in text
    for column in COLUMNS:
        assert column.header in text
        assert column.hint in text


def test_version_marker_is_also_a_property_and_a_defined_name(blank_workbook):
    assert blank_workbook.custom_doc_props["TemplateVersion"].value == TEMPLATE_VERSION
    assert blank_workbook.defined_names["TemplateVersion"].attr_text == f'"{TEMPLATE_VERSION}"'


def test_providers_sheet_has_one_bold_frozen_header_row(blank_workbook):
    sheet = blank_workbook["Providers"]
    assert [cell.value for cell in sheet[1]] == HEADERS
    assert all(cell.font.bold for cell in sheet[1])
    assert sheet.freeze_panes == "A2"
    assert all(sheet.cell(row=2, column=i).value is None for i in range(1, len(COLUMNS) + 1))
    for index, column in enumerate(COLUMNS, start=1):
        letter = chr(ord("A") + index - 1)
        assert sheet.column_dimensions[letter].width == column.width


def test_every_column_has_a_data_validation_with_an_input_message(blank_workbook):
    sheet = blank_workbook["Providers"]
    rules = sheet.data_validations.dataValidation
    for index, column in enumerate(COLUMNS):
        letter = chr(ord("A") + index)
        [rule] = [r for r in rules if f"{letter}2" in r and f"{letter}{MAX_ROWS + 1}" in r]
        assert f"{letter}{MAX_ROWS + 2}" not in rule
        assert rule.showInputMessage and rule.prompt == column.hint
        assert rule.promptTitle and len(rule.promptTitle) <= 32
        assert len(rule.prompt) <= 255
        assert rule.showErrorMessage and rule.error


def test_npi_rule_is_ten_characters_and_state_is_a_list_of_codes(blank_workbook):
    rules = {str(rule.sqref)[0]: rule for rule in
             blank_workbook["Providers"].data_validations.dataValidation}  # fmt: skip
    assert (rules["C"].type, rules["C"].operator, rules["C"].formula1) == (
        "textLength",
        "equal",
        "10",
    )
    assert rules["G"].type == "list"
    assert rules["G"].formula1 == "Lists!$A$1:$A$56"
    codes = [row[0] for row in blank_workbook["Lists"].iter_rows(values_only=True)]
    assert len(codes) == 56 and "IL" in codes and "DC" in codes


def test_id_and_zip_columns_are_text_so_excel_keeps_leading_zeros(blank_workbook):
    sheet = blank_workbook["Providers"]
    for letter in "BCDH":
        assert sheet[f"{letter}2"].number_format == "@"
        assert sheet[f"{letter}{MAX_ROWS + 1}"].number_format == "@"
    assert sheet["A2"].number_format != "@"


def test_blank_template_read_back_says_it_has_no_providers(blank):
    result = read_template(blank)
    assert messages(result) == [template.NO_PROVIDERS]


def test_round_trip_download_fill_upload(blank):
    workbook = load_workbook(io.BytesIO(blank))
    sheet = workbook["Providers"]
    rows = [
        GOOD_ROW,
        ["Lakeview Pediatrics", "ab-123456", 9876543213, 12345678, "10 West Lake Street",
         "Evanston", "il", 60201],
        ["Back Bay Dental", "MA0042", "555-000-1114", "04-1234567", "2 Beacon St",
         "Boston", "MA", 2134],
    ]  # fmt: skip
    for row_number, values in enumerate(rows, start=2):
        for column, value in enumerate(values, start=1):
            sheet.cell(row=row_number, column=column, value=value)
    buffer = io.BytesIO()
    workbook.save(buffer)

    result = read_template(SimpleUploadedFile("providers.xlsx", buffer.getvalue()))

    assert result.ok, messages(result)
    assert result.rows == [
        ProviderRow(2, "Acme Clinic", "IMP000001", "1234567893", "361000001", "1 Main St",
                    "Chicago", "IL", "60601", "1 MAIN ST|CHICAGO|IL|60601"),
        ProviderRow(3, "Lakeview Pediatrics", "AB123456", "9876543213", "012345678",
                    "10 West Lake Street", "Evanston", "IL", "60201",
                    "10 W LAKE ST|EVANSTON|IL|60201"),
        ProviderRow(4, "Back Bay Dental", "MA0042", "5550001114", "041234567", "2 Beacon St",
                    "Boston", "MA", "02134", "2 BEACON ST|BOSTON|MA|02134"),
    ]  # fmt: skip


# -- The fixture files ------------------------------------------------------------------

SHOULD_FAIL = {
    "bad_npi_check_digit.xlsx": [
        "row 2, NPI: 1234567890 fails the NPI check digit; check the number on the NPPES record."
    ],
    "npi_not_ten_digits.xlsx": ["row 2, NPI: 12345678 is not 10 digits"],
    "missing_medicaid_id.xlsx": [
        "row 3, Medicaid (IMPACT) provider ID: Enter the Medicaid (IMPACT) provider ID"
    ],
    "bad_tax_id_and_zip.xlsx": [
        "row 2, Tax ID (FEIN/TIN): 12-345678 is not a Tax ID",
        "row 3, ZIP code: 6060 is not a ZIP code",
        "row 4, Tax ID (FEIN/TIN): 000000000 is not a real Tax ID",
        "row 4, ZIP code: ABCDE is not a ZIP code",
    ],
    "bad_state.xlsx": ["row 2, State: Illinois is not a two-letter state code; enter IL."],
    "legal_name_too_long.xlsx": ["row 2, Legal name: The legal name is 201 characters long"],
    "formula_without_value.xlsx": ["row 2, NPI: Enter the NPI"],
    "duplicate_provider_rows.xlsx": [
        "row 3: Same Tax ID and service location address as row 2",
    ],
    "wrong_headers.xlsx": [
        'Column C should be "NPI" but is "NPI number"',
        'Column I has the heading "Notes", which is not in the template',
    ],
    "missing_column.xlsx": ['Column H should be "ZIP code" but is empty'],
    "wrong_version.xlsx": [
        "This template is version PRP-REG-2025.1; the portal expects version PRP-REG-2026.1. "
        "Download the current template"
    ],
    "no_version.xlsx": ["has no template version", "PRP-REG-2026.1"],
    "missing_sheet.xlsx": ['This workbook has no sheet named "Providers"'],
    "empty.xlsx": ["The template has no providers in it"],
    "too_many_rows.xlsx": [
        "The template has 501 providers; at most 500 fit in one request. Split them into "
        "several requests."
    ],
    "macro_enabled.xlsm": ["Macro-enabled workbooks are not accepted"],
    "xls_renamed.xlsx": [template.NOT_XLSX, "older .xls workbook"],
    "csv_renamed.xlsx": [template.NOT_XLSX],
    "pdf_renamed.xlsx": [template.NOT_XLSX],
    "not_a_zip.xlsx": [template.NOT_XLSX],
    "truncated_zip.xlsx": [template.NOT_XLSX],
    "docx_renamed.xlsx": [template.NOT_XLSX],
    "corrupt_workbook.xlsx": ["This workbook could not be read"],
    "zip_bomb.xlsx": ["This workbook unpacks to more than 50 MB"],
}

# How many errors each file gives: all of a file's problems are reported at once.
ERROR_COUNTS = {
    "bad_tax_id_and_zip.xlsx": 4,
    "duplicate_provider_rows.xlsx": 1,  # row 4 repeats only the NPI: allowed (R-FILE-7)
    "wrong_headers.xlsx": 2,
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
        result = read_template(upload, name)
    assert result.ok, messages(result)
    assert result.rows
    assert [row.row_number for row in result.rows] == sorted(r.row_number for r in result.rows)


@pytest.mark.parametrize(("name", "fragments"), sorted(SHOULD_FAIL.items()))
def test_should_fail_file_gives_its_message(name, fragments):
    with (FIXTURES / "should_fail" / name).open("rb") as upload:
        result = read_template(upload, name)
    assert not result.ok
    found = messages(result)
    for fragment in fragments:
        assert any(fragment in message for message in found), (fragment, found)
    assert len(found) == ERROR_COUNTS.get(name, 1), found


def test_should_pass_fixtures_clean_excel_numbers():
    result = read_template((FIXTURES / "should_pass" / "excel_numbers.xlsx").read_bytes())
    npi, tax_id, zip_code = [(r.npi, r.tax_id, r.zip_code) for r in result.rows][1]
    assert (npi, tax_id, zip_code) == ("9876543213", "012345678", "02134")
    assert result.rows[0].npi == "1234567893"
    assert result.rows[2].zip_code == "60601-1234"


def test_blank_rows_are_skipped_and_rows_keep_excel_numbers():
    result = read_template((FIXTURES / "should_pass" / "blank_rows_between.xlsx").read_bytes())
    assert [row.row_number for row in result.rows] == [2, 4, 8]


def test_rows_with_errors_are_left_out_of_rows():
    result = read_template((FIXTURES / "should_fail" / "missing_medicaid_id.xlsx").read_bytes())
    assert [row.row_number for row in result.rows] == [2]


# -- Errors -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("error", "text"),
    [
        (
            TemplateError(7, "NPI", "1234567890 fails the NPI check digit; check the number "
                          "on the NPPES record."),
            "row 7, NPI: 1234567890 fails the NPI check digit; check the number on the NPPES "
            "record.",
        ),
        (TemplateError(3, None, "Same Tax ID as row 2."), "row 3: Same Tax ID as row 2."),
        (TemplateError(None, None, "The template is empty."), "The template is empty."),
    ],
)  # fmt: skip
def test_error_reads_row_then_column_then_message(error, text):
    assert str(error) == text


def test_every_problem_of_every_row_is_reported_at_once():
    rows = [
        ["", "12", "1234567890", "1", "", "", "Illinois", "6060"],
        GOOD_ROW,
        ["B" * 201, "IMP000002", "123", "000000000", "2 Main St", "Chicago", "IL", "ABCDE"],
    ]
    result = read_template(workbook_bytes(rows))
    assert [(e.row, e.column) for e in result.errors] == [
        (2, "Legal name"),
        (2, "Medicaid (IMPACT) provider ID"),
        (2, "NPI"),
        (2, "Tax ID (FEIN/TIN)"),
        (2, "Service location street"),
        (2, "City"),
        (2, "State"),
        (2, "ZIP code"),
        (4, "Legal name"),
        (4, "NPI"),
        (4, "Tax ID (FEIN/TIN)"),
        (4, "ZIP code"),
    ]
    assert [row.row_number for row in result.rows] == [3]


def test_duplicates_are_found_even_when_the_later_row_has_other_errors():
    duplicate = [*GOOD_ROW]
    duplicate[0] = ""  # its own error, reported too
    result = read_template(workbook_bytes([GOOD_ROW, duplicate]))
    assert messages(result) == [
        "row 3, Legal name: Enter the legal name.",
        "row 3: Same Tax ID and service location address as row 2; list each provider or "
        "facility once.",
    ]


def test_headings_tolerate_surrounding_spaces_only():
    headers = [f" {header} " for header in HEADERS]
    assert read_template(workbook_bytes([GOOD_ROW], headers=headers)).ok
    headers = [header.lower() for header in HEADERS]
    assert len(read_template(workbook_bytes([GOOD_ROW], headers=headers)).errors) == len(HEADERS)


# -- File-level refusals ----------------------------------------------------------------


def test_a_file_over_the_size_limit_is_refused_before_it_is_opened():
    result = read_template(io.BytesIO(b"PK\x03\x04" + b"\x00" * MAX_UPLOAD_BYTES))
    assert messages(result) == [template.TOO_LARGE]


def test_a_file_at_the_size_limit_is_not_refused_for_its_size():
    result = read_template(b"x" * MAX_UPLOAD_BYTES)
    assert messages(result) == [template.NOT_XLSX]


def test_an_upload_already_read_once_is_read_from_its_start():
    upload = SimpleUploadedFile("providers.xlsx", workbook_bytes([GOOD_ROW]))
    upload.read()
    assert read_template(upload, "providers.xlsx").ok


def test_xls_by_name_and_content_is_told_it_is_an_old_workbook():
    ole2 = (FIXTURES / "should_fail" / "xls_renamed.xlsx").read_bytes()
    assert messages(read_template(ole2, "providers.xls")) == [
        template.NOT_XLSX + " This is an older .xls workbook."
    ]


def test_a_vba_part_alone_makes_a_workbook_macro_enabled():
    data = workbook_bytes([GOOD_ROW])
    buffer = io.BytesIO(data)
    with zipfile.ZipFile(buffer, "a") as package:
        package.writestr("xl/vbaProject.bin", b"\xd0\xcf\x11\xe0")
    assert messages(read_template(buffer.getvalue())) == [template.MACRO_ENABLED]


def test_a_workbook_with_too_many_parts_is_refused():
    buffer = io.BytesIO(workbook_bytes([GOOD_ROW]))
    with zipfile.ZipFile(buffer, "a") as package:
        for number in range(template.MAX_PACKAGE_MEMBERS):
            package.writestr(f"xl/media/{number}.bin", b"")
    assert messages(read_template(buffer.getvalue())) == [template.TOO_LARGE_UNPACKED]


def test_an_unexpected_failure_is_an_error_not_an_exception(monkeypatch):
    def broken(sheet):
        raise RuntimeError("a bug")

    monkeypatch.setattr(template, "_check_headers", broken)
    assert messages(read_template(workbook_bytes([GOOD_ROW]))) == [template.UNREADABLE]


def test_rows_past_the_stated_dimension_are_still_read():
    data = workbook_bytes([GOOD_ROW, [*GOOD_ROW[:2], "9876543213", "36-1000002", *GOOD_ROW[4:]]])

    def understate(content):
        return re.sub(rb'<dimension ref="[^"]*"', b'<dimension ref="A1:H2"', content)

    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as source, zipfile.ZipFile(out, "w") as target:
        for info in source.infolist():
            content = source.read(info)
            if info.filename.startswith("xl/worksheets/"):
                content = understate(content)
            target.writestr(info, content)
    result = read_template(out.getvalue())
    assert result.ok and [row.row_number for row in result.rows] == [2, 3]


# -- The row limit ----------------------------------------------------------------------


def test_the_row_limit_counts_providers_not_blank_rows():
    rows = [
        ["Acme Clinic", "IMP000001", "1234567893", f"36-{n:07d}", f"{n} Main St", "Chicago",
         "IL", "60601"]
        for n in range(1, MAX_ROWS + 1)
    ]  # fmt: skip
    spaced = [item for row in rows for item in (row, [None] * 8, ["", " "])]
    result = read_template(workbook_bytes(spaced))
    assert result.ok  # no file-level refusal: blank rows do not count
    # Every row was read and checked. They share one NPI, which is allowed: a provider is
    # its Tax ID + service location (R-FILE-7), and one NPI may serve several locations.
    assert len(result.rows) == MAX_ROWS


def test_a_ten_thousand_row_file_is_refused_without_reading_every_row(monkeypatch):
    data = workbook_bytes([GOOD_ROW] * 10_000)
    yielded = 0
    real_data_rows = template._data_rows

    def counting(sheet):
        nonlocal yielded
        for item in real_data_rows(sheet):
            yielded += 1
            yield item

    cleaned = []
    real_clean_row = template._clean_row
    monkeypatch.setattr(template, "_data_rows", counting)
    monkeypatch.setattr(
        template, "_clean_row", lambda *args: cleaned.append(args) or real_clean_row(*args)
    )

    result = read_template(data)

    assert messages(result) == [
        f"The template has more than {template.ROW_COUNT_LIMIT:,} providers; at most "
        f"{MAX_ROWS} fit in one request. Split them into several requests."
    ]
    assert result.rows == []
    assert yielded == template.ROW_COUNT_LIMIT + 1 < 10_000
    assert cleaned == []  # no row is checked once the file is over the limit


def test_the_row_count_can_stop_at_the_first_row_over_the_limit(monkeypatch):
    monkeypatch.setattr(template, "ROW_COUNT_LIMIT", MAX_ROWS)
    result = read_template(workbook_bytes([GOOD_ROW] * (MAX_ROWS + 50)))
    assert messages(result) == [
        f"The template has more than {MAX_ROWS} providers; at most {MAX_ROWS} fit in one "
        "request. Split them into several requests."
    ]


def test_a_sheet_that_goes_on_far_below_the_providers_is_refused_early():
    rows = [GOOD_ROW] + [[]] * template.MAX_SHEET_ROWS + [[" "]]  # a stray space at the end
    result = read_template(workbook_bytes(rows))
    assert messages(result) == [template.SHEET_TOO_LONG]


def test_a_long_sheet_over_the_row_limit_says_at_least(monkeypatch):
    monkeypatch.setattr(template, "MAX_SHEET_ROWS", MAX_ROWS + 10)
    result = read_template(workbook_bytes([GOOD_ROW] * (MAX_ROWS + 100)))
    assert messages(result) == [
        f"The template has at least {MAX_ROWS + 9} providers; at most {MAX_ROWS} fit in one "
        "request. Split them into several requests."
    ]
