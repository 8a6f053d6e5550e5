"""Spreadsheet exports (portal.exports): never a formula, the right types, the workbook's shape.

Every workbook is read back with openpyxl (``load_workbook`` without ``data_only``, so a
formula would show as one) and its sheet XML is read from the zip to show that no ``<f>``
element is there at all.
"""

import io
import re
import uuid
import zipfile
from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal

import pytest
from openpyxl import load_workbook

from portal.exports import (
    ABOUT_SHEET,
    CONTENT_TYPE,
    DATE_FORMAT,
    DATETIME_FORMAT,
    DECIMAL_FORMAT,
    MAX_COLUMN_WIDTH,
    MAX_TEXT_LENGTH,
    SafeCell,
    is_formula_like,
    safe_cell,
    safe_filename,
    write_workbook,
    xlsx_response,
)

PHI_NOTE = "Contains protected health information. Handle and store it as confidential."

#: (typed, what the cell holds). A carriage return becomes Excel's line break, "\n".
DANGEROUS = [
    ("=1+1", "=1+1"),
    ('=HYPERLINK("http://x","click")', '=HYPERLINK("http://x","click")'),
    ("+1", "+1"),
    ("-1+2", "-1+2"),
    ("@SUM(A1)", "@SUM(A1)"),
    ("\t=1", "\t=1"),
    ("\r=1", "\n=1"),
    ("  =1", "  =1"),
    ("=cmd|' /C calc'!A0", "=cmd|' /C calc'!A0"),
    ("\u00a0\u3000=1+1", "\u00a0\u3000=1+1"),
    ("\r\n-2", "\n-2"),
]

FORMULA_ELEMENT = re.compile(rb"<(?:\w+:)?f[\s>/]")


def export(rows, columns=(("value", "Value"),), **kwargs):
    kwargs.setdefault("title", "Test export")
    return write_workbook(columns=list(columns), rows=rows, **kwargs)


def sheet_xml(data: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(data)) as package:
        return {
            name: package.read(name)
            for name in package.namelist()
            if name.startswith("xl/worksheets/")
        }


def assert_no_formulas(data: bytes) -> None:
    sheets = sheet_xml(data)
    assert len(sheets) == 2
    for name, xml in sheets.items():
        assert not FORMULA_ELEMENT.search(xml), f"a formula in {name}"


def read(data: bytes):
    return load_workbook(io.BytesIO(data))


# safe_cell ------------------------------------------------------------------------------


@pytest.mark.parametrize(("typed", "held"), DANGEROUS)
def test_safe_cell_keeps_dangerous_text_as_text_and_flags_it(typed, held):
    assert safe_cell(typed) == SafeCell(held, None, True)
    assert is_formula_like(typed)


@pytest.mark.parametrize("text", ["Smith", "a=b", "100", "O'Brien", "x-1", "", "#N/A", "'=1"])
def test_ordinary_text_is_text_and_not_flagged(text):
    assert safe_cell(text) == SafeCell(text, None, False)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (None, SafeCell(None)),
        (True, SafeCell("Yes")),
        (False, SafeCell("No")),
        (42, SafeCell(42)),
        (-7, SafeCell(-7)),
        (2.5, SafeCell(2.5)),
        (Decimal("1234.5"), SafeCell(Decimal("1234.5"), DECIMAL_FORMAT)),
        (date(2025, 3, 4), SafeCell(date(2025, 3, 4), DATE_FORMAT)),
        # Excel keeps 15 digits; an integer of 16 or more is text, so none is lost.
        (999_999_999_999_999, SafeCell(999_999_999_999_999)),
        (1_234_567_890_123_456, SafeCell("1234567890123456")),
        (-1_234_567_890_123_456, SafeCell("-1234567890123456", None, True)),
        (float("nan"), SafeCell("nan")),
        (float("-inf"), SafeCell("-inf", None, True)),
        (Decimal("NaN"), SafeCell("NaN")),
    ],
)
def test_safe_cell_types(value, expected):
    assert safe_cell(value) == expected


def test_aware_datetimes_become_naive_central_time():
    # Summer: CDT, UTC-5. Winter: CST, UTC-6.
    assert safe_cell(datetime(2025, 7, 1, 17, 30, tzinfo=UTC)) == SafeCell(
        datetime(2025, 7, 1, 12, 30), DATETIME_FORMAT
    )
    assert safe_cell(datetime(2025, 1, 15, 18, 0, tzinfo=UTC)) == SafeCell(
        datetime(2025, 1, 15, 12, 0), DATETIME_FORMAT
    )
    eastern = timezone(timedelta(hours=-4))
    assert safe_cell(datetime(2025, 7, 1, 9, 0, tzinfo=eastern)).value == datetime(2025, 7, 1, 8)


def test_naive_datetimes_are_taken_as_central_already():
    assert safe_cell(datetime(2025, 7, 1, 9, 15)) == SafeCell(
        datetime(2025, 7, 1, 9, 15), DATETIME_FORMAT
    )


def test_other_values_are_written_as_their_text():
    ident = uuid.UUID("12345678-1234-5678-1234-567812345678")
    assert safe_cell(ident) == SafeCell(str(ident))


def test_characters_xml_cannot_hold_are_dropped_and_text_is_cut_to_excels_limit():
    assert safe_cell("a\x00b\x07c\x1fd").value == "abcd"
    assert safe_cell("x" * (MAX_TEXT_LENGTH + 10)).value == "x" * MAX_TEXT_LENGTH


# The workbook ---------------------------------------------------------------------------


@pytest.mark.parametrize(("typed", "held"), DANGEROUS)
def test_dangerous_strings_round_trip_as_text_never_formulas(typed, held):
    data = export([{"value": typed}])

    cell = read(data)["Export"]["A2"]
    assert cell.data_type == "s"
    assert cell.value == held
    assert cell.quotePrefix is True
    assert_no_formulas(data)
    assert b't="inlineStr"' in sheet_xml(data)["xl/worksheets/sheet1.xml"]


def test_all_dangerous_strings_together_in_headers_title_and_note_are_text():
    columns = [(f"c{index}", typed) for index, (typed, _held) in enumerate(DANGEROUS)]
    row = {f"c{index}": typed for index, (typed, _held) in enumerate(DANGEROUS)}
    data = export([row], columns=columns, title="=1+1", note="@SUM(A1)")

    assert_no_formulas(data)
    book = read(data)
    for header, cell in zip(book["Export"][1], book["Export"][2], strict=True):
        assert header.data_type == cell.data_type == "s"
        assert header.value == cell.value
    assert [held for _typed, held in DANGEROUS] == [cell.value for cell in book["Export"][2]]
    about = book[ABOUT_SHEET]
    assert (about["A1"].value, about["A1"].data_type) == ("=1+1", "s")
    assert "@SUM(A1)" in [row[1] for row in about.iter_rows(values_only=True)]


def test_error_codes_and_ordinary_text_stay_text():
    data = export([{"value": text} for text in ["#N/A", "#DIV/0!", "Smith", "a=b"]])

    cells = [row[0] for row in read(data)["Export"].iter_rows(min_row=2)]
    assert [(cell.value, cell.data_type, cell.quotePrefix) for cell in cells] == [
        ("#N/A", "s", False),
        ("#DIV/0!", "s", False),
        ("Smith", "s", False),
        ("a=b", "s", False),
    ]


def test_values_are_written_as_their_types():
    columns = [
        ("text", "Text"), ("number", "Number"), ("money", "Money"), ("day", "Day"),
        ("moment", "Moment"), ("nothing", "Nothing"), ("yes", "Yes?"), ("no", "No?"),
    ]  # fmt: skip
    row = {
        "text": "Lurie Children's", "number": 12, "money": Decimal("1234.56"),
        "day": date(2025, 3, 4), "moment": datetime(2025, 7, 1, 17, 30, tzinfo=UTC),
        "nothing": None, "yes": True, "no": False,
    }  # fmt: skip

    cells = {
        header.value: cell
        for header, cell in zip(*read(export([row], columns=columns))["Export"], strict=True)
    }

    assert (cells["Text"].value, cells["Text"].data_type) == ("Lurie Children's", "s")
    assert (cells["Number"].value, cells["Number"].data_type) == (12, "n")
    assert cells["Money"].value == pytest.approx(1234.56)
    assert cells["Money"].number_format == DECIMAL_FORMAT
    assert cells["Day"].value == datetime(2025, 3, 4)  # openpyxl reads dates back as datetimes
    assert cells["Day"].number_format == DATE_FORMAT
    assert cells["Moment"].value == datetime(2025, 7, 1, 12, 30)  # Central (CDT)
    assert cells["Moment"].number_format == DATETIME_FORMAT
    assert cells["Nothing"].value is None
    assert (cells["Yes?"].value, cells["No?"].value) == ("Yes", "No")


def test_header_row_freeze_pane_autofilter_and_widths():
    columns = [("id", "Ticket"), ("provider", "Provider name"), ("detail", "Detail")]
    rows = [
        {"id": 1, "provider": "Advocate Aurora Health", "detail": "x" * 500},
        {"id": 2, "provider": "OSF", "detail": "short"},
        {"id": 3, "provider": None, "detail": None},
    ]
    book = read(export(rows, columns=columns))
    sheet = book["Export"]

    assert book.sheetnames == ["Export", ABOUT_SHEET]
    assert [cell.value for cell in sheet[1]] == ["Ticket", "Provider name", "Detail"]
    assert all(cell.font.b for cell in sheet[1])
    assert not any(cell.font.b for cell in sheet[2])
    assert sheet.freeze_panes == "A2"
    assert sheet.auto_filter.ref == "A1:C4"
    assert sheet.print_title_rows == "$1:$1"
    assert sheet.max_row == 4
    widths = {letter: sheet.column_dimensions[letter].width for letter in "ABC"}
    assert widths["A"] == len("Ticket") + 2
    assert widths["B"] == len("Advocate Aurora Health") + 2
    assert widths["C"] == MAX_COLUMN_WIDTH


def test_an_empty_export_still_has_its_headers_filter_and_about_sheet():
    book = read(export([], columns=[("a", "A"), ("b", "B")]))

    assert [cell.value for cell in book["Export"][1]] == ["A", "B"]
    assert book["Export"].max_row == 1
    assert book["Export"].auto_filter.ref == "A1:B1"
    assert dict(book[ABOUT_SHEET].iter_rows(min_row=3, values_only=True))["Rows"] == 0


def test_about_sheet():
    generated = datetime(2025, 7, 1, 19, 5, tzinfo=UTC)
    data = export(
        [{"value": "a"}, {"value": "b"}],
        title="Tickets assigned to Molina",
        generated_at=generated,
        note=PHI_NOTE,
    )
    about = read(data)[ABOUT_SHEET]

    assert about["A1"].value == "Tickets assigned to Molina"
    assert about["A1"].font.b
    lines = dict(about.iter_rows(min_row=3, values_only=True))
    assert lines == {
        "Generated (Central time, CDT)": datetime(2025, 7, 1, 14, 5),
        "Rows": 2,
        "Sheet": "Export",
        "Note": PHI_NOTE,
        "Times": "Dates and times are Central time (America/Chicago). Excel has no time "
        "zones, so they carry none.",
    }
    assert about["B3"].number_format == DATETIME_FORMAT


def test_about_sheet_in_winter_and_without_a_note():
    data = export([], generated_at=datetime(2025, 1, 15, 18, 0, tzinfo=UTC))
    lines = dict(read(data)[ABOUT_SHEET].iter_rows(min_row=3, values_only=True))

    assert lines["Generated (Central time, CST)"] == datetime(2025, 1, 15, 12, 0)
    assert "Note" not in lines


def test_generated_at_defaults_to_now():
    before = datetime.now(UTC)
    data = export([])
    label, when = next(read(data)[ABOUT_SHEET].iter_rows(min_row=3, values_only=True))

    assert label.startswith("Generated (Central time, C")
    central = safe_cell(before).value
    assert central - timedelta(seconds=1) <= when <= central + timedelta(minutes=1)


def test_sheet_name_is_made_acceptable_to_excel():
    book = read(export([], sheet_name="Tickets: 2025/26 [open]? and a very long name"))
    assert book.sheetnames == ["Tickets- 2025-26 -open-- and a", ABOUT_SHEET]


@pytest.mark.parametrize(
    ("kwargs", "error"),
    [
        ({"columns": []}, ValueError),
        ({"columns": [("a", "A"), ("a", "Again")]}, ValueError),
        ({"sheet_name": "about"}, ValueError),
        ({"columns": [("missing", "Missing")], "rows": [{"value": 1}]}, KeyError),
    ],
)
def test_mistakes_are_refused(kwargs, error):
    kwargs = {"columns": [("value", "Value")], "rows": [], **kwargs}
    with pytest.raises(error):
        write_workbook(title="Test", **kwargs)


def test_ten_thousand_rows_write_quickly_and_read_back():
    columns = [
        ("id", "Ticket"), ("provider", "Provider"), ("amount", "Amount"),
        ("opened", "Opened"), ("status", "Status"),
    ]  # fmt: skip
    consumed = 0

    def rows():
        nonlocal consumed
        for number in range(10_000):
            consumed += 1
            yield {
                "id": number,
                "provider": f"=Provider {number}" if number % 100 == 0 else f"Provider {number}",
                "amount": Decimal(number) / 4,
                "opened": datetime(2025, 7, 1, 12, tzinfo=UTC) + timedelta(minutes=number),
                "status": "Open",
            }

    data = export(rows(), columns=columns)  # its speed is measured in bench/, not here

    assert consumed == 10_000
    book = load_workbook(io.BytesIO(data), read_only=True)
    values = list(book["Export"].iter_rows(values_only=True))
    assert len(values) == 10_001
    assert values[1] == (0, "=Provider 0", 0, datetime(2025, 7, 1, 7), "Open")
    assert values[-1][0] == 9_999
    rows_line = [line for line in book[ABOUT_SHEET].iter_rows(values_only=True) if line]
    assert ("Rows", 10_000) in rows_line
    assert not any(FORMULA_ELEMENT.search(xml) for xml in sheet_xml(data).values())


# The response ---------------------------------------------------------------------------


def test_xlsx_response_headers():
    data = export([{"value": "=1+1"}])
    response = xlsx_response(data, "tickets-2025-07-01.xlsx")

    assert response.status_code == 200
    assert response["Content-Type"] == CONTENT_TYPE
    assert response["Content-Disposition"] == 'attachment; filename="tickets-2025-07-01.xlsx"'
    assert response["Cache-Control"] == "private, no-store"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Length"] == str(len(data))
    assert response.content == data


@pytest.mark.parametrize(
    ("given", "sent"),
    [
        ("tickets.xlsx", "tickets.xlsx"),
        ("tickets", "tickets.xlsx"),
        ("Tickets.XLSX", "Tickets.xlsx"),
        ('a"b\r\nSet-Cookie: x.xlsx', "a_b_Set-Cookie_ x.xlsx"),
        ("../../etc/passwd", "_.._etc_passwd.xlsx"),
        ("Résumé Ω.xlsx", "R_sum_ _.xlsx"),
        ("", "export.xlsx"),
        ("...", "export.xlsx"),
    ],
)
def test_filenames_are_made_safe(given, sent):
    assert safe_filename(given) == sent
    assert xlsx_response(b"", given)["Content-Disposition"] == f'attachment; filename="{sent}"'
