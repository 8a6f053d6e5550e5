"""The Complaints/Claims-Issue template: one row per claim (SPEC R-FILE-6, R-FILE-7).

Two or more same or similar complaints with the same MCO are filed on this template
(``MIN_CLAIMS_FOR_TEMPLATE``); at most ``MAX_ROWS`` claims go on one. The portal serves a
blank workbook built for the MCOs that accept tickets (``build_blank_template``) and
takes it back filled in (``read_template``). What every template shares (the layout, the
package and version checks, the headings, the row limit, "row 7, Member RIN: ..." errors)
lives in ``portal.spreadsheets``; this module holds the claim columns, the instructions and
the row checks:

- every column but Comments is required; the RIN is 9 digits; dates are real dates, not
  in the future, "from" not after "to"; amounts are 0 or more with at most 2 decimals,
  and the disputed amount is not more than the billed amount;
- each claim's MCO tracking number matches the MCO's format (R-FILE-4);
- one template, one MCO, one provider/facility (R-FILE-7): every row names the ticket's
  MCO and the ticket's provider NPI;
- a claim number appears once.

Every problem is reported at once. The rows are member data: protected health
information (R-FILE-8). Nothing here logs or stores them; the caller saves
``ClaimsResult.rows`` only when ``ok``.
"""

from __future__ import annotations

import dataclasses
import datetime
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from functools import partial

from django.core.exceptions import ValidationError
from django.utils import timezone

from portal import spreadsheet_writer, spreadsheets
from portal.spreadsheets import TEXT_FORMAT, Column, TemplateError, Validation
from registration.validators import clean_npi
from tickets import claims_validators as checks

__all__ = [
    "COLUMNS",
    "HEADERS",
    "MAX_ROWS",
    "MIN_CLAIMS_FOR_TEMPLATE",
    "SPEC",
    "TEMPLATE_VERSION",
    "ClaimRow",
    "ClaimsResult",
    "TemplateError",
    "build_blank_template",
    "check_json_rows",
    "read_template",
]

#: The version marker of the current template. Change it whenever the columns or their
#: rules change, so that an old download is refused instead of misread.
TEMPLATE_VERSION = "PRP-CLAIMS-2026.1"

#: At most this many claims on one template (R-FILE-6).
MAX_ROWS = 100

#: Two or more same or similar complaints with one MCO go on the template (R-FILE-6): a
#: filing that lists this many claims without it is refused. A template of one claim is
#: read like any other.
MIN_CLAIMS_FOR_TEMPLATE = 2

CLAIMS_SHEET = "Claims"

# The longest each text may be: the TicketClaim columns.
MCO_MAX_LENGTH = 200
CLAIM_NUMBER_MAX_LENGTH = 50
TRACKING_NUMBER_MAX_LENGTH = 60
MEMBER_NAME_MAX_LENGTH = 200
DENIAL_REASON_MAX_LENGTH = 500
COMMENTS_MAX_LENGTH = 2000

DATE_FORMAT = "m/d/yyyy"
CURRENCY_FORMAT = '"$"#,##0.00'


def _text(low: int, high: int, error: str) -> Validation:
    return Validation("textLength", "between", str(low), str(high), error)


def _date(error: str) -> Validation:
    return Validation("date", "lessThanOrEqual", "TODAY()", None, error)


def _amount(error: str) -> Validation:
    return Validation("decimal", "between", "0", str(checks.MAX_AMOUNT), error)


COLUMNS: list[Column] = [
    Column(
        "mco", "MCO",
        "The MCO these claims are with; pick it from the list. Every row must name the "
        "same MCO: the one this ticket is filed against.",
        34,
        validation=_text(1, MCO_MAX_LENGTH, "Pick the MCO from the list."),
    ),
    Column(
        "provider_npi", "Provider NPI",
        "The 10-digit NPI of the provider or facility filing this ticket, e.g. 1234567893. "
        "The same on every row.",
        14, TEXT_FORMAT,
        Validation("textLength", "equal", "10", None, "An NPI is exactly 10 digits."),
    ),
    Column(
        "claim_number", "Claim number",
        "The MCO's claim number for this claim. List each claim once.",
        20, TEXT_FORMAT,
        _text(1, CLAIM_NUMBER_MAX_LENGTH,
              f"Enter the claim number, up to {CLAIM_NUMBER_MAX_LENGTH} characters."),
    ),
    Column(
        "tracking_number", "MCO tracking number",
        "The tracking number the MCO gave this claim's dispute in its internal process. "
        "It must match the MCO's format.",
        22, TEXT_FORMAT,
        _text(1, TRACKING_NUMBER_MAX_LENGTH,
              f"Enter the MCO tracking number, up to {TRACKING_NUMBER_MAX_LENGTH} characters."),
    ),
    Column(
        "member_rin", "Member RIN",
        "The member's 9-digit Recipient Identification Number (RIN), e.g. 012345678.",
        13, TEXT_FORMAT,
        Validation("textLength", "equal", "9", None, "A member RIN is exactly 9 digits."),
    ),
    Column(
        "member_name", "Member name",
        "The member's name as on the claim, e.g. Jane Q Doe.",
        28,
        validation=_text(1, MEMBER_NAME_MAX_LENGTH,
                         f"Enter the member's name, up to {MEMBER_NAME_MAX_LENGTH} characters."),
    ),
    Column(
        "service_from", "Date of service from",
        "The first date of service, e.g. 3/15/2026.",
        14, DATE_FORMAT,
        _date("Enter a date that is not in the future, e.g. 3/15/2026."),
    ),
    Column(
        "service_to", "Date of service to",
        "The last date of service, e.g. 3/15/2026: the same as the first for one day, "
        "never before it.",
        14, DATE_FORMAT,
        _date("Enter a date that is not in the future, e.g. 3/15/2026."),
    ),
    Column(
        "billed", "Billed amount",
        "The amount billed to the MCO for this claim, in dollars and cents, e.g. 1250.00.",
        14, CURRENCY_FORMAT,
        _amount("Enter the billed amount in dollars and cents, 0 or more."),
    ),
    Column(
        "paid", "Paid amount",
        "The amount the MCO paid, in dollars and cents; 0 if nothing was paid.",
        14, CURRENCY_FORMAT,
        _amount("Enter the paid amount in dollars and cents, 0 or more."),
    ),
    Column(
        "disputed", "Disputed amount",
        "The amount in dispute, in dollars and cents; not more than the billed amount.",
        14, CURRENCY_FORMAT,
        _amount("Enter the disputed amount in dollars and cents, 0 or more."),
    ),
    Column(
        "denial_reason", "Denial reason",
        "The MCO's reason for denying or underpaying the claim, e.g. its denial code and "
        "description.",
        40,
        validation=_text(1, DENIAL_REASON_MAX_LENGTH,
                         f"Enter the denial reason, up to {DENIAL_REASON_MAX_LENGTH} characters."),
    ),
    Column(
        "comments", "Comments",
        "Optional: anything else HFS should know about this claim.",
        40,
        validation=Validation("textLength", "lessThanOrEqual", str(COMMENTS_MAX_LENGTH), None,
                              f"Comments may be up to {COMMENTS_MAX_LENGTH} characters."),
    ),
]  # fmt: skip

HEADERS = [column.header for column in COLUMNS]
_HEADER = {column.key: column.header for column in COLUMNS}
_ROW_FIELDS = [key for key in _HEADER if key not in ("mco", "provider_npi")]
_DATE_LABEL = "date of service"

SPEC = spreadsheets.SheetSpec(
    title="Complaints/Claims-Issue template",
    sheet=CLAIMS_SHEET,
    version=TEMPLATE_VERSION,
    columns=tuple(COLUMNS),
    max_rows=MAX_ROWS,
    noun="claims",
    one_row="one claim",
    batch="ticket",
)

# The checks that need nothing of the ticket; _check_rows adds the MCO, NPI, tracking
# number and dates, which do.
_CLEANERS = {
    "claim_number": partial(
        checks.clean_required_text, max_length=CLAIM_NUMBER_MAX_LENGTH, label="claim number"
    ),
    "member_rin": checks.clean_member_rin,
    "member_name": partial(
        checks.clean_required_text, max_length=MEMBER_NAME_MAX_LENGTH, label="member's name"
    ),
    "billed": partial(checks.clean_amount, label="billed amount"),
    "paid": partial(checks.clean_amount, label="paid amount"),
    "disputed": partial(checks.clean_amount, label="disputed amount"),
    "denial_reason": partial(
        checks.clean_required_text, max_length=DENIAL_REASON_MAX_LENGTH, label="denial reason"
    ),
    "comments": partial(
        checks.clean_optional_text, max_length=COMMENTS_MAX_LENGTH, label="comments"
    ),
}


@dataclass(frozen=True)
class ClaimRow:
    """One claim from the template, every field cleaned (the ``TicketClaim`` fields)."""

    row_number: int  # as Excel shows it; the headings are row 1
    claim_number: str
    tracking_number: str
    member_rin: str
    member_name: str
    service_from: datetime.date
    service_to: datetime.date
    billed: Decimal
    paid: Decimal
    disputed: Decimal
    denial_reason: str
    comments: str


class ClaimsResult(spreadsheets.TemplateResult[ClaimRow]):
    """What ``read_template`` found: the claims that passed every check, and every problem.

    ``rows`` holds only rows without errors of their own; act on them only when ``ok``.
    """


# -- The blank template ---------------------------------------------------------------

_STEPS = [
    "Enter one claim on each row of the Claims sheet, starting at row 2. Leave the "
    "headings in row 1 as they are.",
    f"At most {MAX_ROWS} claims fit in one template. For more, file another ticket with "
    "a template of its own.",
    "All the claims must be with one MCO and for one provider or facility: the MCO and "
    "the Provider NPI must be the same on every row, and the same as on the ticket. Put "
    "claims with another MCO, or for another provider or facility, on a template of "
    "their own.",
    "The ticket's own tracking number is the one the MCO gave for this template (the "
    "dispute of all these claims). Each row also carries the MCO tracking number of "
    "that claim.",
    "Fill in every column except Comments; the table below says what each one needs. "
    "Enter dates as dates (3/15/2026) and amounts in dollars and cents (1250.00).",
    "Member RINs, names and claim details are protected health information. Keep this "
    "file private: do not email it, upload it only on the portal's ticket page, and "
    "delete copies you no longer need.",
    "Do not rename the sheets or add, remove or reorder columns.",
    "Save the file as an Excel Workbook (.xlsx), not .xls, .csv or a macro-enabled "
    "workbook, and upload it on the ticket page.",
    "Every row is checked when you upload. If something needs fixing, the portal "
    "lists every problem by row and column; fix them all and upload the file again.",
]


def build_blank_template(mco_names: Sequence[str]) -> bytes:
    """The blank template as the bytes of an ``.xlsx`` (R-FILE-6).

    ``mco_names`` are the MCOs that accept tickets: the MCO column offers them as a
    drop-down list (the hidden "Lists" sheet). Sheets: "Instructions" (first and active:
    steps, one line per column, the version in B2), "Claims" (bold, frozen headings; on
    rows 2 to MAX_ROWS + 1 an input message and a data validation per column, text
    format for the IDs, date format for the dates, currency format for the amounts).
    """
    names = list(dict.fromkeys(name for name in mco_names if name))
    spec = SPEC
    if names:
        mco_rule = Validation(
            "list", None, spreadsheet_writer.list_range(len(names)), None,
            "Pick the MCO from the list.",
        )
        columns = (SPEC.columns[0]._replace(validation=mco_rule), *SPEC.columns[1:])
        spec = dataclasses.replace(SPEC, columns=columns)
    return spreadsheet_writer.build_workbook(spec, _STEPS, lists=[[name] for name in names])


# -- Reading a filled-in template -----------------------------------------------------


def read_template(
    fileobj,
    *,
    mco: str,
    provider_npi: str,
    tracking_number_is_valid: Callable[[str], bool],
    filename: str = "",
    tracking_example: str = "",
    mco_short_name: str = "",
    today: datetime.date | None = None,
) -> ClaimsResult:
    """Check a filled-in template and return its cleaned claims and every problem.

    ``mco`` is the ticket's MCO, by name; ``provider_npi`` the ticket's provider NPI;
    ``tracking_number_is_valid`` the MCO's check of a tracking number (R-FILE-4), with
    ``tracking_example`` shown when a number fails it and ``mco_short_name`` ("Molina";
    default ``mco``) naming the MCO in that message. ``today`` (default: today, local
    time) bounds the dates of service. ``fileobj`` and ``filename`` as for
    ``portal.spreadsheets.read_rows``. Never raises for a bad upload.
    """
    context = _Context(
        mco=mco,
        provider_npi=spreadsheets.cell_text(provider_npi),
        tracking_number_is_valid=tracking_number_is_valid,
        tracking_example=tracking_example,
        mco_short_name=mco_short_name or mco,
        today=today or timezone.localdate(),
    )
    return spreadsheets.read_and_check(
        fileobj,
        SPEC,
        partial(_check_rows, context=context),
        filename=filename,
        result_type=ClaimsResult,
    )


def check_json_rows(
    rows,
    *,
    mco: str,
    provider_npi: str,
    tracking_number_is_valid: Callable[[str], bool],
    tracking_example: str = "",
    mco_short_name: str = "",
    today: datetime.date | None = None,
) -> ClaimsResult:
    """Check the template's rows sent as JSON (the integration API) as ``read_template``
    checks a spreadsheet's: the same cleaners and messages, every problem at once, and the
    same limit of ``MAX_ROWS`` (``portal.spreadsheets.collect_rows``: its "The template has
    101 claims; ..." message, and "no claims" for an empty list).

    ``rows`` is a list of objects keyed by the columns' keys (``COLUMNS``: ``mco``,
    ``provider_npi``, ``claim_number``, ...); a missing key is a blank cell. The first
    object is row 1 (a spreadsheet's first claim is on row 2, under the headings). Unlike
    a spreadsheet's blank rows, an object with nothing in it is checked (and refused): the
    caller sent it. A row that is not an object, a key that is not a column and a value
    that is a list or an object are problems of that row. The other arguments are those
    of ``read_template``. Never raises for bad input.
    """
    context = _Context(
        mco=mco,
        provider_npi=spreadsheets.cell_text(provider_npi),
        tracking_number_is_valid=tracking_number_is_valid,
        tracking_example=tracking_example,
        mco_short_name=mco_short_name or mco,
        today=today or timezone.localdate(),
    )
    if not isinstance(rows, list | tuple):
        return ClaimsResult(errors=[TemplateError(None, None, _NOT_A_LIST)])
    shape_errors: list[TemplateError] = []
    numbered = [
        (row_number, _json_values(row_number, row, shape_errors))
        for row_number, row in enumerate(rows, start=1)
    ]
    not_objects = {n for n, row in enumerate(rows, start=1) if not isinstance(row, dict)}
    try:
        raw_rows = spreadsheets.collect_rows(numbered, SPEC)
    except spreadsheets.Refused as refused:
        return ClaimsResult(errors=[TemplateError(None, None, m) for m in refused.messages])
    result = _check_rows(raw_rows, context=context)
    if shape_errors:
        refused_rows = {error.row for error in shape_errors}
        result.rows = [row for row in result.rows if row.row_number not in refused_rows]
        # What is not an object has no cells to check; a list or an object in a cell was
        # read as a blank cell: its own message replaces "Enter ...".
        cells = {(error.row, error.column) for error in shape_errors if error.column}
        errors = shape_errors + [e for e in result.errors if e.row not in not_objects
                                 and (e.row, e.column) not in cells]
        # Row by row; within a row, the row's own problems, then its cells' in column order.
        result.errors = sorted(errors, key=lambda error: (
            error.row, HEADERS.index(error.column) if error.column else -1))
    return result


_COLUMN_KEYS = [column.key for column in COLUMNS]
_NOT_A_LIST = (
    "Send the claims as a list of objects, one per claim, keyed by the template's "
    f"columns: {', '.join(_COLUMN_KEYS)}."
)


def _json_values(row_number: int, row, errors: list[TemplateError]) -> tuple:
    """The row's values in ``COLUMNS`` order, as a spreadsheet row gives them; a problem
    of the row's shape is added to ``errors`` (its cell is then blank)."""
    if not isinstance(row, dict):
        errors.append(TemplateError(row_number, None, (
            f"Send the claim as an object keyed by the template's columns: "
            f"{', '.join(_COLUMN_KEYS)}.")))
        return (None,) * len(COLUMNS)
    for key in row:
        if key not in _HEADER:
            errors.append(TemplateError(row_number, None, (
                f"{spreadsheets.shorten(str(key))} is not a column of the template; the "
                f"columns are {', '.join(_COLUMN_KEYS)}.")))
    values = []
    for column in COLUMNS:
        value = row.get(column.key)
        if isinstance(value, list | dict):
            errors.append(TemplateError(row_number, column.header,
                                        "Send text or a number, not a list or an object."))
            value = None
        values.append(value)
    return tuple(values)


@dataclass(frozen=True)
class _Context:
    """What the rows are checked against: the ticket's MCO and provider, and today."""

    mco: str
    provider_npi: str
    tracking_number_is_valid: Callable[[str], bool]
    tracking_example: str
    mco_short_name: str
    today: datetime.date


def _check_rows(raw_rows, *, context: _Context) -> ClaimsResult:
    result = ClaimsResult()
    cleaners = {
        **_CLEANERS,
        "mco": partial(_clean_mco, context=context),
        "provider_npi": partial(_clean_provider_npi, context=context),
        "tracking_number": partial(_clean_tracking_number, context=context),
        "service_from": partial(checks.clean_date, today=context.today, label=_DATE_LABEL),
        "service_to": partial(checks.clean_date, today=context.today, label=_DATE_LABEL),
    }
    first_row_of_claim: dict[str, int] = {}
    for row_number, values in raw_rows:
        cleaned, errors = _clean_row(row_number, values, cleaners)
        number = cleaned.get("claim_number")
        if number is not None:
            key = number.casefold()
            if key in first_row_of_claim:
                errors.append(
                    TemplateError(
                        row_number,
                        _HEADER["claim_number"],
                        f"{spreadsheets.shorten(number)} is also on row "
                        f"{first_row_of_claim[key]}; list each claim once.",
                    )
                )
            else:
                first_row_of_claim[key] = row_number
        result.errors.extend(errors)
        if not errors:
            fields = {key: cleaned[key] for key in _ROW_FIELDS}  # not the ticket's MCO, NPI
            result.rows.append(ClaimRow(row_number=row_number, **fields))
    return result


def _clean_row(row_number: int, values, cleaners):
    """The row's cleaned fields (only those that passed) and its errors, in column order."""
    cleaned, errors = {}, []
    for column, value in zip(COLUMNS, values, strict=False):
        try:
            cleaned[column.key] = cleaners[column.key](value)
        except ValidationError as error:
            for message in error.messages:
                errors.append(TemplateError(row_number, column.header, message))
    _check_across_columns(row_number, cleaned, errors)
    return cleaned, sorted(errors, key=lambda error: HEADERS.index(error.column))


def _check_across_columns(row_number, cleaned, errors):
    """From not after to; disputed not over billed. A failing field is left out."""
    start, end = cleaned.get("service_from"), cleaned.get("service_to")
    if start and end and start > end:
        del cleaned["service_to"]
        errors.append(
            TemplateError(
                row_number,
                _HEADER["service_to"],
                f"{checks.format_date(end)} is before the date of service from, "
                f"{checks.format_date(start)}; the service cannot end before it starts.",
            )
        )
    billed, disputed = cleaned.get("billed"), cleaned.get("disputed")
    if billed is not None and disputed is not None and disputed > billed:
        del cleaned["disputed"]
        errors.append(
            TemplateError(
                row_number,
                _HEADER["disputed"],
                f"{checks.format_amount(disputed)} is more than the billed amount, "
                f"{checks.format_amount(billed)}; the disputed amount cannot be more than "
                "was billed.",
            )
        )


def _clean_mco(value, *, context: _Context) -> str:
    text = spreadsheets.cell_text(value)
    if not text:
        raise ValidationError(f"Enter the MCO: {context.mco}.", code="mco_required")
    if " ".join(text.split()).casefold() != " ".join(context.mco.split()).casefold():
        raise ValidationError(
            f"{spreadsheets.shorten(text)} — every row must be for {context.mco} (one "
            "template, one MCO); put another MCO's claims on a template of their own.",
            code="mco_mixed",
        )
    return context.mco


def _clean_provider_npi(value, *, context: _Context) -> str:
    npi = clean_npi(value)
    if npi != context.provider_npi:
        raise ValidationError(
            f"{npi} — every row must be for NPI {context.provider_npi}, the provider or "
            "facility of this ticket (one template, one provider/facility); put another "
            "provider's claims on a template of their own.",
            code="provider_mixed",
        )
    return npi


def _clean_tracking_number(value, *, context: _Context) -> str:
    number = checks.clean_required_text(
        value, TRACKING_NUMBER_MAX_LENGTH, label="MCO tracking number"
    )
    if not context.tracking_number_is_valid(number):
        example = f", e.g. {context.tracking_example}" if context.tracking_example else ""
        raise ValidationError(
            f"{spreadsheets.shorten(number)} does not match {context.mco_short_name}'s "
            f"format{example}. Enter the tracking number the MCO gave this claim.",
            code="tracking_number_format",
        )
    return number
