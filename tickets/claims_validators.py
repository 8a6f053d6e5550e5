"""Check functions for the cells of one claim (the Complaints/Claims-Issue template, R-FILE-6).

Like ``registration.validators``, each ``clean_*`` function takes a value as it arrives
from a spreadsheet cell or a form field (``str``, ``int``, ``float``, ``Decimal``,
``datetime``/``date`` or ``None``) and returns the normalised value or raises
``django.core.exceptions.ValidationError`` with one message that names the problem and
the fix, e.g. "12345 must be 9 digits; ...". The messages never repeat more of the value
than ``shorten`` allows: claim data is protected health information (R-FILE-8).
"""

from __future__ import annotations

import datetime
import math
import re
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError

from portal.spreadsheets import cell_text, clean_nine_digits, shorten

__all__ = [
    "MAX_AMOUNT",
    "clean_amount",
    "clean_date",
    "clean_member_rin",
    "clean_optional_text",
    "clean_required_text",
    "format_amount",
    "format_date",
]

#: The largest amount a claim column holds (``TicketClaim``: 12 digits, 2 decimals).
MAX_AMOUNT = Decimal("9999999999.99")

_CENTS = Decimal("0.01")
_WHITESPACE = re.compile(r"\s+")
_US_DATE = re.compile(r"(\d{1,2})/(\d{1,2})/(\d{4})")
_ISO_DATE = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})")


def format_date(value: datetime.date) -> str:
    """A date as the template's people write it: 3/5/2026."""
    return f"{value.month}/{value.day}/{value.year}"


def format_amount(value: Decimal) -> str:
    """An amount as a message shows it: $1,250.00."""
    return f"${value:,.2f}"


def clean_required_text(value, max_length: int, *, label: str) -> str:
    """Required free text, whitespace collapsed; ``label`` names it in the message."""
    text = clean_optional_text(value, max_length, label=label)
    if not text:
        raise ValidationError(f"Enter the {label}.", code="required")
    return text


def clean_optional_text(value, max_length: int, *, label: str) -> str:
    """Free text that may be blank, whitespace collapsed, at most ``max_length`` long."""
    text = _WHITESPACE.sub(" ", cell_text(value)).strip()
    if len(text) > max_length:
        raise ValidationError(
            f"The {label} is {len(text)} characters long; shorten it to {max_length} "
            "characters or fewer.",
            code="max_length",
        )
    return text


def clean_member_rin(value) -> str:
    """The member's RIN (Recipient Identification Number): exactly 9 digits.

    Spaces and dashes are ignored. A RIN typed into a cell Excel treats as a number loses
    its leading zeros (012345678 becomes 12345678): a number of 7 or 8 digits is
    zero-padded back to 9, as ``registration.validators.clean_tax_id`` does for a Tax ID.
    A shorter number, or text that is not 9 digits, is refused: padding it would name a
    different member. The blank template formats the column as text, so this only
    happens to values pasted over that format.
    """
    return clean_nine_digits(
        value,
        missing="Enter the member's RIN, the 9-digit Recipient Identification Number.",
        not_nine="{value} must be 9 digits; enter the member's 9-digit Recipient "
        "Identification Number (RIN) from the medical card.",
        code="rin",
    )


def clean_date(value, *, today: datetime.date, label: str) -> datetime.date:
    """A real date, not after ``today``.

    A date cell gives a ``datetime`` (its time is dropped) or ``date``; text may be
    "3/15/2026" (month/day/year, four-digit year) or "2026-03-15". A bare number (a date
    cell whose format was changed to General shows e.g. 46096) is refused, as is any
    other text: the person sees what the message quotes.
    """
    if isinstance(value, datetime.datetime):
        found = value.date()
    elif isinstance(value, datetime.date):
        found = value
    else:
        text = cell_text(value)
        if not text:
            raise ValidationError(f"Enter the {label}, e.g. 3/15/2026.", code="date_required")
        found = _parse_date(text)
        if found is None:
            raise ValidationError(
                f"{shorten(text)} is not a date; enter the {label} as month/day/year, "
                "e.g. 3/15/2026.",
                code="date_format",
            )
    if found > today:
        raise ValidationError(
            f"{format_date(found)} is in the future; the {label} cannot be after today, "
            f"{format_date(today)}.",
            code="date_future",
        )
    check_not_too_old(found, today=today, label=label)
    return found


#: How far back a date of service may go (issue 15): a dispute with an MCO is about recent
#: claims, and a date older than this is a typing or spreadsheet slip (a number cell read
#: as a date: Excel's serial 60 is 28 February 1900).
SERVICE_YEARS_BACK = 10


def earliest_service_date(today: datetime.date) -> datetime.date:
    """1 January of the year ``SERVICE_YEARS_BACK`` years before ``today``'s."""
    return datetime.date(today.year - SERVICE_YEARS_BACK, 1, 1)


def check_not_too_old(found: datetime.date, *, today: datetime.date, label: str) -> None:
    earliest = earliest_service_date(today)
    if found < earliest:
        raise ValidationError(
            f"{format_date(found)} is too long ago for a {label}: it must be on or after "
            f"{format_date(earliest)}. Check the year, and that the cell holds a date.",
            code="date_too_old",
        )


def _parse_date(text: str) -> datetime.date | None:
    if match := _US_DATE.fullmatch(text):
        month, day, year = (int(part) for part in match.groups())
    elif match := _ISO_DATE.fullmatch(text):
        year, month, day = (int(part) for part in match.groups())
    else:
        return None
    try:
        return datetime.date(year, month, day)
    except ValueError:
        return None


def clean_amount(value, *, label: str) -> Decimal:
    """An amount in dollars: 0 or more, at most 2 decimals, at most ``MAX_AMOUNT``.

    A number cell gives an int or a float; a float that is a whole number of cents within
    rounding noise (a formula's 0.30000000000000004) is taken as those cents. Text may
    carry a dollar sign and thousands commas ("$1,250.00"). Returns a ``Decimal`` with
    exactly 2 places.
    """
    if isinstance(value, bool):
        raise ValidationError(
            f"{value} is not an amount; enter the {label} in dollars and cents, e.g. 125.50.",
            code="amount_format",
        )
    if isinstance(value, float):
        if not math.isfinite(value):
            amount = None
        elif math.isclose(value, round(value, 2), rel_tol=0, abs_tol=1e-6):
            amount = Decimal(repr(round(value, 2)))
        else:
            amount = Decimal(repr(value))
    elif isinstance(value, int | Decimal):
        amount = Decimal(value)
    else:
        text = cell_text(value)
        if not text:
            raise ValidationError(
                f"Enter the {label} in dollars and cents (0 if none), e.g. 125.50.",
                code="amount_required",
            )
        amount = _parse_amount(text)
        value = text
    shown = shorten(cell_text(value))
    if amount is None or not amount.is_finite():
        raise ValidationError(
            f"{shown} is not an amount; enter the {label} in dollars and cents, e.g. 125.50.",
            code="amount_format",
        )
    if amount < 0:
        raise ValidationError(
            f"{shown} is negative; enter the {label} as 0 or more, with no minus sign.",
            code="amount_negative",
        )
    if amount != amount.quantize(_CENTS):
        raise ValidationError(
            f"{shown} has more than 2 decimals; enter the {label} in dollars and cents.",
            code="amount_cents",
        )
    if amount > MAX_AMOUNT:
        raise ValidationError(
            f"{shown} is more than {format_amount(MAX_AMOUNT)}; check the {label}.",
            code="amount_too_large",
        )
    return amount.quantize(_CENTS)


def _parse_amount(text: str) -> Decimal | None:
    compact = _WHITESPACE.sub("", text).replace(",", "")
    negative = compact.startswith("-")
    compact = compact.removeprefix("-").removeprefix("$")
    if not re.fullmatch(r"\d+(\.\d*)?|\.\d+", compact):
        return None
    try:
        amount = Decimal(compact)
    except InvalidOperation:  # pragma: no cover - the pattern admits only numbers
        return None
    return -amount if negative and amount else amount  # "-0" is 0, not -0
