"""The check functions behind the registration form and template (R-REG-2, R-FILE-7)."""

import pytest
from django.core.exceptions import ValidationError

from registration.validators import (
    ADDRESS_KEY_MAX_LENGTH,
    STATES,
    clean_medicaid_id,
    clean_npi,
    clean_required_text,
    clean_state,
    clean_tax_id,
    clean_zip,
    normalise_address,
)


def refused(clean, value, *args, **kwargs) -> ValidationError:
    with pytest.raises(ValidationError) as caught:
        clean(value, *args, **kwargs)
    return caught.value


# -- NPI --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("1234567893", "1234567893"),  # the CMS example NPI
        (1234567893, "1234567893"),  # Excel: a number
        (1234567893.0, "1234567893"),  # Excel: a float
        ("123-456-7893", "1234567893"),
        (" 1234 567 893 ", "1234567893"),
        ("9876543213", "9876543213"),
        ("5550001114", "5550001114"),
    ],
)
def test_npi_accepts_ten_digits_with_a_valid_check_digit(value, expected):
    assert clean_npi(value) == expected


@pytest.mark.parametrize(
    ("value", "code"),
    [
        (None, "npi_required"),
        ("", "npi_required"),
        ("   ", "npi_required"),
        ("123456789", "npi_format"),
        ("12345678901", "npi_format"),
        ("12345678AB", "npi_format"),
        ("１２３４５６７８９３", "npi_format"),  # full-width digits are not ASCII digits
        (1234567893.5, "npi_format"),
        (True, "npi_format"),
        ("1234567890", "npi_check_digit"),
        ("1234567891", "npi_check_digit"),
        (1234567890, "npi_check_digit"),
    ],
)
def test_npi_refused_with_a_distinct_code_per_problem(value, code):
    assert refused(clean_npi, value).code == code


def test_npi_check_digit_message_names_the_number_and_the_fix():
    assert refused(clean_npi, "1234567890").messages == [
        "1234567890 fails the NPI check digit; check the number on the NPPES record."
    ]


def test_npi_length_message_differs_from_the_check_digit_message():
    message = refused(clean_npi, "12345").messages[0]
    assert message == "12345 is not 10 digits; an NPI is exactly 10 digits, with no letters."


def test_npi_message_cuts_a_very_long_value():
    message = refused(clean_npi, "9" * 500).messages[0]
    assert len(message) < 120


# -- Tax ID -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("12-3456789", "123456789"),
        ("123456789", "123456789"),
        (" 12 345 6789 ", "123456789"),
        (123456789, "123456789"),
        (123456789.0, "123456789"),
        (12345678, "012345678"),  # Excel dropped the leading zero of 01-2345678
        (1234567, "001234567"),
    ],
)
def test_tax_id_accepts_nine_digits(value, expected):
    assert clean_tax_id(value) == expected


@pytest.mark.parametrize(
    ("value", "code"),
    [
        (None, "tax_id_required"),
        ("", "tax_id_required"),
        ("12-345678", "tax_id_format"),
        ("12345678", "tax_id_format"),  # text keeps its digits: no padding
        (123456, "tax_id_format"),  # too short to be a lost leading zero
        ("12-34567890", "tax_id_format"),
        ("AB-CDEFGHI", "tax_id_format"),
        ("000000000", "tax_id_zero"),
        ("00-0000000", "tax_id_zero"),
    ],
)
def test_tax_id_refused(value, code):
    assert refused(clean_tax_id, value).code == code


# -- Medicaid (IMPACT) provider ID --------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("abc123", "ABC123"),
        ("AB-12 34", "AB1234"),
        (123456, "123456"),
        (123456.0, "123456"),
        ("A" * 15, "A" * 15),
    ],
)
def test_medicaid_id_accepts_six_to_fifteen_letters_and_digits(value, expected):
    assert clean_medicaid_id(value) == expected


@pytest.mark.parametrize(
    ("value", "code"),
    [
        (None, "medicaid_id_required"),
        ("", "medicaid_id_required"),
        (" - ", "medicaid_id_required"),  # only separators
        ("12345", "medicaid_id_length"),
        ("A" * 16, "medicaid_id_length"),
        ("ABC#123", "medicaid_id_format"),
        ("ÄBC1234", "medicaid_id_format"),
    ],
)
def test_medicaid_id_refused(value, code):
    assert refused(clean_medicaid_id, value).code == code


def test_missing_medicaid_id_message_says_it_is_required():
    assert "Enter the Medicaid (IMPACT) provider ID" in refused(clean_medicaid_id, "").messages[0]


# -- ZIP code ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("60601", "60601"),
        (" 60601 ", "60601"),
        ("60601-1234", "60601-1234"),
        ("606011234", "60601-1234"),
        (60601, "60601"),
        (60601.0, "60601"),
        (2134, "02134"),  # Excel dropped the leading zero of 02134
        (501, "00501"),
        (21341234, "02134-1234"),
        (606011234, "60601-1234"),
    ],
)
def test_zip_accepts_five_digits_or_zip_plus_four(value, expected):
    assert clean_zip(value) == expected


@pytest.mark.parametrize(
    ("value", "code"),
    [
        (None, "zip_required"),
        ("", "zip_required"),
        ("6060", "zip_format"),  # text keeps its digits: no padding
        ("606011", "zip_format"),
        ("60601-123", "zip_format"),
        ("ABCDE", "zip_format"),
        ("00000", "zip_format"),
        (0, "zip_format"),
        (606011, "zip_format"),  # 6 digits: neither a ZIP nor a ZIP+4
        (-60601, "zip_format"),
        (60601.5, "zip_format"),
    ],
)
def test_zip_refused(value, code):
    assert refused(clean_zip, value).code == code


# -- State ------------------------------------------------------------------------------


def test_states_are_the_fifty_states_dc_and_five_territories():
    assert len(STATES) == 56
    assert {"DC", "PR", "GU", "VI", "AS", "MP"} <= set(STATES)


@pytest.mark.parametrize(
    ("value", "expected"),
    [("IL", "IL"), ("il", "IL"), (" Il ", "IL"), ("dc", "DC"), ("PR", "PR"), ("mp", "MP")],
)
def test_state_accepts_a_usps_code(value, expected):
    assert clean_state(value) == expected


@pytest.mark.parametrize(
    ("value", "fragment"),
    [
        ("Illinois", "enter IL"),
        ("new york", "enter NY"),
        ("XX", "is not a two-letter USPS state code"),
        ("ILL", "is not a two-letter USPS state code"),
        ("", "Enter the state"),
        (None, "Enter the state"),
    ],
)
def test_state_refused_with_a_suggestion(value, fragment):
    assert fragment in refused(clean_state, value).messages[0]


# -- Required text ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("  Acme   Clinic ", "Acme Clinic"),
        ("Acme\nClinic", "Acme Clinic"),
        (12345, "12345"),
        ("=Acme", "=Acme"),  # a text cell starting with "=" is text, never a formula
    ],
)
def test_required_text_collapses_whitespace(value, expected):
    assert clean_required_text(value, 200) == expected


@pytest.mark.parametrize(
    ("value", "message"),
    [
        (None, "Enter the legal name."),
        ("   ", "Enter the legal name."),
        (
            "A" * 201,
            "The legal name is 201 characters long; shorten it to 200 characters or fewer.",
        ),
    ],
)
def test_required_text_refused_naming_the_field(value, message):
    assert refused(clean_required_text, value, 200, label="legal name").messages == [message]


def test_required_text_accepts_exactly_max_length():
    assert clean_required_text("A" * 200, 200) == "A" * 200


# -- Address key (R-FILE-7) -------------------------------------------------------------


@pytest.mark.parametrize(
    ("one", "other"),
    [
        (
            ("123 North Main Street, Suite 4", "Chicago", "il", "60601-1234"),
            ("123 N. Main St Ste 4", "CHICAGO", "IL", 60601),
        ),
        (
            ("10 West Jackson Boulevard", "Chicago", "IL", "60604"),
            ("10  W  Jackson   Blvd.", "chicago", "IL", "60604"),
        ),
        (
            ("5 East Lake Drive", "Springfield", "IL", "62701"),
            ("5 E Lake Dr", "Springfield", "IL", "62701-0001"),
        ),
        (
            ("9 South Road Avenue", "Boston", "MA", 2134),
            ("9 S Rd Ave", "Boston", "MA", "02134"),
        ),
    ],
)
def test_address_key_matches_the_same_place_spelled_differently(one, other):
    assert normalise_address(*one) == normalise_address(*other)


def test_address_key_shape():
    key = normalise_address("123 North Main Street, Suite #4", "O'Fallon", "il", "62269-1234")
    assert key == "123 N MAIN ST STE 4|OFALLON|IL|62269"


@pytest.mark.parametrize(
    ("one", "other"),
    [
        (("1 Main St", "Chicago", "IL", "60601"), ("2 Main St", "Chicago", "IL", "60601")),
        (("1 Main St", "Chicago", "IL", "60601"), ("1 Main St", "Chicago", "IL", "60602")),
        (("1 Main St", "Chicago", "IL", "60601"), ("1 Main St", "Chicago", "IN", "60601")),
        (("1 Main St", "Chicago", "IL", "60601"), ("1 Main St", "Evanston", "IL", "60601")),
    ],
)
def test_address_key_tells_different_places_apart(one, other):
    assert normalise_address(*one) != normalise_address(*other)


def test_address_key_fits_the_model_column():
    key = normalise_address("1 " + "Long " * 60, "C" * 100, "IL", "60601")
    assert len(key) == ADDRESS_KEY_MAX_LENGTH
    assert key.endswith("|" + "C" * 100 + "|IL|60601")
