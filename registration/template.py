"""The multiple registration template: one row per provider/facility (SPEC R-REG-5).

The portal serves a blank workbook (``build_blank_template``) and takes it back filled in
(``read_template``). Reading follows the GSA-TTS/FAC intake pattern: check the file as a
package, read the Providers sheet into plain rows, run the small check functions of
``registration.validators`` over every cell, and report every problem at once by row
(as Excel numbers it: the headings are row 1) and column heading::

    row 7, NPI: 1234567890 fails the NPI check digit; check the number on the NPPES record.

``read_template`` never raises for anything a person can upload: a file that is too big,
not a real ``.xlsx``, macro-enabled, a zip bomb, unreadable, the wrong template version,
with changed headings, empty or over the row limit gets one clear file-level error instead.
Nothing is saved here; the caller saves ``TemplateResult.rows`` only when ``ok``.

Safety: the workbook is opened with ``read_only=True, data_only=True``, so a formula is
never evaluated (a formula cell gives the value Excel cached, or blank), and rows are
streamed, never all held in memory. Before openpyxl sees the bytes, the package is checked
from its zip directory: the ``PK`` signature, ``[Content_Types].xml`` naming a
spreadsheet, no VBA project, and at most ``MAX_UNPACKED_BYTES`` once unpacked.
"""

from __future__ import annotations

import contextlib
import io
import logging
import warnings
import zipfile
from dataclasses import dataclass, field
from functools import partial
from typing import NamedTuple

from django.core.exceptions import ValidationError
from openpyxl import Workbook, load_workbook
from openpyxl.packaging.custom import StringProperty
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter
from openpyxl.workbook.defined_name import DefinedName
from openpyxl.worksheet.datavalidation import DataValidation

from registration import validators

log = logging.getLogger(__name__)

__all__ = [
    "COLUMNS",
    "MAX_ROWS",
    "MAX_UPLOAD_BYTES",
    "TEMPLATE_VERSION",
    "Column",
    "ProviderRow",
    "TemplateError",
    "TemplateResult",
    "build_blank_template",
    "read_template",
]

#: The version marker of the current template. Change it whenever the columns or their
#: rules change, so that an old download is refused instead of misread.
TEMPLATE_VERSION = "PRP-REG-2026.1"

#: At most this many providers/facilities in one template (one request). A request covering
#: more is unusual and can be split into several; the limit bounds the memory and time
#: one upload costs, and keeps one request small enough for an admin to review.
MAX_ROWS = 500

#: Counting stops after this many non-blank rows, so that the message can say "612
#: providers" for a near miss without reading a huge file to its end ("more than 5,000").
#: Set it to MAX_ROWS to stop at the first row over the limit.
ROW_COUNT_LIMIT = 10 * MAX_ROWS

#: Rows are read down to this row and no further, blank or not: a sheet that goes on
#: below it is refused, so a file of a million blank rows costs no more than this.
MAX_SHEET_ROWS = 2 * ROW_COUNT_LIMIT

#: The largest upload read. A filled-in template of MAX_ROWS rows is about 40 KB.
MAX_UPLOAD_BYTES = 5 * 1024 * 1024

#: The most the package may unpack to (sum of its members' sizes): the zip-bomb guard.
MAX_UNPACKED_BYTES = 50 * 1024 * 1024

#: The most members a package may hold; the template has about a dozen.
MAX_PACKAGE_MEMBERS = 500

INSTRUCTIONS_SHEET = "Instructions"
PROVIDERS_SHEET = "Providers"
LISTS_SHEET = "Lists"

#: The version is written three times, read in this order: a custom document property,
#: a workbook defined name (both invisible, kept by Excel and LibreOffice), and a cell.
VERSION_NAME = "TemplateVersion"
VERSION_CELL = (2, 2)  # Instructions!B2 (row, column)

#: The longest a legal name or street may be; a city (the model columns).
NAME_MAX_LENGTH = 200
CITY_MAX_LENGTH = 100


class Column(NamedTuple):
    """One column of the Providers sheet."""

    key: str  # the ProviderRow field
    header: str  # the heading in row 1, exactly
    hint: str  # the input message in Excel and the line on the Instructions sheet
    width: int  # the column width in characters


COLUMNS: list[Column] = [
    Column(
        "legal_name", "Legal name",
        "The provider's or facility's legal name, as enrolled with Illinois Medicaid "
        f"(up to {NAME_MAX_LENGTH} characters).",
        40,
    ),
    Column(
        "medicaid_id", "Medicaid (IMPACT) provider ID",
        "The Illinois Medicaid (IMPACT) provider ID: 6 to 15 letters and digits. Required.",
        26,
    ),
    Column(
        "npi", "NPI",
        "The 10-digit National Provider Identifier, e.g. 1234567893. Its check digit "
        "is verified.",
        14,
    ),
    Column(
        "tax_id", "Tax ID (FEIN/TIN)",
        "The 9-digit Federal Employer ID (FEIN) or other Tax ID, e.g. 12-3456789.",
        18,
    ),
    Column(
        "street", "Service location street",
        "The street address where services are provided, e.g. 123 N Main St, Suite 4.",
        40,
    ),
    Column("city", "City", "The city of the service location.", 22),
    Column(
        "state", "State",
        "The two-letter state code of the service location, e.g. IL. Pick it from the list.",
        8,
    ),
    Column(
        "zip_code", "ZIP code",
        "The ZIP code of the service location: 5 digits, or ZIP+4 such as 60601-1234.",
        12,
    ),
]  # fmt: skip

HEADERS = [column.header for column in COLUMNS]
_TEXT_COLUMNS = {"medicaid_id", "npi", "tax_id", "zip_code"}  # kept as text: leading zeros

_CLEANERS = {
    "legal_name": partial(
        validators.clean_required_text, max_length=NAME_MAX_LENGTH, label="legal name"
    ),
    "medicaid_id": validators.clean_medicaid_id,
    "npi": validators.clean_npi,
    "tax_id": validators.clean_tax_id,
    "street": partial(
        validators.clean_required_text,
        max_length=NAME_MAX_LENGTH,
        label="service location street",
    ),
    "city": partial(validators.clean_required_text, max_length=CITY_MAX_LENGTH, label="city"),
    "state": validators.clean_state,
    "zip_code": validators.clean_zip,
}

# (type, operator, formula1, formula2, error shown by Excel) per column.
_EXCEL_RULES = {
    "legal_name": ("textLength", "between", "1", str(NAME_MAX_LENGTH),
                   f"Enter the legal name, up to {NAME_MAX_LENGTH} characters."),
    "medicaid_id": ("textLength", "between", str(validators.MEDICAID_ID_MIN_LENGTH),
                    str(validators.MEDICAID_ID_MAX_LENGTH),
                    "A Medicaid (IMPACT) provider ID has 6 to 15 letters and digits."),
    "npi": ("textLength", "equal", "10", None, "An NPI is exactly 10 digits."),
    "tax_id": ("textLength", "between", "9", "10",
               "A Tax ID is 9 digits, e.g. 123456789 or 12-3456789."),
    "street": ("textLength", "between", "1", str(NAME_MAX_LENGTH),
               f"Enter the street, up to {NAME_MAX_LENGTH} characters."),
    "city": ("textLength", "between", "1", str(CITY_MAX_LENGTH),
             f"Enter the city, up to {CITY_MAX_LENGTH} characters."),
    "state": ("list", None, f"{LISTS_SHEET}!$A$1:$A${len(validators.STATES)}", None,
              "Pick the two-letter state code from the list, e.g. IL."),
    "zip_code": ("textLength", "between", "5", "10",
                 "Enter 5 digits, or ZIP+4 such as 60601-1234."),
}  # fmt: skip


@dataclass(frozen=True)
class ProviderRow:
    """One provider/facility from the template, every field cleaned."""

    row_number: int  # as Excel shows it; the headings are row 1
    legal_name: str
    medicaid_id: str
    npi: str
    tax_id: str
    street: str
    city: str
    state: str
    zip_code: str
    address_key: str  # validators.normalise_address: with tax_id, identifies it (R-FILE-7)


@dataclass(frozen=True)
class TemplateError:
    """One problem: in a cell (row and column), a row (column None) or the file (both None)."""

    row: int | None
    column: str | None
    message: str

    def __str__(self):
        if self.row is None:
            return self.message
        if self.column is None:
            return f"row {self.row}: {self.message}"
        return f"row {self.row}, {self.column}: {self.message}"


@dataclass
class TemplateResult:
    """What ``read_template`` found: the rows that passed every check, and every problem.

    ``rows`` holds only rows without errors of their own; act on them only when ``ok``.
    """

    rows: list[ProviderRow] = field(default_factory=list)
    errors: list[TemplateError] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors


# -- The blank template ---------------------------------------------------------------


def build_blank_template() -> bytes:
    """The blank template as the bytes of an ``.xlsx`` (R-REG-5).

    Sheets: "Instructions" (first and active: steps, one line per column, the row limit,
    the version in B2), "Providers" (one bold, frozen heading row; on rows 2 to
    MAX_ROWS + 1 of each column an Excel data validation with an input message, text
    format for the ID and ZIP columns) and the hidden "Lists" (the state codes).
    The version is also a custom document property and a defined name, ``VERSION_NAME``.
    """
    workbook = Workbook()
    _write_instructions(workbook.active)
    _write_providers(workbook.create_sheet(PROVIDERS_SHEET))
    lists = workbook.create_sheet(LISTS_SHEET)
    for row, (code, name) in enumerate(validators.STATES.items(), start=1):
        lists.cell(row=row, column=1, value=code)
        lists.cell(row=row, column=2, value=name)
    lists.sheet_state = "hidden"

    workbook.properties.title = "Multiple registration template"
    workbook.properties.creator = "Provider Resolution Portal"
    workbook.custom_doc_props.append(StringProperty(name=VERSION_NAME, value=TEMPLATE_VERSION))
    workbook.defined_names.add(DefinedName(VERSION_NAME, attr_text=f'"{TEMPLATE_VERSION}"'))
    workbook.active = 0

    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _write_instructions(sheet):
    sheet.title = INSTRUCTIONS_SHEET
    sheet.column_dimensions["A"].width = 8
    sheet.column_dimensions["B"].width = 32
    sheet.column_dimensions["C"].width = 90
    bold = Font(bold=True)
    sheet["A1"] = "Multiple registration template"
    sheet["A1"].font = Font(bold=True, size=14)
    sheet["A2"] = "Version"
    row, column = VERSION_CELL
    sheet.cell(row=row, column=column, value=TEMPLATE_VERSION)

    steps = [
        "Enter one provider or facility on each row of the Providers sheet, starting at "
        "row 2. Leave the headings in row 1 as they are.",
        "Fill in every column; the table below says what each one needs.",
        f"At most {MAX_ROWS} providers or facilities fit in one template. For more, "
        "split them into several requests.",
        "A provider or facility is identified by its Tax ID and service location "
        "address: list each one once.",
        "Do not rename the sheets or add, remove or reorder columns.",
        "Save the file as an Excel Workbook (.xlsx), not .xls, .csv or a macro-enabled "
        "workbook, and upload it on the registration page.",
        "Every row is checked when you upload. If something needs fixing, the portal "
        "lists every problem by row and column; fix them all and upload the file again.",
    ]
    sheet["A4"] = "How to fill it in"
    sheet["A4"].font = bold
    for number, text in enumerate(steps, start=1):
        sheet.cell(row=4 + number, column=1, value=f"{number}.")
        sheet.cell(row=4 + number, column=2, value=text)

    top = 4 + len(steps) + 2
    sheet.cell(row=top, column=1, value="What to enter in each column").font = bold
    for index, heading in enumerate(["Column", "Heading", "What to enter"], start=1):
        sheet.cell(row=top + 1, column=index, value=heading).font = bold
    for offset, column in enumerate(COLUMNS, start=2):
        sheet.cell(row=top + offset, column=1, value=get_column_letter(offset - 1))
        sheet.cell(row=top + offset, column=2, value=column.header)
        hint = sheet.cell(row=top + offset, column=3, value=column.hint)
        hint.alignment = Alignment(wrap_text=True, vertical="top")


def _write_providers(sheet):
    last_row = MAX_ROWS + 1
    for index, column in enumerate(COLUMNS, start=1):
        letter = get_column_letter(index)
        heading = sheet.cell(row=1, column=index, value=column.header)
        heading.font = Font(bold=True)
        dimension = sheet.column_dimensions[letter]
        dimension.width = column.width
        if column.key in _TEXT_COLUMNS:
            dimension.number_format = "@"
            for row in range(2, last_row + 1):
                sheet.cell(row=row, column=index).number_format = "@"

        kind, operator, formula1, formula2, error = _EXCEL_RULES[column.key]
        rule = DataValidation(
            type=kind,
            operator=operator,
            formula1=formula1,
            formula2=formula2,
            allow_blank=True,
            showErrorMessage=True,
            showInputMessage=True,
            errorStyle="stop",
            errorTitle=column.header[:32],
            error=error,
            promptTitle=column.header[:32],
            prompt=column.hint[:255],
        )
        sheet.add_data_validation(rule)
        rule.add(f"{letter}2:{letter}{last_row}")
    sheet.freeze_panes = "A2"


# -- Reading a filled-in template -----------------------------------------------------

NOT_XLSX = (
    "This file is not an Excel workbook (.xlsx). Download the template again and save it as .xlsx."
)
TOO_LARGE = (
    f"This file is larger than {MAX_UPLOAD_BYTES // (1024 * 1024)} MB, the most the portal "
    f"accepts. A template of {MAX_ROWS} providers is far smaller: remove pictures and "
    "other sheets, or split the providers into several requests."
)
TOO_LARGE_UNPACKED = (
    f"This workbook unpacks to more than {MAX_UNPACKED_BYTES // (1024 * 1024)} MB, far more "
    "than the template needs, so it was not opened. Download the template again and copy "
    "only the providers into it."
)
MACRO_ENABLED = (
    "This is a macro-enabled workbook (.xlsm). Macro-enabled workbooks are not accepted: "
    "download the template again and save it as Excel Workbook (.xlsx)."
)
UNREADABLE = (
    "This workbook could not be read; it may be damaged. Open it in Excel, save it as "
    "Excel Workbook (.xlsx) and upload it again, or download the template again."
)
NO_PROVIDERS = (
    "The template has no providers in it. Enter one provider or facility on each row of "
    "the Providers sheet, starting at row 2."
)

SHEET_TOO_LONG = (
    f"The Providers sheet goes on below row {MAX_SHEET_ROWS:,}, far past where a template "
    f"of {MAX_ROWS} providers ends. Delete the rows below your providers, even ones that "
    "look empty, and upload the file again."
)

_ZIP_MAGIC = b"PK\x03\x04"
_OLE2_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_CONTENT_TYPES = "[Content_Types].xml"
_SPREADSHEET_TYPES = (
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.template.main+xml",
)


class _Refused(Exception):
    """A file-level problem: ``read_template`` turns it into its errors."""

    def __init__(self, *messages):
        super().__init__(messages[0])
        self.messages = messages


def read_template(fileobj, filename: str = "") -> TemplateResult:
    """Check a filled-in template and return its cleaned rows and every problem (R-REG-5).

    ``fileobj`` is a binary file object (a Django ``UploadedFile``, an open file, a
    ``BytesIO``) or ``bytes``. ``filename`` only sharpens the wording of a message; the
    content decides. Never raises for a bad upload: a file-level problem is one error
    with ``row=None`` (headings: one per wrong column), returned with no rows.
    """
    try:
        data = _read_bounded(fileobj)
        _check_package(data, filename)
        return _read_workbook(data)
    except _Refused as refused:
        return TemplateResult(errors=[TemplateError(None, None, m) for m in refused.messages])
    except Exception:  # a damaged file must never become a server error
        log.warning("Registration template %r could not be read", filename, exc_info=True)
        return TemplateResult(errors=[TemplateError(None, None, UNREADABLE)])


def _read_bounded(fileobj) -> bytes:
    if isinstance(fileobj, bytes | bytearray | memoryview):
        data = bytes(fileobj[: MAX_UPLOAD_BYTES + 1])
    else:
        with contextlib.suppress(AttributeError, OSError, ValueError):
            fileobj.seek(0)  # a form may have read it already
        data = fileobj.read(MAX_UPLOAD_BYTES + 1)
    if len(data) > MAX_UPLOAD_BYTES:
        raise _Refused(TOO_LARGE)
    return data


def _check_package(data: bytes, filename: str):
    """Refuse what is not a plain .xlsx package, judging by content, not by name."""
    if data.startswith(_OLE2_MAGIC):
        if filename.lower().endswith(".xls"):
            raise _Refused(NOT_XLSX + " This is an older .xls workbook.")
        raise _Refused(
            NOT_XLSX + " It looks like an older .xls workbook, or a workbook protected "
            "with a password: remove the password before saving."
        )
    if not data.startswith(_ZIP_MAGIC):
        raise _Refused(NOT_XLSX)
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as package:
            members = package.infolist()
            if len(members) > MAX_PACKAGE_MEMBERS:
                raise _Refused(TOO_LARGE_UNPACKED)
            if sum(member.file_size for member in members) > MAX_UNPACKED_BYTES:
                raise _Refused(TOO_LARGE_UNPACKED)
            names = [member.filename.lower() for member in members]
            if _CONTENT_TYPES.lower() not in names:
                raise _Refused(NOT_XLSX)
            content_types = package.read(_CONTENT_TYPES).decode("utf-8", "replace")
    except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError, KeyError, ValueError):
        raise _Refused(NOT_XLSX) from None
    lowered = content_types.lower()
    if (
        "macroenabled" in lowered
        or "vbaproject" in lowered
        or any(name.endswith("vbaproject.bin") for name in names)
    ):
        raise _Refused(MACRO_ENABLED)
    if not any(kind in content_types for kind in _SPREADSHEET_TYPES):
        raise _Refused(NOT_XLSX)


def _read_workbook(data: bytes) -> TemplateResult:
    with warnings.catch_warnings():
        # openpyxl warns about parts it drops (e.g. Excel's extensions); they don't matter.
        warnings.simplefilter("ignore")
        try:
            workbook = load_workbook(
                io.BytesIO(data), read_only=True, data_only=True, keep_links=False
            )
        except Exception:
            log.info("openpyxl could not open a registration template", exc_info=True)
            raise _Refused(UNREADABLE) from None
        try:
            sheet = _providers_sheet(workbook)
            _check_version(workbook)
            sheet.reset_dimensions()  # never trust the file's stated size; stream to the end
            _check_headers(sheet)
            return _read_rows(sheet)
        finally:
            workbook.close()


def _providers_sheet(workbook):
    if PROVIDERS_SHEET in workbook.sheetnames:
        return workbook[PROVIDERS_SHEET]
    for name in workbook.sheetnames:
        if name.strip().lower() == PROVIDERS_SHEET.lower():
            return workbook[name]
    raise _Refused(
        f'This workbook has no sheet named "{PROVIDERS_SHEET}". Download the template '
        f"again and enter the providers on its {PROVIDERS_SHEET} sheet."
    )


def _version_marker(workbook) -> str | None:
    """The template version the workbook carries, from the first place that has one."""
    if VERSION_NAME in workbook.custom_doc_props.names:
        value = workbook.custom_doc_props[VERSION_NAME].value
        if value:
            return str(value).strip()
    defined = workbook.defined_names.get(VERSION_NAME)
    if defined is not None and defined.attr_text:
        return defined.attr_text.strip().strip('"').strip()
    if INSTRUCTIONS_SHEET in workbook.sheetnames:
        row, column = VERSION_CELL
        instructions = workbook[INSTRUCTIONS_SHEET]
        for values in instructions.iter_rows(
            min_row=row, max_row=row, min_col=column, max_col=column, values_only=True
        ):
            if values and values[0] is not None and str(values[0]).strip():
                return str(values[0]).strip()
    return None


def _check_version(workbook):
    found = _version_marker(workbook)
    if found is None:
        raise _Refused(
            "This workbook has no template version, so it is not the portal's current "
            f"template (version {TEMPLATE_VERSION}). Download the current template and "
            "copy your providers into it."
        )
    if found != TEMPLATE_VERSION:
        raise _Refused(
            f"This template is version {validators.shorten(found)}; the portal expects "
            f"version {TEMPLATE_VERSION}. Download the current template and copy your "
            "providers into it."
        )


def _check_headers(sheet):
    header = next(sheet.iter_rows(min_row=1, max_row=1, values_only=True), ()) or ()
    problems = []
    for index in range(max(len(HEADERS), len(header))):
        letter = get_column_letter(index + 1)
        found = validators.as_text(header[index]) if index < len(header) else ""
        if index >= len(HEADERS):
            if found:
                problems.append(
                    f'Column {letter} has the heading "{validators.shorten(found)}", which '
                    "is not in the template; remove that column."
                )
            continue
        expected = HEADERS[index]
        if found == expected:
            continue
        shown = f'"{validators.shorten(found)}"' if found else "empty"
        problems.append(
            f'Column {letter} should be "{expected}" but is {shown}; keep the headings '
            "in row 1 as they are in the template."
        )
    if problems:
        raise _Refused(*problems)


def _is_blank(value) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _data_rows(sheet):
    """(row number, values) for each non-blank row below the headings, streamed; then
    (row number, None) if the sheet goes on below MAX_SHEET_ROWS."""
    rows = sheet.iter_rows(min_row=2, max_col=len(COLUMNS), values_only=True)
    for row_number, values in enumerate(rows, start=2):
        if row_number > MAX_SHEET_ROWS:
            yield row_number, None
            return
        if not all(_is_blank(value) for value in values):
            yield row_number, values


def _read_rows(sheet) -> TemplateResult:
    raw_rows = []
    count = 0
    cut_short = False
    for row_number, values in _data_rows(sheet):
        if values is None:
            cut_short = True
            break
        count += 1
        if count <= MAX_ROWS:
            raw_rows.append((row_number, values))
            continue
        raw_rows.clear()  # over the limit: nothing more is kept, only counted
        if count > ROW_COUNT_LIMIT:
            break
    if count > MAX_ROWS:
        if count > ROW_COUNT_LIMIT:
            how_many = f"more than {ROW_COUNT_LIMIT:,}"
        elif cut_short:
            how_many = f"at least {count:,}"
        else:
            how_many = f"{count:,}"
        raise _Refused(
            f"The template has {how_many} providers; at most {MAX_ROWS} fit in one "
            "request. Split them into several requests."
        )
    if cut_short:
        raise _Refused(SHEET_TOO_LONG)
    if count == 0:
        raise _Refused(NO_PROVIDERS)

    result = TemplateResult()
    # R-FILE-7: a provider/facility is its Tax ID + service location. One organisation NPI
    # may serve several locations, so a repeated NPI alone is not a duplicate.
    first_location: dict[tuple[str, str], int] = {}
    for row_number, values in raw_rows:
        cleaned, errors = _clean_row(row_number, values)
        address_key = _address_key(cleaned)
        if address_key is not None:
            location = (cleaned["tax_id"], address_key)
            if location in first_location:
                errors.append(
                    TemplateError(
                        row_number,
                        None,
                        "Same Tax ID and service location address as row "
                        f"{first_location[location]}; list each provider or facility once.",
                    )
                )
            else:
                first_location[location] = row_number
        result.errors.extend(errors)
        if len(cleaned) == len(COLUMNS):
            result.rows.append(
                ProviderRow(row_number=row_number, address_key=address_key, **cleaned)
            )
    return result


def _clean_row(row_number, values):
    """The row's cleaned fields (only those that passed) and its errors, column by column."""
    cleaned, errors = {}, []
    for column, value in zip(COLUMNS, values, strict=False):
        try:
            cleaned[column.key] = _CLEANERS[column.key](value)
        except ValidationError as error:
            for message in error.messages:
                errors.append(TemplateError(row_number, column.header, message))
    return cleaned, errors


def _address_key(cleaned) -> str | None:
    """The row's address key (R-FILE-7), when its Tax ID and address all passed."""
    needed = ("tax_id", "street", "city", "state", "zip_code")
    if not all(key in cleaned for key in needed):
        return None
    return validators.normalise_address(
        cleaned["street"], cleaned["city"], cleaned["state"], cleaned["zip_code"]
    )
