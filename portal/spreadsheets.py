"""Spreadsheet templates: the blank ``.xlsx`` the portal serves and the filled-in one it reads.

Each template (the multiple registration template, R-REG-5; the Complaints/Claims-Issue
template, R-FILE-6) describes its data sheet once as a ``SheetSpec``; this module does the
rest the same way for all of them. ``portal.spreadsheet_writer.build_workbook`` writes the
blank workbook (an Instructions sheet, the data sheet with formats, drop-down lists and
input messages, the version in a document property, a defined name and a cell).
``read_rows`` takes it back in the GSA-TTS/FAC way: check the file as a package, then read
the data sheet into plain rows of raw values with their Excel row numbers, blank rows
skipped; the template module runs its own checks over them and reports every problem at
once as a ``TemplateError``
("row 7, NPI: 1234567890 fails ..."). ``read_and_check`` does both and never raises.

A file that is too big, not a real ``.xlsx`` (judged by content, not name),
macro-enabled, a zip bomb, unreadable, of the wrong version, with changed headings, empty
or over the row limit gives file-level errors (``row`` None) and no rows. Before openpyxl
sees the bytes the package is checked from its zip directory; the workbook is opened
``read_only=True, data_only=True`` (a formula is never evaluated: its cell gives the value
Excel cached, or blank), rows are streamed, and reading stops at ``spec.max_sheet_rows``
whatever size the sheet claims.
"""

from __future__ import annotations

import contextlib
import io
import logging
import re
import traceback
import warnings
import zipfile
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Generic, NamedTuple, TypeVar

from django.core.exceptions import ValidationError
from openpyxl import load_workbook
from openpyxl.utils import get_column_letter

from portal.uploads import has_macros

log = logging.getLogger(__name__)

__all__ = [
    "INSTRUCTIONS_SHEET", "LISTS_SHEET", "MACRO_ENABLED", "MAX_PACKAGE_MEMBERS",
    "MAX_UNPACKED_BYTES", "MAX_UPLOAD_BYTES", "NOT_XLSX", "TEXT_FORMAT", "UNREADABLE",
    "VERSION_CELL", "VERSION_NAME",
    "Column", "RawRow", "Refused", "SheetRows", "SheetSpec", "TemplateError", "TemplateResult",
    "Validation",
    "cell_text", "check_headers", "check_package", "check_version",
    "collect_rows", "data_rows", "find_sheet", "is_blank", "read_and_check",
    "read_bounded", "read_rows", "shorten", "version_marker",
]  # fmt: skip

#: The largest upload read. A filled-in template of a few hundred rows is about 40 KB.
MAX_UPLOAD_BYTES = 5 * 1024 * 1024

#: The most a package may unpack to (sum of its members' sizes): the zip-bomb guard.
MAX_UNPACKED_BYTES = 50 * 1024 * 1024

#: The most members a package may hold; a template has about a dozen.
MAX_PACKAGE_MEMBERS = 500

INSTRUCTIONS_SHEET = "Instructions"
LISTS_SHEET = "Lists"

#: The version is written three times, read in this order: a custom document property,
#: a workbook defined name (both invisible, kept by Excel and LibreOffice), and a cell.
VERSION_NAME = "TemplateVersion"
VERSION_CELL = (2, 2)  # Instructions!B2 (row, column)

#: Excel's "Text" number format: what is typed stays as typed (leading zeros kept).
TEXT_FORMAT = "@"

#: A value echoed back in a message is cut to this many characters.
_SHOWN_MAX = 40

_MB = 1024 * 1024

NOT_XLSX = (
    "This file is not an Excel workbook (.xlsx). Download the template again and save it as .xlsx."
)
MACRO_ENABLED = (
    "This is a macro-enabled workbook (.xlsm). Macro-enabled workbooks are not accepted: "
    "download the template again and save it as Excel Workbook (.xlsx)."
)
UNREADABLE = (
    "This workbook could not be read; it may be damaged. Open it in Excel, save it as "
    "Excel Workbook (.xlsx) and upload it again, or download the template again."
)


# -- Describing a template ------------------------------------------------------------


class Validation(NamedTuple):
    """An Excel data validation: what Excel itself refuses while the person types."""

    type: str  # "textLength", "list", "date", "decimal", ...
    operator: str | None  # "between", "equal", "greaterThanOrEqual", ... (None for a list)
    formula1: str | None
    formula2: str | None
    error: str  # the message Excel shows when it refuses a value


class Column(NamedTuple):
    """One column of a template's data sheet."""

    key: str  # the row field it fills
    header: str  # the heading in row 1, exactly
    hint: str  # the input message in Excel and the line on the Instructions sheet
    width: int  # the column width in characters
    number_format: str | None = None  # e.g. TEXT_FORMAT, "m/d/yyyy"; None: Excel's General
    validation: Validation | None = None


@dataclass(frozen=True)
class SheetSpec:
    """A template's data sheet, and the words its messages use for its rows.

    ``noun`` is what a row is, plural ("providers"); ``one_row`` how the instructions say
    one row ("one provider or facility"); ``batch`` what one template is filed as
    ("request"). Messages read e.g. "The template has 501 providers; at most 500 fit in
    one request. Split them into several requests."
    """

    title: str  # "Multiple registration template": Instructions!A1 and the file's title
    sheet: str  # the data sheet's name, e.g. "Providers"
    version: str
    columns: tuple[Column, ...]
    max_rows: int
    noun: str
    one_row: str
    batch: str
    #: Counting stops after this many non-blank rows, so that a near miss can be told
    #: "612 providers" without reading a huge file to its end. Default: 10 * max_rows.
    row_count_limit: int = 0
    #: Rows are read down to this row and no further, blank or not: a sheet that goes on
    #: below it is refused, so a million blank rows cost no more. Default: 2 * the above.
    max_sheet_rows: int = 0

    def __post_init__(self):
        object.__setattr__(self, "columns", tuple(self.columns))
        if not self.row_count_limit:
            object.__setattr__(self, "row_count_limit", 10 * self.max_rows)
        if not self.max_sheet_rows:
            object.__setattr__(self, "max_sheet_rows", 2 * self.row_count_limit)

    @property
    def headers(self) -> list[str]:
        return [column.header for column in self.columns]

    # The file-level messages, in this template's words.

    @property
    def too_large(self) -> str:
        return (
            f"This file is larger than {MAX_UPLOAD_BYTES // _MB} MB, the most the portal "
            f"accepts. A template of {self.max_rows} {self.noun} is far smaller: remove "
            f"pictures and other sheets, or split the {self.noun} into several {self.batch}s."
        )

    @property
    def too_large_unpacked(self) -> str:
        return (
            f"This workbook unpacks to more than {MAX_UNPACKED_BYTES // _MB} MB, far more "
            "than the template needs, so it was not opened. Download the template again "
            f"and copy only the {self.noun} into it."
        )

    @property
    def no_rows(self) -> str:
        return (
            f"The template has no {self.noun} in it. Enter {self.one_row} on each row of "
            f"the {self.sheet} sheet, starting at row 2."
        )

    @property
    def sheet_too_long(self) -> str:
        return (
            f"The {self.sheet} sheet goes on below row {self.max_sheet_rows:,}, far past "
            f"where a template of {self.max_rows} {self.noun} ends. Delete the rows below "
            f"your {self.noun}, even ones that look empty, and upload the file again."
        )

    @property
    def missing_sheet(self) -> str:
        return (
            f'This workbook has no sheet named "{self.sheet}". Download the template '
            f"again and enter the {self.noun} on its {self.sheet} sheet."
        )

    @property
    def no_version(self) -> str:
        return (
            "This workbook has no template version, so it is not the portal's current "
            f"template (version {self.version}). Download the current template and "
            f"copy your {self.noun} into it."
        )

    def wrong_version(self, found: str) -> str:
        return (
            f"This template is version {shorten(found)}; the portal expects version "
            f"{self.version}. Download the current template and copy your {self.noun} "
            "into it."
        )

    def too_many_rows(self, how_many: str) -> str:
        return (
            f"The template has {how_many} {self.noun}; at most {self.max_rows} fit in one "
            f"{self.batch}. Split them into several {self.batch}s."
        )


# -- Errors and results ---------------------------------------------------------------


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


RowT = TypeVar("RowT")


@dataclass
class TemplateResult(Generic[RowT]):
    """What reading a template found: the rows that passed every check, and every problem.

    ``rows`` holds only rows without errors of their own; act on them only when ``ok``.
    """

    rows: list[RowT] = field(default_factory=list)
    errors: list[TemplateError] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors


class RawRow(NamedTuple):
    """A non-blank row of the data sheet as openpyxl gives it: raw cell values."""

    row_number: int  # as Excel shows it; the headings are row 1
    values: tuple


class SheetRows(NamedTuple):
    """What ``read_rows`` found: the rows, or the file-level errors (then no rows)."""

    rows: list[RawRow]
    errors: list[TemplateError]


class Refused(Exception):
    """A file-level problem found by one of the steps; ``read_rows`` returns its messages."""

    def __init__(self, *messages: str):
        super().__init__(messages[0])
        self.messages = messages


# -- Cell values ----------------------------------------------------------------------


def cell_text(value) -> str:
    """A cell value as stripped text; Excel's numbers lose their ``.0``.

    ``None`` is ``""``; an int is its digits; a float that is a whole number is its digits
    (1234567893.0 -> "1234567893"), any other float its ``repr``; a bool is "True" or
    "False", so that it fails the check that follows rather than passing as 1.
    """
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if value.is_integer():
            return str(int(value))
        return repr(value)
    return str(value).strip()


def shorten(text: str) -> str:
    """Text as the person typed it, cut to 40 characters for a message."""
    if len(text) > _SHOWN_MAX:
        return text[: _SHOWN_MAX - 1] + "…"
    return text


def is_blank(value) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


_ID_SEPARATORS = re.compile(r"[\s\-]+")


def clean_nine_digits(value, *, missing: str, not_nine: str, code: str) -> str:
    """A nine-digit identifier (a Tax ID, a member's RIN) as its 9 digits, or a
    ``ValidationError`` with ``missing`` (blank) or ``not_nine`` (anything else; ``{value}``
    in it is the value as typed, shortened) and the code ``{code}_required`` or
    ``{code}_format``.

    Spaces and dashes are ignored. A whole number of 7 or 8 digits (Excel drops leading
    zeros: 012345678 becomes 12345678) is zero-padded back to 9; a shorter number is
    refused, since padding it would name another provider or member.
    """
    if isinstance(value, float) and value.is_integer() and value >= 0:
        value = int(value)
    if isinstance(value, int) and not isinstance(value, bool) and 7 <= len(str(value)) <= 8:
        value = str(value).zfill(9)  # a negative number has a "-" and stays refused
    text = cell_text(value)
    if not text:
        raise ValidationError(missing, code=f"{code}_required")
    digits = _ID_SEPARATORS.sub("", text)
    if not (digits.isascii() and digits.isdigit() and len(digits) == 9):
        raise ValidationError(not_nine.format(value=shorten(text)), code=f"{code}_format")
    return digits


# -- Reading a filled-in template -----------------------------------------------------

_ZIP_MAGIC = b"PK\x03\x04"
_OLE2_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_CONTENT_TYPES = "[Content_Types].xml"
_SPREADSHEET_TYPES = (
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.template.main+xml",
)

CheckRows = Callable[[list[RawRow]], TemplateResult]


def read_and_check(
    fileobj,
    spec: SheetSpec,
    check_rows: CheckRows,
    *,
    filename: str = "",
    result_type: type[TemplateResult] = TemplateResult,
    **steps,
) -> TemplateResult:
    """``read_rows``, then ``check_rows(rows)`` (the template's own row checks, returning
    a ``result_type``). Never raises: a file-level problem is returned as errors with no
    rows, and an unexpected failure anywhere as ``UNREADABLE`` (and logged)."""
    try:
        found = read_rows(fileobj, spec, filename, **steps)
        if found.errors:
            return result_type(errors=found.errors)
        return check_rows(found.rows)
    except Exception as error:  # a damaged file must never become a server error
        # Neither the file's name nor the error's text (which can quote a cell) is logged:
        # both may be PHI (issue 10). The size, the error's type and its frames find the bug.
        log.warning("%s could not be read (%s bytes): %s\n%s", spec.title,
                    getattr(fileobj, "size", "?"), type(error).__name__,
                    "".join(traceback.format_tb(error.__traceback__)).rstrip())
        return result_type(errors=[TemplateError(None, None, UNREADABLE)])


def read_rows(
    fileobj,
    spec: SheetSpec,
    filename: str = "",
    *,
    check_headers: Callable | None = None,
    data_rows: Callable | None = None,
) -> SheetRows:
    """The template's non-blank data rows, or its file-level errors.

    ``fileobj`` is a binary file object (a Django ``UploadedFile``, an open file, a
    ``BytesIO``) or ``bytes``. ``filename`` only sharpens the wording of a message; the
    content decides. A file-level problem is one error with ``row=None`` (headings: one
    per wrong column), returned with no rows. ``check_headers(sheet)`` and
    ``data_rows(sheet)`` replace the steps of the same names, for a template module that
    keeps its own seams; by default they are this module's, with ``spec``.
    An unexpected failure raises; ``read_and_check`` turns it into ``UNREADABLE``.
    """
    try:
        data = read_bounded(fileobj, spec)
        check_package(data, filename, spec)
        with _open_workbook(data) as workbook:
            sheet = find_sheet(workbook, spec)
            check_version(workbook, spec)
            sheet.reset_dimensions()  # never trust the file's stated size; stream to the end
            if check_headers is None:
                _default_check_headers(sheet, spec)
            else:
                check_headers(sheet)
            rows = _default_data_rows(sheet, spec) if data_rows is None else data_rows(sheet)
            return SheetRows(collect_rows(rows, spec), [])
    except Refused as refused:
        return SheetRows([], [TemplateError(None, None, m) for m in refused.messages])


def read_bounded(fileobj, spec: SheetSpec) -> bytes:
    """The upload's bytes, from its start; refused if over ``MAX_UPLOAD_BYTES``."""
    if isinstance(fileobj, bytes | bytearray | memoryview):
        data = bytes(fileobj[: MAX_UPLOAD_BYTES + 1])
    else:
        with contextlib.suppress(AttributeError, OSError, ValueError):
            fileobj.seek(0)  # a form may have read it already
        data = fileobj.read(MAX_UPLOAD_BYTES + 1)
    if len(data) > MAX_UPLOAD_BYTES:
        raise Refused(spec.too_large)
    return data


def check_package(data: bytes, filename: str, spec: SheetSpec):
    """Refuse what is not a plain .xlsx package, judging by content, not by name."""
    if data.startswith(_OLE2_MAGIC):
        if filename.lower().endswith(".xls"):
            raise Refused(NOT_XLSX + " This is an older .xls workbook.")
        raise Refused(
            NOT_XLSX + " It looks like an older .xls workbook, or a workbook protected "
            "with a password: remove the password before saving."
        )
    if not data.startswith(_ZIP_MAGIC):
        raise Refused(NOT_XLSX)
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as package:
            members = package.infolist()
            if len(members) > MAX_PACKAGE_MEMBERS:
                raise Refused(spec.too_large_unpacked)
            if sum(member.file_size for member in members) > MAX_UNPACKED_BYTES:
                raise Refused(spec.too_large_unpacked)
            names = [member.filename.lower() for member in members]
            if _CONTENT_TYPES.lower() not in names:
                raise Refused(NOT_XLSX)
            content_types = package.read(_CONTENT_TYPES).decode("utf-8", "replace")
    except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError, KeyError, ValueError):
        raise Refused(NOT_XLSX) from None
    if has_macros(names, content_types):
        raise Refused(MACRO_ENABLED)
    if not any(kind in content_types for kind in _SPREADSHEET_TYPES):
        raise Refused(NOT_XLSX)


@contextlib.contextmanager
def _open_workbook(data: bytes):
    with warnings.catch_warnings():
        # openpyxl warns about parts it drops (e.g. Excel's extensions); they don't matter.
        warnings.simplefilter("ignore")
        try:
            workbook = load_workbook(
                io.BytesIO(data), read_only=True, data_only=True, keep_links=False
            )
        except Exception:
            log.info("openpyxl could not open a workbook", exc_info=True)
            raise Refused(UNREADABLE) from None
        try:
            yield workbook
        finally:
            workbook.close()


def find_sheet(workbook, spec: SheetSpec):
    """The data sheet, by its name; surrounding spaces and case are forgiven."""
    if spec.sheet in workbook.sheetnames:
        return workbook[spec.sheet]
    for name in workbook.sheetnames:
        if name.strip().lower() == spec.sheet.lower():
            return workbook[name]
    raise Refused(spec.missing_sheet)


def version_marker(workbook) -> str | None:
    """The template version the workbook carries, from the first place that has one:
    the custom document property, the defined name, then Instructions!B2."""
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


def check_version(workbook, spec: SheetSpec):
    found = version_marker(workbook)
    if found is None:
        raise Refused(spec.no_version)
    if found != spec.version:
        raise Refused(spec.wrong_version(found))


def check_headers(sheet, spec: SheetSpec):
    """Row 1 must hold ``spec.headers`` exactly (surrounding spaces forgiven) and nothing
    after them: one message per wrong column."""
    expected_headers = spec.headers
    header = next(sheet.iter_rows(min_row=1, max_row=1, values_only=True), ()) or ()
    problems = []
    for index in range(max(len(expected_headers), len(header))):
        letter = get_column_letter(index + 1)
        found = cell_text(header[index]) if index < len(header) else ""
        if index >= len(expected_headers):
            if found:
                problems.append(
                    f'Column {letter} has the heading "{shorten(found)}", which '
                    "is not in the template; remove that column."
                )
            continue
        expected = expected_headers[index]
        if found == expected:
            continue
        shown = f'"{shorten(found)}"' if found else "empty"
        problems.append(
            f'Column {letter} should be "{expected}" but is {shown}; keep the headings '
            "in row 1 as they are in the template."
        )
    if problems:
        raise Refused(*problems)


def data_rows(sheet, spec: SheetSpec) -> Iterator[tuple[int, tuple | None]]:
    """(row number, values) for each non-blank row below the headings, streamed, values
    padded to one per column; then (row number, None) if the sheet goes on below
    ``spec.max_sheet_rows``."""
    width = len(spec.columns)
    rows = sheet.iter_rows(min_row=2, max_col=width, values_only=True)
    for row_number, values in enumerate(rows, start=2):
        if row_number > spec.max_sheet_rows:
            yield row_number, None
            return
        if not all(is_blank(value) for value in values):
            yield row_number, tuple(values) + (None,) * (width - len(values))


# read_rows's default steps, under names its parameters do not hide.
_default_check_headers = check_headers
_default_data_rows = data_rows


def collect_rows(rows: Iterable[tuple[int, tuple | None]], spec: SheetSpec) -> list[RawRow]:
    """The rows of ``data_rows``, refused if there are none, more than ``spec.max_rows``
    or the sheet goes on too far. Over the limit, rows are only counted, not kept, and
    counting stops after ``spec.row_count_limit``."""
    kept: list[RawRow] = []
    count = 0
    cut_short = False
    for row_number, values in rows:
        if values is None:
            cut_short = True
            break
        count += 1
        if count <= spec.max_rows:
            kept.append(RawRow(row_number, values))
            continue
        kept.clear()  # over the limit: nothing more is kept, only counted
        if count > spec.row_count_limit:
            break
    if count > spec.max_rows:
        if count > spec.row_count_limit:
            how_many = f"more than {spec.row_count_limit:,}"
        elif cut_short:
            how_many = f"at least {count:,}"
        else:
            how_many = f"{count:,}"
        raise Refused(spec.too_many_rows(how_many))
    if cut_short:
        raise Refused(spec.sheet_too_long)
    if count == 0:
        raise Refused(spec.no_rows)
    return kept


#: A template's problems listed on the page: the first ones, and how many in all (issue 15:
#: a sheet with thousands of wrong cells must not make a page of megabytes).
LISTED_PROBLEMS = 50


def listed_problems(errors, limit: int = LISTED_PROBLEMS) -> tuple[list[str], str]:
    """(the first ``limit`` problems as text, the sentence for the file field)."""
    count = len(errors)
    shown = [str(e) for e in errors[:limit]]
    if count > limit:
        summary = (f"Your template has {count:,} problems; the first {limit} are listed "
                   "above. Fix them in the file (the others are often the same mistake) and "
                   "upload it again.")
    else:
        summary = (f"Your template has {count} problem{'' if count == 1 else 's'}, listed "
                   "above. Fix them in the file and upload it again.")
    return shown, summary
