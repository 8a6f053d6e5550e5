"""Shared helpers for registration tests: valid identifiers and form payloads."""


def npi_with_check_digit(first_nine: str) -> str:
    """A valid NPI: the Luhn check digit over "80840" + the first nine digits."""
    digits = [int(c) for c in "80840" + first_nine]
    total = 0
    for i, digit in enumerate(reversed(digits)):
        if i % 2 == 0:
            digit *= 2
            if digit > 9:
                digit -= 9
        total += digit
    return first_nine + str((10 - total % 10) % 10)


def provider_payload(**overrides):
    data = {
        "name": "Dana Biller",
        "email": "dana@clinic.example.test",
        "phone": "312-555-0100",
        "relationship": "representative",
        "mode": "one",
        "legal_name": "Lakeside Family Clinic",
        "medicaid_id": "IL1234567",
        "npi": npi_with_check_digit("123456789"),
        "tax_id": "36-1234567",
        "street": "100 North Main Street",
        "city": "Springfield",
        "state": "IL",
        "zip_code": "62701",
        "people-TOTAL_FORMS": "3",
        "people-INITIAL_FORMS": "0",
        "people-MIN_NUM_FORMS": "0",
        "people-MAX_NUM_FORMS": "200",
    }
    data.update(overrides)
    return data


def with_people(data, people):
    data = dict(data)
    data["people-TOTAL_FORMS"] = str(len(people))
    for i, (name, email) in enumerate(people):
        data[f"people-{i}-name"] = name
        data[f"people-{i}-email"] = email
        data[f"people-{i}-relationship"] = "staff"
    return data
