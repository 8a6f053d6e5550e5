"""Shared helpers for registration tests: valid identifiers, provider rows, requests made
through the service, and form payloads."""

import datetime

import time_machine

from deadlines.calendar import CENTRAL
from registration import services
from registration.services import IndividualEntry
from registration.template import ProviderRow
from registration.validators import normalise_address

# Mon Jan 4, 2027, 10:00 Central: two business days later is Wed Jan 6.
MONDAY = datetime.datetime(2027, 1, 4, 10, tzinfo=CENTRAL)


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


def entry(i=0, **overrides):
    """A valid provider row as the form or the template gives it (row_number None)."""
    data = {
        "legal_name": f"Clinic {i}",
        "medicaid_id": f"IL{1000000 + i}",
        "npi": npi_with_check_digit(f"{300000000 + i}"),
        "tax_id": f"36{7000000 + i}",
        "street": f"{i} Lake Street",
        "city": "Chicago",
        "state": "IL",
        "zip_code": "60601",
    }
    data.update(overrides)
    data.setdefault("row_number", None)
    data.setdefault("address_key", normalise_address(
        data["street"], data["city"], data["state"], data["zip_code"]))
    return ProviderRow(**data)


def make_request(user, providers=1, people=(), at=MONDAY, **fields):
    """A request submitted through ``services.submit_request`` at ``at``."""
    rows = [entry(i) for i in range(providers)] if isinstance(providers, int) else providers
    values = {"name": "Dana Biller", "email": user.email, "phone": "312-555-0100",
              "relationship": "representative", **fields}
    with time_machine.travel(at, tick=False):
        return services.submit_request(
            requester=user, providers=rows,
            individuals=[IndividualEntry(name=n, email=e, relationship="staff")
                         for n, e in people],
            **values,
        )
