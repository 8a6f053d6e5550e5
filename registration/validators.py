"""Check functions for what a person types about a provider/facility (SPEC R-REG-2).

Each ``clean_*`` function takes a value as it arrives from a form field *or* from a
spreadsheet cell (``str``, ``int``, ``float`` or ``None``: Excel turns ``1234567893`` into
an int, or a float such as ``1234567893.0``, and drops leading zeros) and either returns
the normalised value or raises ``django.core.exceptions.ValidationError`` with one message
that names the problem and the fix, e.g. "1234567890 fails the NPI check digit; check the
number on the NPPES record." Every error carries a ``code`` for tests and for the form.

The same functions serve the one-provider form and the multiple registration template
(``registration.template``, R-REG-5), so a value is judged the same way wherever it came
from. ``normalise_address`` builds the key that, with the Tax ID, identifies a
provider/facility (R-FILE-7).
"""

from __future__ import annotations

import re

from django.core.exceptions import ValidationError
from django.core.validators import validate_email

from portal.spreadsheets import cell_text as as_text  # noqa: F401  (public here too)
from portal.spreadsheets import (
    clean_nine_digits,
    shorten,  # noqa: F401
)

__all__ = [
    "ADDRESS_KEY_MAX_LENGTH",
    "MEDICAID_ID_MAX_LENGTH",
    "MEDICAID_ID_MIN_LENGTH",
    "STATES",
    "as_text",
    "clean_email",
    "clean_medicaid_id",
    "clean_npi",
    "clean_phone",
    "clean_required_text",
    "clean_state",
    "clean_tax_id",
    "clean_zip",
    "normalise_address",
    "shorten",
]

#: USPS two-letter codes accepted for a service location: the 50 states, the District of
#: Columbia and the inhabited territories. The names are used only to suggest the code.
STATES: dict[str, str] = {
    "AL": "Alabama", "AK": "Alaska", "AZ": "Arizona", "AR": "Arkansas",
    "CA": "California", "CO": "Colorado", "CT": "Connecticut", "DE": "Delaware",
    "FL": "Florida", "GA": "Georgia", "HI": "Hawaii", "ID": "Idaho",
    "IL": "Illinois", "IN": "Indiana", "IA": "Iowa", "KS": "Kansas",
    "KY": "Kentucky", "LA": "Louisiana", "ME": "Maine", "MD": "Maryland",
    "MA": "Massachusetts", "MI": "Michigan", "MN": "Minnesota", "MS": "Mississippi",
    "MO": "Missouri", "MT": "Montana", "NE": "Nebraska", "NV": "Nevada",
    "NH": "New Hampshire", "NJ": "New Jersey", "NM": "New Mexico", "NY": "New York",
    "NC": "North Carolina", "ND": "North Dakota", "OH": "Ohio", "OK": "Oklahoma",
    "OR": "Oregon", "PA": "Pennsylvania", "RI": "Rhode Island", "SC": "South Carolina",
    "SD": "South Dakota", "TN": "Tennessee", "TX": "Texas", "UT": "Utah",
    "VT": "Vermont", "VA": "Virginia", "WA": "Washington", "WV": "West Virginia",
    "WI": "Wisconsin", "WY": "Wyoming",
    "DC": "District of Columbia",
    "PR": "Puerto Rico", "GU": "Guam", "VI": "U.S. Virgin Islands",
    "AS": "American Samoa", "MP": "Northern Mariana Islands",
}  # fmt: skip

_CODE_BY_NAME = {name.upper().replace(".", ""): code for code, name in STATES.items()}

#: The shape we check for an Illinois Medicaid (IMPACT) provider ID; see clean_medicaid_id.
MEDICAID_ID_MIN_LENGTH = 6
MEDICAID_ID_MAX_LENGTH = 15

#: The longest phone number the request keeps (the model's column).
PHONE_MAX_LENGTH = 30

#: The length of ``Provider.address_key`` / ``RequestedProvider.address_key``.
ADDRESS_KEY_MAX_LENGTH = 300

#: The NPI's issuer prefix: the check digit is the Luhn digit of "80840" + the first 9 digits
#: (CMS, "Requirements for NPI check digit").
_NPI_PREFIX = "80840"

#: A value echoed back in a message is cut to this many characters.

_SEPARATORS = re.compile(r"[\s\-]+")
_WHITESPACE = re.compile(r"\s+")


def _whole_number(value) -> int | None:
    """The value as a non-negative int if Excel stored it as a number, else None."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int) and value >= 0:
        return value
    if isinstance(value, float) and value.is_integer() and value >= 0:
        return int(value)
    return None


def _luhn_is_valid(digits: str) -> bool:
    """Whether a string of digits passes the Luhn (mod 10) check, check digit last."""
    total = 0
    for position, char in enumerate(reversed(digits)):
        digit = int(char)
        if position % 2 == 1:
            digit *= 2
            if digit > 9:
                digit -= 9
        total += digit
    return total % 10 == 0


def clean_npi(value) -> str:
    """A National Provider Identifier: 10 digits whose last is the Luhn check digit.

    Spaces and dashes are ignored ("123-456-7893"). The check digit is computed over
    "80840" followed by the first 9 digits, the standard NPI check (R-REG-2): 1234567893
    passes, 1234567890 does not. Returns the 10 digits.
    """
    text = as_text(value)
    if not text:
        raise ValidationError(
            "Enter the NPI, the provider's 10-digit National Provider Identifier.",
            code="npi_required",
        )
    digits = _SEPARATORS.sub("", text)
    if not (digits.isascii() and digits.isdigit() and len(digits) == 10):
        raise ValidationError(
            f"{shorten(text)} is not 10 digits; an NPI is exactly 10 digits, with no letters.",
            code="npi_format",
        )
    if not _luhn_is_valid(_NPI_PREFIX + digits):
        raise ValidationError(
            f"{digits} fails the NPI check digit; check the number on the NPPES record.",
            code="npi_check_digit",
        )
    return digits


def clean_tax_id(value) -> str:
    """A Tax ID (FEIN or other TIN): 9 digits, returned without the dash.

    "12-3456789" and "123 456 789" both give "123456789". A number from Excel that lost
    one or two leading zeros (a 7- or 8-digit int, e.g. 12345678 for 01-2345678) is
    zero-padded back to 9 digits; a shorter number is refused. All zeros is refused.
    """
    digits = clean_nine_digits(
        value,
        missing="Enter the Tax ID (the 9-digit FEIN or TIN, e.g. 12-3456789).",
        not_nine="{value} is not a Tax ID; enter the 9-digit FEIN or TIN, e.g. 12-3456789.",
        code="tax_id",
    )
    if digits == "000000000":
        raise ValidationError(
            "000000000 is not a real Tax ID; enter the provider's 9-digit FEIN or TIN.",
            code="tax_id_zero",
        )
    return digits


def clean_medicaid_id(value) -> str:
    """The Illinois Medicaid (IMPACT) provider ID: required (R-REG-2), uppercased.

    HFS does not publish the exact format of an IMPACT provider ID, so only its shape is
    checked: after removing spaces and dashes, 6 to 15 letters and digits (the model's
    column holds 15). Whether the ID belongs to the provider is for the registration
    admin to confirm, not for this function.
    """
    text = as_text(value)
    compact = _SEPARATORS.sub("", text).upper()
    if not compact:
        raise ValidationError(
            "Enter the Medicaid (IMPACT) provider ID; every provider/facility needs one.",
            code="medicaid_id_required",
        )
    if not (compact.isascii() and compact.isalnum()):
        raise ValidationError(
            f"{shorten(text)} has characters other than letters and digits; a Medicaid "
            "(IMPACT) provider ID has only letters and digits.",
            code="medicaid_id_format",
        )
    if not MEDICAID_ID_MIN_LENGTH <= len(compact) <= MEDICAID_ID_MAX_LENGTH:
        raise ValidationError(
            f"{shorten(text)} has {len(compact)} characters; a Medicaid (IMPACT) provider "
            f"ID has {MEDICAID_ID_MIN_LENGTH} to {MEDICAID_ID_MAX_LENGTH} letters and "
            "digits. Check it against the IMPACT record.",
            code="medicaid_id_length",
        )
    return compact


def clean_zip(value) -> str:
    """A ZIP code: "12345" or ZIP+4 "12345-6789" (9 bare digits get their dash).

    Excel stores a ZIP typed into a number cell as an int and drops the leading zero
    (02134 -> 2134): an int of up to 5 digits is zero-padded to 5, and an int of 8 or 9
    digits (a ZIP+4 typed without the dash) is zero-padded to 9. Text must already have
    all its digits. 00000 is refused.
    """
    number = _whole_number(value)
    if number is not None:
        size = len(str(number))
        if size <= 5:
            value = str(number).zfill(5)
        elif size in (8, 9):
            value = str(number).zfill(9)
    text = as_text(value)
    if not text:
        raise ValidationError(
            "Enter the ZIP code: 5 digits, or ZIP+4 such as 60601-1234.", code="zip_required"
        )
    compact = _WHITESPACE.sub("", text)
    if re.fullmatch(r"\d{9}", compact):
        compact = f"{compact[:5]}-{compact[5:]}"
    if not (compact.isascii() and re.fullmatch(r"\d{5}(-\d{4})?", compact)):
        raise ValidationError(
            f"{shorten(text)} is not a ZIP code; enter 5 digits, or ZIP+4 such as 60601-1234.",
            code="zip_format",
        )
    if compact.startswith("00000"):
        raise ValidationError(
            f"{compact} is not a real ZIP code; enter the service location's ZIP code.",
            code="zip_format",
        )
    return compact


def clean_state(value) -> str:
    """A two-letter USPS code from ``STATES``, uppercased ("il" -> "IL")."""
    text = as_text(value)
    if not text:
        raise ValidationError(
            "Enter the state as its two-letter USPS code, e.g. IL.", code="state_required"
        )
    code = text.upper()
    if code in STATES:
        return code
    suggestion = _CODE_BY_NAME.get(_WHITESPACE.sub(" ", code.replace(".", "")))
    if suggestion:
        message = f"{shorten(text)} is not a two-letter state code; enter {suggestion}."
    else:
        message = (
            f"{shorten(text)} is not a two-letter USPS state code; enter one such as IL "
            "for Illinois."
        )
    raise ValidationError(message, code="state_format")


def clean_required_text(value, max_length: int, *, label: str = "value") -> str:
    """Required free text (a legal name, a street, a city), whitespace collapsed.

    ``label`` names the field in lowercase inside the message ("Enter the legal name.").
    Raises when the text is empty or longer than ``max_length`` characters.
    """
    text = _WHITESPACE.sub(" ", as_text(value)).strip()
    if not text:
        raise ValidationError(f"Enter the {label}.", code="required")
    if len(text) > max_length:
        raise ValidationError(
            f"The {label} is {len(text)} characters long; shorten it to {max_length} "
            "characters or fewer.",
            code="max_length",
        )
    return text


def clean_phone(value) -> str:
    """A US phone number with its area code: 10 digits, or 11 with the leading 1.
    Returned as typed (stripped): "312-555-0100", "(312) 555-0100"."""
    text = as_text(value)
    digits = "".join(c for c in text if c.isdigit())
    if len(digits) not in (10, 11) or (len(digits) == 11 and not digits.startswith("1")):
        raise ValidationError(
            "Enter a 10-digit phone number with its area code, for example 312-555-0100.",
            code="phone_format",
        )
    if len(text) > PHONE_MAX_LENGTH:
        raise ValidationError(
            f"The phone number is {len(text)} characters long; enter it in "
            f"{PHONE_MAX_LENGTH} characters or fewer, for example 312-555-0100.",
            code="phone_format",
        )
    return text


def clean_email(value, *, label: str = "e-mail address") -> str:
    """An e-mail address, lowercased ("Dana@Clinic.example" -> "dana@clinic.example")."""
    text = as_text(value)
    if not text:
        raise ValidationError(f"Enter the {label}.", code="email_required")
    try:
        validate_email(text)
    except ValidationError:
        raise ValidationError(
            f"{shorten(text)} is not an e-mail address; enter the {label} as "
            "name@example.com.",
            code="email_format",
        ) from None
    return text.lower()


#: Whole words replaced by their USPS abbreviation in an address key.
_ABBREVIATIONS = {
    "STREET": "ST",
    "AVENUE": "AVE",
    "ROAD": "RD",
    "SUITE": "STE",
    "NORTH": "N",
    "SOUTH": "S",
    "EAST": "E",
    "WEST": "W",
    "BOULEVARD": "BLVD",
    "DRIVE": "DR",
}
_DROPPED = re.compile(r"[.'’]")
_PUNCTUATION = re.compile(r"[^A-Z0-9 ]+")


def _normalise_words(text: str) -> str:
    """Uppercase; drop periods and apostrophes ("N." -> "N", "O'Hare" -> "OHARE");
    any other punctuation becomes a space; whitespace collapsed; USPS abbreviations."""
    text = _DROPPED.sub("", as_text(text).upper())
    text = _PUNCTUATION.sub(" ", text)
    return " ".join(_ABBREVIATIONS.get(word, word) for word in text.split())


def normalise_address(street, city, state, zip5) -> str:
    """The key that, with the Tax ID, identifies a provider/facility (R-FILE-7).

    "123 North Main Street, Suite 4" / "Chicago" / "il" / "60601-1234" and
    "123 N. Main St Ste 4" / "CHICAGO" / "IL" / 60601 both give
    "123 N MAIN ST STE 4|CHICAGO|IL|60601". Street and city are uppercased, stripped of
    punctuation, whitespace-collapsed and abbreviated (STREET -> ST, NORTH -> N, ...); the
    ZIP is cut to its first 5 digits (an int is zero-padded). The key is at most
    ``ADDRESS_KEY_MAX_LENGTH`` characters: an over-long street is cut to fit.
    The inputs are expected to be cleaned already; this function never raises.
    """
    number = _whole_number(zip5)
    zip_text = str(number).zfill(5) if number is not None else as_text(zip5)
    zip_digits = re.sub(r"\D", "", zip_text)[:5]
    tail = f"|{_normalise_words(city)}|{as_text(state).upper()}|{zip_digits}"
    street_key = _normalise_words(street)[: max(0, ADDRESS_KEY_MAX_LENGTH - len(tail))]
    return (street_key + tail)[:ADDRESS_KEY_MAX_LENGTH]
