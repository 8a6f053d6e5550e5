"""The people rows' count that the registration page posts (people-TOTAL_FORMS): missing
or not a number is a bad request (400) with a clear message, never a server error; what was
typed comes back."""

import pytest
from django.urls import reverse

from registration.models import RegistrationRequest
from tests.registration.helpers import provider_payload, with_people

pytestmark = pytest.mark.django_db


@pytest.fixture
def post(client, provider_user):
    client.force_login(provider_user)

    def post(data):
        return client.post(reverse("registration_new"), data)

    return post


@pytest.mark.parametrize("count", ["abc", "", "3.5", None])
@pytest.mark.parametrize("button", [{}, {"add_rows": "1"}])
def test_a_bad_people_count_is_a_bad_request_that_keeps_what_was_typed(post, count, button):
    data = with_people(provider_payload(**button), [("Sam Staff", "sam@clinic.example.test")])
    if count is None:
        del data["people-TOTAL_FORMS"]
    else:
        data["people-TOTAL_FORMS"] = count
    response = post(data)
    assert response.status_code == 400
    html = response.content.decode()
    assert "without a valid count of the people rows, so nothing was submitted" in html
    assert "data-error-summary" in html
    assert 'value="Sam Staff"' in html  # the person typed is kept
    assert 'value="Lakeside Family Clinic"' in html
    assert 'name="people-TOTAL_FORMS" value="3"' in html  # the page's own count again
    assert not RegistrationRequest.objects.exists()


def test_a_good_count_still_submits(post):
    response = post(with_people(provider_payload(), [("Sam Staff", "sam@clinic.example.test")]))
    assert response.status_code == 302
    assert RegistrationRequest.objects.count() == 1
