"""Registration requests end to end through the views (SPEC §2, R-REG-1..6)."""

import datetime
import io

import openpyxl
import pytest
import time_machine
from django.core import mail
from django.urls import reverse

from deadlines import clocks
from deadlines.calendar import CENTRAL
from registration.models import (
    RegistrationRequest,
)
from registration.template import build_blank_template
from tests.registration.helpers import npi_with_check_digit, provider_payload, with_people

pytestmark = pytest.mark.django_db

# Mon Jan 4, 2027, 10:00 Central: two business days later is Wed Jan 6.
MONDAY = datetime.datetime(2027, 1, 4, 10, tzinfo=CENTRAL)


@pytest.fixture(autouse=True)
def _on_a_monday():
    with time_machine.travel(MONDAY, tick=False):
        yield


@pytest.fixture
def submit(client, provider_user, django_capture_on_commit_callbacks):
    client.force_login(provider_user)

    def post(data, **extra):
        with django_capture_on_commit_callbacks(execute=True):
            return client.post(reverse("registration_new"), data, **extra)

    return post


def test_an_unapproved_person_cannot_start_a_ticket_and_is_told_why(client, provider_user):
    client.force_login(provider_user)
    html = client.get(reverse("ticket_start")).content.decode()
    assert "You cannot file a ticket yet" in html
    assert "None of your registrations is approved yet" in html


def test_a_single_provider_request_gets_a_two_business_day_target(submit, provider_user):
    response = submit(provider_payload())
    assert response.status_code == 302
    request = RegistrationRequest.objects.get()
    assert request.requester == provider_user
    row = request.providers.get()
    assert (row.tax_id, row.npi, row.medicaid_id) == ("361234567", "1234567893", "IL1234567")
    clock = clocks.running_clock(request, "registration")
    assert clock.due_date == datetime.date(2027, 1, 6)
    assert request.individuals.get().is_requester
    assert mail.outbox[-1].to == ["provider@example.test"]
    assert "Wednesday, January 6, 2027" in mail.outbox[-1].body
    page = response.client.get(response["Location"]).content.decode()
    assert "Due" in page and "Wed, Jan 6, 2027" in page


def test_ten_people_get_the_extended_target(submit):
    people = [(f"Person {i}", f"p{i}@clinic.example.test") for i in range(9)]
    submit(with_people(provider_payload(), people))
    request = RegistrationRequest.objects.get()
    assert request.individuals.count() == 10
    # Wed Jan 6 + 21 calendar days = Wed Jan 27 (R-REG-3).
    assert clocks.running_clock(request, "registration").due_date == datetime.date(2027, 1, 27)


def test_a_bad_npi_is_named_and_everything_typed_is_kept(submit):
    response = submit(provider_payload(npi="1234567890"))
    assert response.status_code == 400
    html = response.content.decode()
    assert "check digit" in html
    assert 'id="id_npi_error"' in html
    assert 'value="Lakeside Family Clinic"' in html
    assert 'value="312-555-0100"' in html
    assert not RegistrationRequest.objects.exists()


def test_a_half_filled_person_row_names_what_is_missing(submit):
    data = provider_payload()
    data["people-0-name"] = "Sam Staff"
    response = submit(data)
    assert response.status_code == 400
    assert "Enter the person&#x27;s e-mail address, or clear this row." in (
        response.content.decode()
    )


def test_adding_rows_keeps_everything_and_shows_no_errors(submit):
    data = with_people(provider_payload(npi=""), [("Sam Staff", "sam@clinic.example.test")])
    data["add_rows"] = "1"
    response = submit(data)
    html = response.content.decode()
    assert response.status_code == 200
    assert 'value="sam@clinic.example.test"' in html
    assert 'name="people-3-name"' in html
    assert "usa-error-message" not in html


def fill_template(rows):
    workbook = openpyxl.load_workbook(io.BytesIO(build_blank_template()))
    sheet = workbook["Providers"]
    for r, values in enumerate(rows, start=2):
        for c, value in enumerate(values, start=1):
            sheet.cell(row=r, column=c, value=value)
    out = io.BytesIO()
    workbook.save(out)
    out.seek(0)
    out.name = "providers.xlsx"
    return out


def template_rows(n):
    return [
        [f"Clinic {i}", f"IL{1000000 + i}", npi_with_check_digit(f"{200000000 + i}"),
         f"36{7000000 + i}", f"{i} Lake Street", "Chicago", "IL", "60601"]
        for i in range(n)
    ]


def test_the_template_round_trip_creates_one_request_for_every_row(client, submit):
    blank = client.get(reverse("registration_template"))
    assert blank.status_code == 200
    assert blank["Content-Type"].startswith("application/vnd.openxmlformats")
    response = submit(provider_payload(mode="several", template_file=fill_template(
        template_rows(3))))
    assert response.status_code == 302
    request = RegistrationRequest.objects.get()
    assert request.source == "template"
    assert [p.row_number for p in request.providers.all()] == [2, 3, 4]


def test_a_bad_template_lists_every_problem_and_saves_nothing(submit):
    rows = template_rows(3)
    rows[0][2] = "1234567890"
    rows[2][3] = "12"
    response = submit(provider_payload(mode="several", template_file=fill_template(rows)))
    assert response.status_code == 400
    html = response.content.decode()
    assert "row 2, NPI: 1234567890" in html
    assert "row 4, Tax ID" in html
    assert not RegistrationRequest.objects.exists()


def test_a_good_template_is_kept_when_another_field_needs_fixing(submit):
    response = submit(provider_payload(mode="several", phone="12",
                                       template_file=fill_template(template_rows(2))))
    assert response.status_code == 400
    html = response.content.decode()
    assert "passed every check and is kept" in html
    token = html.split('name="kept" value="', 1)[1].split('"', 1)[0]
    response = submit(provider_payload(mode="several", kept=token))
    assert response.status_code == 302
    assert RegistrationRequest.objects.get().providers.count() == 2


def test_a_forged_kept_token_is_not_trusted(submit):
    response = submit(provider_payload(mode="several", kept="forged:token"))
    assert response.status_code == 400
    assert "Choose your completed template" in response.content.decode()


def test_someone_elses_request_is_not_found(client, submit, other_provider_user):
    submit(provider_payload())
    request = RegistrationRequest.objects.get()
    client.force_login(other_provider_user)
    assert client.get(reverse("registration_detail", args=[request.pk])).status_code == 404
    assert client.get(reverse("registration_new") + f"?copy={request.pk}").status_code == 404
