"""Spreadsheet exports: a list of rows written to a real ``.xlsx``, safe to open in Excel.

``write_workbook`` streams rows (mappings keyed by column key) into a two-sheet workbook
and returns its bytes; ``xlsx_response`` serves them as a download. Nothing in an export is
ever a formula, whatever the people who typed the data put in it.

Formula injection (CSV/Excel injection, OWASP)
    A value such as ``=HYPERLINK("http://x","click")`` or ``=cmd|' /C calc'!A0`` that a
    provider typed into a form must reach the reader as that text, never as a formula
    Excel runs. openpyxl would write any string starting with ``=`` as a formula (and
    ``#N/A`` and the like as error values), so every ``str`` cell is written with its data
    type forced to ``"s"``: an inline string (``t="inlineStr"``), never an ``<f>``
    element, which Excel and LibreOffice show as text and never evaluate. The text is kept
    exactly as typed; no apostrophe or other character is added to it. As well, a string
    that starts with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return, after any
    leading whitespace, gets the cell style's ``quotePrefix`` flag: what Excel itself
    records when someone types ``'=1+1``, so the cell stays text even if a reader edits it
    and presses Enter. The value itself carries no apostrophe.

What is written, by type (``safe_cell``)
    ``str``        text (as above); a carriage return (``\\r\\n`` or a lone ``\\r``)
                   becomes ``\\n``, Excel's line break (XML would turn it into one
                   anyway); the control characters XML cannot hold (``\\x00``-``\\x08``,
                   ``\\x0b``, ``\\x0c``, ``\\x0e``-``\\x1f``) are dropped; text is cut to
                   Excel's cell limit of 32,767 characters.
    ``bool``       the text "Yes" or "No".
    ``int``        a number; from 16 digits on, text (Excel keeps 15 significant
                   digits and would change the rest to zeros).
    ``float``      a number; NaN and infinities (which Excel cannot hold) as text.
    ``Decimal``    a number shown as ``#,##0.00``; NaN and infinities as text.
    ``date``       a date shown as ``mm/dd/yyyy``.
    ``datetime``   a date and time shown as ``mm/dd/yyyy hh:mm AM/PM``. Excel has no
                   time zones: an aware datetime is converted to Central time
                   (America/Chicago, CST or CDT as on that day) and written without its
                   zone; a naive one is taken to be Central time already and written as
                   it is. The About sheet says so.
    ``None``       an empty cell.
    anything else  its ``str()`` as text (a UUID, a lazy translation, a ``time``...).

The workbook (``write_workbook``)
    The data sheet: a bold header row, frozen (it stays in view while scrolling and is
    repeated on every printed page), an autofilter over the header and every data row,
    column widths from the header and the first ``WIDTH_SAMPLE_ROWS`` rows (at most
    ``MAX_COLUMN_WIDTH``), then one row per mapping. Then an "About" sheet: the title,
    when the file was generated (Central time), the row count, the note (for example
    "Contains protected health information. Handle and store it as confidential.") and
    the time-zone statement.

    It is written with openpyxl's ``write_only=True`` mode: rows are streamed to a
    temporary file as they come, so a large export costs little memory; only the first
    ``WIDTH_SAMPLE_ROWS`` rows are held at once, to size the columns before the first row
    is written. 10,000 rows of five columns take about 1.6 s of CPU (openpyxl's own XML
    writing is most of it; it would use lxml, faster, if that were installed).

Known limit: OOXML reads ``_xHHHH_`` in a string as an escaped character, so text that
literally contains, say, ``_x0041_`` may show as ``A`` in Excel. openpyxl does not escape
it; it is a display matter only (the cell is still text, never a formula).
"""

from __future__ import annotations

import io
import math
import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from datetime import date, datetime
from decimal import Decimal
from itertools import chain, islice
from typing import Any, NamedTuple
from zoneinfo import ZoneInfo

from django.http import HttpResponse
from django.utils import timezone
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter

from portal import audit

__all__ = [
    "ABOUT_SHEET", "CENTRAL", "CONTENT_TYPE", "DATETIME_FORMAT", "DATE_FORMAT",
    "DECIMAL_FORMAT", "FORMULA_TRIGGERS", "MAX_COLUMN_WIDTH", "MAX_TEXT_LENGTH",
    "WIDTH_SAMPLE_ROWS",
    "SafeCell", "is_formula_like", "safe_cell", "safe_filename", "to_cell", "write_workbook",
    "xlsx_response",
]  # fmt: skip

#: The media type of an ``.xlsx`` file.
CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

#: Excel has no time zones: every time in an export is Central time, written without a zone.
CENTRAL = ZoneInfo("America/Chicago")

DATE_FORMAT = "mm/dd/yyyy"
DATETIME_FORMAT = "mm/dd/yyyy hh:mm AM/PM"
DECIMAL_FORMAT = "#,##0.00"

#: A string starting with one of these (after leading whitespace) is one a spreadsheet
#: could take for a formula (OWASP's list: = + - @ tab carriage return).
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")

#: Excel's limit on the characters in one cell.
MAX_TEXT_LENGTH = 32_767

#: Column widths (in characters) come from the header and this many rows, and are capped.
WIDTH_SAMPLE_ROWS = 200
MAX_COLUMN_WIDTH = 60
MIN_COLUMN_WIDTH = 8

ABOUT_SHEET = "About"

#: An integer this big or bigger has more digits (16) than Excel keeps (15): written as text.
_BIG_INT = 10**15

#: The characters Excel does not allow in a sheet name.
_SHEET_NAME_BAD = re.compile(r"[\[\]:*?/\\]")

_FILENAME_BAD = re.compile(r"[^A-Za-z0-9._ -]+")

_BOLD = Font(bold=True)
_WRAP = Alignment(wrap_text=True, vertical="top")
_TOP = Alignment(vertical="top")

#: Display widths of formatted values ("12/31/2025", "12/31/2025 11:59 PM").
_DATE_WIDTH = 10
_DATETIME_WIDTH = 19


class SafeCell(NamedTuple):
    """What to write into one cell: the value, its number format, and the text flags.

    ``value`` is a ``str``, ``int``, ``float``, ``Decimal``, ``date``, naive ``datetime`` or
    None. A ``str`` is always written as text (data type ``"s"``), never as a formula;
    ``quote_prefix`` is true when the text looks like a formula (``is_formula_like``).
    """

    value: str | int | float | Decimal | date | datetime | None
    number_format: str | None = None
    quote_prefix: bool = False


def is_formula_like(text: str) -> bool:
    """True when ``text`` starts, after any leading whitespace, like a formula would.

    >>> is_formula_like("  =1+1"), is_formula_like("\\t=1"), is_formula_like("Smith")
    (True, True, False)
    """
    return text.startswith(FORMULA_TRIGGERS) or text.lstrip().startswith(FORMULA_TRIGGERS)


def _text(value: str) -> SafeCell:
    flagged = is_formula_like(value)
    value = value.replace("\r\n", "\n").replace("\r", "\n")
    value = ILLEGAL_CHARACTERS_RE.sub("", value)[:MAX_TEXT_LENGTH]
    return SafeCell(value, None, flagged)


def safe_cell(value: Any) -> SafeCell:
    """Return what to write into a cell for ``value`` (see the module's table of types).

    Pure: it needs no workbook. ``to_cell`` turns the result into an openpyxl cell.
    """
    if value is None:
        return SafeCell(None)
    if isinstance(value, bool):  # before int: a bool is an int
        return SafeCell("Yes" if value else "No")
    if isinstance(value, str):
        return _text(value)
    if isinstance(value, int):
        if abs(value) >= _BIG_INT:
            return _text(str(value))
        return SafeCell(value)
    if isinstance(value, float):
        return SafeCell(value) if math.isfinite(value) else _text(str(value))
    if isinstance(value, Decimal):
        return SafeCell(value, DECIMAL_FORMAT) if value.is_finite() else _text(str(value))
    if isinstance(value, datetime):  # before date: a datetime is a date
        if value.tzinfo is not None and value.utcoffset() is not None:
            value = value.astimezone(CENTRAL)
        return SafeCell(value.replace(tzinfo=None), DATETIME_FORMAT)
    if isinstance(value, date):
        return SafeCell(value, DATE_FORMAT)
    return _text(str(value))


def to_cell(
    sheet: Any, value: Any, *, font: Font | None = None, alignment: Alignment | None = None
) -> WriteOnlyCell:
    """An openpyxl cell for ``sheet`` holding ``value`` as ``safe_cell`` says.

    A ``SafeCell`` is used as it is; anything else goes through ``safe_cell`` first. Works
    for write-only and ordinary sheets (append it, or copy its value, data type and style).
    """
    safe = value if isinstance(value, SafeCell) else safe_cell(value)
    cell = WriteOnlyCell(sheet, value=safe.value)
    if isinstance(safe.value, str):
        # openpyxl makes "=..." a formula and "#N/A" an error value: force plain text.
        cell.data_type = "s"
        if safe.quote_prefix:
            cell.quotePrefix = True
    if safe.number_format:
        cell.number_format = safe.number_format
    if font is not None:
        cell.font = font
    if alignment is not None:
        cell.alignment = alignment
    return cell


def _shown_width(safe: SafeCell) -> int:
    """Roughly how many characters the cell shows (its longest line)."""
    value = safe.value
    if value is None:
        return 0
    if isinstance(value, str):
        return max((len(line) for line in value.split("\n")), default=0)
    if isinstance(value, datetime):
        return _DATETIME_WIDTH
    if isinstance(value, date):
        return _DATE_WIDTH
    if isinstance(value, Decimal):
        return len(f"{value:,.2f}")
    return len(str(value))


def _column_widths(headers: Sequence[SafeCell], sample: Sequence[Sequence[SafeCell]]) -> list[int]:
    widths = []
    for index, header in enumerate(headers):
        longest = max([_shown_width(header)] + [_shown_width(row[index]) for row in sample])
        widths.append(max(MIN_COLUMN_WIDTH, min(MAX_COLUMN_WIDTH, longest + 2)))
    return widths


def _sheet_name(name: str) -> str:
    """``name`` made acceptable to Excel: no ``[]:*?/\\``, no edge apostrophes, 31 characters."""
    cleaned = _SHEET_NAME_BAD.sub("-", name).strip().strip("'")[:31].strip()
    return cleaned or "Export"


def _central(moment: datetime) -> datetime:
    """``moment`` in Central time (a naive one is taken to be Central already)."""
    if moment.tzinfo is None or moment.utcoffset() is None:
        return moment.replace(tzinfo=CENTRAL)
    return moment.astimezone(CENTRAL)


def write_workbook(
    *,
    title: str,
    columns: list[tuple[str, str]],
    rows: Iterable[Mapping[str, Any]],
    sheet_name: str = "Export",
    generated_at: datetime | None = None,
    note: str = "",
) -> bytes:
    """Write ``rows`` to a new ``.xlsx`` and return its bytes.

    ``columns`` are ``(key, header)`` pairs, in order; each row is a mapping with (at least)
    every key (a missing key is a ``KeyError``: say None for an empty cell). ``rows`` is
    read once, as it comes (a queryset's ``.iterator()`` is fine). ``generated_at``
    (default now) is shown in Central time on the About sheet with ``title``, the row
    count and ``note``.
    """
    if not columns:
        raise ValueError("An export needs at least one column.")
    keys = [key for key, _header in columns]
    if len(set(keys)) != len(keys):
        raise ValueError(f"Column keys repeat: {keys}")
    data_name = _sheet_name(sheet_name)
    if data_name.casefold() == ABOUT_SHEET.casefold():
        raise ValueError(f"The data sheet cannot be called {ABOUT_SHEET!r}.")
    generated = _central(generated_at or timezone.now())

    workbook = Workbook(write_only=True)
    workbook.properties.title = safe_cell(title).value
    workbook.properties.creator = "Provider Resolution Portal"
    sheet = workbook.create_sheet(data_name)
    about = workbook.create_sheet(ABOUT_SHEET)

    headers = [safe_cell(header) for _key, header in columns]
    converted: Iterator[list[SafeCell]] = ([safe_cell(row[key]) for key in keys] for row in rows)
    sample = list(islice(converted, WIDTH_SAMPLE_ROWS))

    # Column widths, the frozen pane and print titles must be set before the first row.
    for index, width in enumerate(_column_widths(headers, sample), start=1):
        sheet.column_dimensions[get_column_letter(index)].width = width
    sheet.freeze_panes = "A2"
    sheet.print_title_rows = "1:1"

    sheet.append([to_cell(sheet, header, font=_BOLD) for header in headers])
    count = 0
    for values in chain(sample, converted):
        sheet.append([to_cell(sheet, value) for value in values])
        count += 1
    # The filter is written after the rows, so its range can cover all of them.
    last_column = get_column_letter(len(columns))
    sheet.auto_filter.ref = f"A1:{last_column}{count + 1}"

    about.column_dimensions["A"].width = 28
    about.column_dimensions["B"].width = MAX_COLUMN_WIDTH
    about.append([to_cell(about, title, font=_BOLD)])
    about.append([])
    lines: list[tuple[str, Any]] = [
        (f"Generated (Central time, {generated.tzname()})", generated),
        ("Rows", count),
        ("Sheet", data_name),
    ]
    if note:
        lines.append(("Note", note))
    lines.append(
        (
            "Times",
            "Dates and times are Central time (America/Chicago). Excel has no time zones, "
            "so they carry none.",
        )
    )
    for label, value in lines:
        about.append(
            [
                to_cell(about, label, font=_BOLD, alignment=_TOP),
                to_cell(about, value, alignment=_WRAP),
            ]
        )

    out = io.BytesIO()
    workbook.save(out)
    audit.note_export(count)
    return out.getvalue()


def safe_filename(filename: str) -> str:
    """``filename`` made safe for a quoted ``Content-Disposition`` value, ending ``.xlsx``.

    Only ASCII letters, digits, ``.``, ``-``, ``_`` and spaces are kept (anything else,
    quotes and line breaks included, becomes ``_``); no leading dots; 150 characters at
    most.
    """
    name = _FILENAME_BAD.sub("_", filename).strip().lstrip(".")
    if name.lower().endswith(".xlsx"):
        name = name[: -len(".xlsx")]
    name = name.strip()[:145].rstrip()
    return f"{name or 'export'}.xlsx"


def xlsx_response(
    data: bytes, filename: str, *, object_type: str = audit.EXPORT, detail: str = ""
) -> HttpResponse:
    """An ``HttpResponse`` that downloads ``data`` as ``filename`` (see ``safe_filename``).

    It is never cached (an export may hold protected health information) and never
    content-sniffed. In a request of a signed-in person it writes the export's audit row
    (R-SEC-2): action "export", ``object_type``, the file name, the rows of the workbook
    made in the request, and ``detail``; the path (with the filters) comes from the
    request. An export made outside a request (a job) is recorded by its caller.
    """
    name = safe_filename(filename)
    user = audit.request_user()
    if user is not None:
        rows = audit.current().export_rows
        parts = [name] + ([f"{rows} rows"] if rows is not None else []) + (
            [detail] if detail else []
        )
        audit.write(user=user, action="export", object_type=object_type, object_id=None,
                    detail="; ".join(parts), status=200)
    response = HttpResponse(data, content_type=CONTENT_TYPE)
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    response["Content-Length"] = str(len(data))
    response["Cache-Control"] = "private, no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response
