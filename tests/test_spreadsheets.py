"""The shared spreadsheet-template machinery (portal.spreadsheets), on a two-column template.

The registration and claims templates have their own tests; these pin down what both
rely on: the package checks (content, not name), the zip-bomb guard, the headings, where
the version is looked for, blank rows, the row limits and the error wording.
"""

import io
import zipfile

import pytest
from openpyxl import Workbook, load_workbook
from openpyxl.packaging.custom import StringProperty
from openpyxl.workbook.defined_name import DefinedName

from portal import spreadsheet_writer, spreadsheets
from portal.spreadsheet_writer import build_workbook
from portal.spreadsheets import (
    TEXT_FORMAT,
    Column,
    SheetSpec,
    TemplateError,
    Validation,
    cell_text,
    read_rows,
    version_marker,
)

SPEC = SheetSpec(
    title="Widget template",
    sheet="Widgets",
    version="W-1",
    columns=(
        Column("code", "Code", "The widget's code.", 10, TEXT_FORMAT,
               Validation("textLength", "equal", "4", None, "A code is 4 characters.")),
        Column("size", "Size", "Its size in inches.", 8),
    ),
    max_rows=3,
    noun="widgets",
    one_row="one widget",
    batch="order",
)  # fmt: skip


def workbook_bytes(rows, *, headers=("Code", "Size"), version="W-1", sheet="Widgets"):
    workbook = Workbook(write_only=True)
    data = workbook.create_sheet(sheet)
    data.append(list(headers))
    for row in rows:
        data.append(row)
    if version is not None:
        workbook.custom_doc_props.append(StringProperty(name="TemplateVersion", value=version))
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def errors(data, filename="", spec=SPEC):
    found = read_rows(data, spec, filename)
    assert not found.rows or not found.errors
    return [str(error) for error in found.errors]


def add_members(data, members):
    buffer = io.BytesIO(data)
    with zipfile.ZipFile(buffer, "a", zipfile.ZIP_DEFLATED) as package:
        for name, content in members.items():
            package.writestr(name, content)
    return buffer.getvalue()


def replace_member(data, name, edit):
    """The package with member ``name`` replaced by ``edit(old_content)``."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as source, zipfile.ZipFile(out, "w") as target:
        for info in source.infolist():
            content = source.read(info)
            target.writestr(info, edit(content) if info.filename == name else content)
    return out.getvalue()


# -- Reading rows ---------------------------------------------------------------------


def test_rows_come_back_raw_with_excel_row_numbers_and_blank_rows_skipped():
    data = workbook_bytes([["AB12", 3], [None, None], ["", "  "], ["CD34"], [None, 4.5]])
    found = read_rows(data, SPEC)
    assert found.errors == []
    assert found.rows == [(2, ("AB12", 3)), (5, ("CD34", None)), (6, (None, 4.5))]
    assert found.rows[0].row_number == 2 and found.rows[0].values == ("AB12", 3)


def test_an_upload_already_read_is_read_from_its_start():
    upload = io.BytesIO(workbook_bytes([["AB12", 3]]))
    upload.read()
    assert read_rows(upload, SPEC).errors == []


def test_the_row_limit_and_the_empty_template_use_the_templates_words():
    assert errors(workbook_bytes([["AB12", 1]] * 4)) == [
        "The template has 4 widgets; at most 3 fit in one order. Split them into several "
        "orders."
    ]
    assert errors(workbook_bytes([])) == [
        "The template has no widgets in it. Enter one widget on each row of the Widgets "
        "sheet, starting at row 2."
    ]


def test_limits_default_from_max_rows():
    assert (SPEC.row_count_limit, SPEC.max_sheet_rows) == (30, 60)


def test_a_sheet_that_goes_on_below_max_sheet_rows_is_refused():
    data = workbook_bytes([["AB12", 1]] + [[]] * 60 + [[" x"]])
    assert errors(data) == [SPEC.sheet_too_long]
    assert "below row 60" in SPEC.sheet_too_long


def test_the_sheet_is_found_despite_case_and_spaces_and_named_when_missing():
    assert errors(workbook_bytes([["AB12", 1]], sheet=" widgets ")) == []
    assert errors(workbook_bytes([["AB12", 1]], sheet="Sheet1")) == [
        'This workbook has no sheet named "Widgets". Download the template again and enter '
        "the widgets on its Widgets sheet."
    ]


# -- The package: by content, not by name ---------------------------------------------


@pytest.mark.parametrize(
    "data",
    [
        b"Code,Size\r\nAB12,3\r\n",  # a CSV
        b"%PDF-1.4\n%%EOF\n",
        b"",
        b"PK\x03\x04 but then nothing",  # a zip signature, not a zip
    ],
)
def test_what_is_not_a_zip_package_is_not_an_xlsx(data):
    assert errors(data, "widgets.xlsx") == [spreadsheets.NOT_XLSX]


def test_a_zip_that_is_not_a_spreadsheet_is_not_an_xlsx():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as package:
        package.writestr("notes.txt", "hello")
    assert errors(buffer.getvalue()) == [spreadsheets.NOT_XLSX]
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as package:
        package.writestr(
            "[Content_Types].xml",
            '<Types><Override ContentType="application/vnd.openxmlformats-officedocument.'
            'wordprocessingml.document.main+xml"/></Types>',
        )
    assert errors(buffer.getvalue()) == [spreadsheets.NOT_XLSX]


def test_ole2_bytes_are_an_old_xls_or_a_password_protected_workbook():
    ole2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(512)
    assert errors(ole2, "widgets.XLS") == [
        spreadsheets.NOT_XLSX + " This is an older .xls workbook."
    ]
    [message] = errors(ole2, "widgets.xlsx")
    assert message.startswith(spreadsheets.NOT_XLSX) and "password" in message


def test_a_real_workbook_with_any_name_is_read():
    assert errors(workbook_bytes([["AB12", 1]]), "widgets.csv") == []


def test_a_file_over_the_upload_limit_is_refused_before_it_is_opened():
    data = b"PK\x03\x04" + bytes(spreadsheets.MAX_UPLOAD_BYTES)
    assert errors(data) == [SPEC.too_large]
    assert "A template of 3 widgets is far smaller" in SPEC.too_large


# -- Macros -----------------------------------------------------------------------------


def test_a_macro_enabled_content_type_is_refused():
    def macro_type(content):
        return content.replace(
            b"</Types>",
            b'<Override PartName="/x" ContentType="application/vnd.ms-excel.sheet.'
            b'macroEnabled.main+xml"/></Types>',
        )

    data = replace_member(workbook_bytes([["AB12", 1]]), "[Content_Types].xml", macro_type)
    assert errors(data) == [spreadsheets.MACRO_ENABLED]


@pytest.mark.parametrize("name", ["xl/vbaProject.bin", "xl/VBAPROJECT.BIN", "other/vbaproject.bin"])
def test_a_vba_part_alone_makes_a_workbook_macro_enabled(name):
    data = add_members(workbook_bytes([["AB12", 1]]), {name: b"\xd0\xcf\x11\xe0"})
    assert errors(data) == [spreadsheets.MACRO_ENABLED]


# -- The zip-bomb guard -----------------------------------------------------------------


def test_a_package_that_unpacks_to_more_than_the_limit_is_not_opened():
    padding = bytes(spreadsheets.MAX_UNPACKED_BYTES)
    data = add_members(workbook_bytes([["AB12", 1]]), {"xl/media/padding.bin": padding})
    assert len(data) < spreadsheets.MAX_UPLOAD_BYTES  # small on disk ...
    assert errors(data) == [SPEC.too_large_unpacked]  # ... huge unpacked


def test_a_package_with_too_many_parts_is_not_opened():
    members = {f"xl/media/{n}.bin": b"" for n in range(spreadsheets.MAX_PACKAGE_MEMBERS)}
    assert errors(add_members(workbook_bytes([["AB12", 1]]), members)) == [
        SPEC.too_large_unpacked
    ]


def test_a_damaged_workbook_is_unreadable_not_an_exception():
    data = replace_member(
        workbook_bytes([["AB12", 1]]), "xl/workbook.xml", lambda _: b"<workbook><sheets>"
    )
    assert errors(data) == [spreadsheets.UNREADABLE]


# -- Headings ---------------------------------------------------------------------------


def test_headings_must_match_exactly_apart_from_surrounding_spaces():
    assert errors(workbook_bytes([["AB12", 1]], headers=(" Code ", "Size "))) == []
    assert errors(workbook_bytes([["AB12", 1]], headers=("code", "Size"))) == [
        'Column A should be "Code" but is "code"; keep the headings in row 1 as they are in '
        "the template."
    ]


def test_every_wrong_heading_is_reported_at_once():
    found = errors(workbook_bytes([["AB12", 1]], headers=("Size", None, "Colour")))
    assert found == [
        'Column A should be "Code" but is "Size"; keep the headings in row 1 as they are in '
        "the template.",
        'Column B should be "Size" but is empty; keep the headings in row 1 as they are in '
        "the template.",
        'Column C has the heading "Colour", which is not in the template; remove that column.',
    ]


def test_a_replaced_headings_step_is_used():
    def no_headings_check(sheet):
        pass

    data = workbook_bytes([["AB12", 1]], headers=("X", "Y"))
    assert read_rows(data, SPEC, check_headers=no_headings_check).errors == []


# -- The version ------------------------------------------------------------------------


def versioned(*, prop=None, name=None, cell=None):
    workbook = Workbook()
    workbook.active.title = "Instructions"
    if cell is not None:
        workbook.active["B2"] = cell
    if prop is not None:
        workbook.custom_doc_props.append(StringProperty(name="TemplateVersion", value=prop))
    if name is not None:
        workbook.defined_names.add(DefinedName("TemplateVersion", attr_text=f'"{name}"'))
    buffer = io.BytesIO()
    workbook.save(buffer)
    return load_workbook(io.BytesIO(buffer.getvalue()), read_only=True)


def test_the_version_is_looked_for_in_the_property_then_the_name_then_the_cell():
    assert version_marker(versioned(prop="P", name="N", cell="C")) == "P"
    assert version_marker(versioned(name="N", cell="C")) == "N"
    assert version_marker(versioned(cell=" C ")) == "C"
    assert version_marker(versioned()) is None
    assert version_marker(versioned(prop="", name=" N ")) == "N"  # an empty property is none


def test_a_missing_or_wrong_version_is_refused_with_the_expected_one():
    assert errors(workbook_bytes([["AB12", 1]], version=None)) == [SPEC.no_version]
    assert "(version W-1)" in SPEC.no_version
    assert errors(workbook_bytes([["AB12", 1]], version="W-0")) == [
        "This template is version W-0; the portal expects version W-1. Download the current "
        "template and copy your widgets into it."
    ]


# -- Errors, results and cell text ------------------------------------------------------


@pytest.mark.parametrize(
    ("error", "text"),
    [
        (TemplateError(7, "Code", "AB1 is too short."), "row 7, Code: AB1 is too short."),
        (TemplateError(3, None, "Same as row 2."), "row 3: Same as row 2."),
        (TemplateError(None, None, "The template is empty."), "The template is empty."),
    ],
)
def test_an_error_reads_row_then_column_then_message(error, text):
    assert str(error) == text


def test_a_result_is_ok_only_without_errors():
    assert spreadsheets.TemplateResult(rows=[1]).ok
    assert not spreadsheets.TemplateResult(errors=[TemplateError(None, None, "x")]).ok


@pytest.mark.parametrize(
    ("value", "text"),
    [(None, ""), (1234567893, "1234567893"), (1234567893.0, "1234567893"), (12.5, "12.5"),
     (True, "True"), ("  AB12 ", "AB12")],
)  # fmt: skip
def test_cell_text(value, text):
    assert cell_text(value) == text


def test_long_values_are_shortened_in_messages():
    assert spreadsheets.shorten("x" * 41) == "x" * 39 + "…"
    assert spreadsheets.shorten("x" * 40) == "x" * 40


def test_read_and_check_turns_a_failing_row_check_into_unreadable():
    def broken(rows):
        raise RuntimeError("a bug")

    result = spreadsheets.read_and_check(workbook_bytes([["AB12", 1]]), SPEC, broken)
    assert [str(e) for e in result.errors] == [spreadsheets.UNREADABLE]


# -- The blank workbook -----------------------------------------------------------------


def test_build_workbook_lays_out_instructions_data_and_lists():
    data = build_workbook(SPEC, ["Fill it in.", "Upload it."], lists=[["a", "b"], ["c"]])
    workbook = load_workbook(io.BytesIO(data))
    assert workbook.sheetnames == ["Instructions", "Widgets", "Lists"]
    instructions = workbook["Instructions"]
    assert (instructions["A1"].value, instructions["B2"].value) == ("Widget template", "W-1")
    assert [instructions["B5"].value, instructions["B6"].value] == ["Fill it in.", "Upload it."]
    assert [instructions["B10"].value, instructions["C10"].value] == ["Code", "The widget's code."]
    sheet = workbook["Widgets"]
    assert [cell.value for cell in sheet[1]] == ["Code", "Size"]
    assert sheet["A4"].number_format == TEXT_FORMAT and sheet["A5"].number_format != TEXT_FORMAT
    [rule] = sheet.data_validations.dataValidation  # none for a column without one
    assert (str(rule.sqref), rule.prompt, rule.promptTitle, rule.formula1) == (
        "A2:A4", "The widget's code.", "Code", "4")  # fmt: skip
    assert [list(row) for row in workbook["Lists"].iter_rows(values_only=True)] == [
        ["a", "b"], ["c", None]]  # fmt: skip
    assert workbook["Lists"].sheet_state == "hidden"
    assert read_rows(data, SPEC).errors == [TemplateError(None, None, SPEC.no_rows)]


def test_without_lists_there_is_no_lists_sheet():
    workbook = load_workbook(io.BytesIO(build_workbook(SPEC, [])))
    assert workbook.sheetnames == ["Instructions", "Widgets"]
    assert spreadsheet_writer.list_range(6) == "Lists!$A$1:$A$6"
