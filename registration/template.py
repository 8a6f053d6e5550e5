"""The multiple registration template: one row per provider/facility (SPEC R-REG-5).

The portal serves a blank workbook (``build_blank_template``) and takes it back filled in
(``read_template``). What every template shares (the workbook's layout, the package and
version checks, the headings, the row limit, "row 7, NPI: ..." errors) lives in
``portal.spreadsheets``; this module holds what is particular to providers: the columns,
the instructions, the check functions of ``registration.validators`` run over every
cell, and the Tax ID + address duplicate check (R-FILE-7). Every problem is reported at
once by row (as Excel numbers it: the headings are row 1) and column heading::

    row 7, NPI: 1234567890 fails the NPI check digit; check the number on the NPPES record.

``read_template`` never raises for anything a person can upload: a file that is too big,
not a real ``.xlsx``, macro-enabled, a zip bomb, unreadable, the wrong template version,
with changed headings, empty or over the row limit gets one clear file-level error instead
(see ``portal.spreadsheets`` for how the file is opened safely).
Nothing is saved here; the caller saves ``TemplateResult.rows`` only when ``ok``.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from functools import partial

from django.core.exceptions import ValidationError

from portal import spreadsheet_writer, spreadsheets
from portal.spreadsheets import (  # noqa: F401 (some are re-exported: they began here)
    INSTRUCTIONS_SHEET,
    LISTS_SHEET,
    MACRO_ENABLED,
    MAX_PACKAGE_MEMBERS,
    MAX_UNPACKED_BYTES,
    MAX_UPLOAD_BYTES,
    NOT_XLSX,
    TEXT_FORMAT,
    UNREADABLE,
    VERSION_CELL,
    VERSION_NAME,
    Column,
    TemplateError,
    Validation,
)
from registration import validators

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
    "check_rows",
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

PROVIDERS_SHEET = "Providers"

#: The longest a legal name or street may be; a city (the model columns).
NAME_MAX_LENGTH = 200
CITY_MAX_LENGTH = 100


def _text_length(low, high, error, operator="between"):
    return Validation("textLength", operator, str(low), None if high is None else str(high),
                      error)  # fmt: skip


COLUMNS: list[Column] = [
    Column(
        "legal_name", "Legal name",
        "The provider's or facility's legal name, as enrolled with Illinois Medicaid "
        f"(up to {NAME_MAX_LENGTH} characters).",
        40,
        validation=_text_length(1, NAME_MAX_LENGTH,
                                f"Enter the legal name, up to {NAME_MAX_LENGTH} characters."),
    ),
    Column(
        "medicaid_id", "Medicaid (IMPACT) provider ID",
        "The Illinois Medicaid (IMPACT) provider ID: 6 to 15 letters and digits. Required.",
        26, TEXT_FORMAT,
        _text_length(validators.MEDICAID_ID_MIN_LENGTH, validators.MEDICAID_ID_MAX_LENGTH,
                     "A Medicaid (IMPACT) provider ID has 6 to 15 letters and digits."),
    ),
    Column(
        "npi", "NPI",
        "The 10-digit National Provider Identifier, e.g. 1234567893. Its check digit "
        "is verified.",
        14, TEXT_FORMAT,
        _text_length(10, None, "An NPI is exactly 10 digits.", operator="equal"),
    ),
    Column(
        "tax_id", "Tax ID (FEIN/TIN)",
        "The 9-digit Federal Employer ID (FEIN) or other Tax ID, e.g. 12-3456789.",
        18, TEXT_FORMAT,
        _text_length(9, 10, "A Tax ID is 9 digits, e.g. 123456789 or 12-3456789."),
    ),
    Column(
        "street", "Service location street",
        "The street address where services are provided, e.g. 123 N Main St, Suite 4.",
        40,
        validation=_text_length(1, NAME_MAX_LENGTH,
                                f"Enter the street, up to {NAME_MAX_LENGTH} characters."),
    ),
    Column(
        "city", "City", "The city of the service location.", 22,
        validation=_text_length(1, CITY_MAX_LENGTH,
                                f"Enter the city, up to {CITY_MAX_LENGTH} characters."),
    ),
    Column(
        "state", "State",
        "The two-letter state code of the service location, e.g. IL. Pick it from the list.",
        8,
        validation=Validation("list", None, spreadsheet_writer.list_range(len(validators.STATES)),
                              None, "Pick the two-letter state code from the list, e.g. IL."),
    ),
    Column(
        "zip_code", "ZIP code",
        "The ZIP code of the service location: 5 digits, or ZIP+4 such as 60601-1234.",
        12, TEXT_FORMAT,
        _text_length(5, 10, "Enter 5 digits, or ZIP+4 such as 60601-1234."),
    ),
]  # fmt: skip

HEADERS = [column.header for column in COLUMNS]

SPEC = spreadsheets.SheetSpec(
    title="Multiple registration template",
    sheet=PROVIDERS_SHEET,
    version=TEMPLATE_VERSION,
    columns=tuple(COLUMNS),
    max_rows=MAX_ROWS,
    noun="providers",
    one_row="one provider or facility",
    batch="request",
    row_count_limit=ROW_COUNT_LIMIT,
    max_sheet_rows=MAX_SHEET_ROWS,
)

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

# The file-level messages, in this template's words (the rest come from portal.spreadsheets).
TOO_LARGE = SPEC.too_large
TOO_LARGE_UNPACKED = SPEC.too_large_unpacked
NO_PROVIDERS = SPEC.no_rows
SHEET_TOO_LONG = SPEC.sheet_too_long


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


class TemplateResult(spreadsheets.TemplateResult[ProviderRow]):
    """What ``read_template`` found: the rows that passed every check, and every problem.

    ``rows`` holds only rows without errors of their own; act on them only when ``ok``.
    """


# -- The blank template ---------------------------------------------------------------

_STEPS = [
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


def build_blank_template() -> bytes:
    """The blank template as the bytes of an ``.xlsx`` (R-REG-5).

    Sheets: "Instructions" (first and active: steps, one line per column, the row limit,
    the version in B2), "Providers" (one bold, frozen heading row; on rows 2 to
    MAX_ROWS + 1 of each column an Excel data validation with an input message, text
    format for the ID and ZIP columns) and the hidden "Lists" (the state codes).
    The version is also a custom document property and a defined name, ``VERSION_NAME``.
    """
    return spreadsheet_writer.build_workbook(SPEC, _STEPS, lists=validators.STATES.items())


# -- Reading a filled-in template -----------------------------------------------------


def read_template(fileobj, filename: str = "") -> TemplateResult:
    """Check a filled-in template and return its cleaned rows and every problem (R-REG-5).

    ``fileobj`` is a binary file object (a Django ``UploadedFile``, an open file, a
    ``BytesIO``) or ``bytes``. ``filename`` only sharpens the wording of a message; the
    content decides. Never raises for a bad upload: a file-level problem is one error
    with ``row=None`` (headings: one per wrong column), returned with no rows.
    """
    return spreadsheets.read_and_check(
        fileobj,
        _spec(),
        check_rows,
        filename=filename,
        result_type=TemplateResult,
        check_headers=_check_headers,
        data_rows=_data_rows,
    )


def _spec() -> spreadsheets.SheetSpec:
    """``SPEC`` with the row limits this module has at the time of the call."""
    return dataclasses.replace(
        SPEC, row_count_limit=ROW_COUNT_LIMIT, max_sheet_rows=MAX_SHEET_ROWS
    )


def _check_headers(sheet):
    spreadsheets.check_headers(sheet, SPEC)


def _data_rows(sheet):
    return spreadsheets.data_rows(sheet, _spec())


def check_rows(raw_rows) -> TemplateResult:
    """Every cell of ``(row_number, values in COLUMNS order)`` pairs through its check
    function, and the Tax ID + location duplicate check (R-FILE-7). The template reader
    uses it, and ``registration.services.check_request`` for rows from any caller."""
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
