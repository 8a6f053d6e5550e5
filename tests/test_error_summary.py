"""The error summary (issue 12): every form with errors opens with one USWDS error alert
that names each field with an error and links to it (href="#<the field's id>"), marked
for focus (data-error-summary, tabindex="-1"). Done once, in the form component, for the
portal's forms and allauth's; a page holding several forms shows one summary for all."""

import re

import pytest
from django.urls import reverse

from portal.forms import InviteForm, error_summary_items
from tests.registration.helpers import provider_payload, with_people

pytestmark = pytest.mark.django_db


def summaries(html):
    return re.findall(r"<div[^>]*data-error-summary[^>]*>.*?</ul>", html, flags=re.S)


def test_a_form_with_errors_opens_with_a_summary_linking_each_field(reference_data):
    form = InviteForm(data={"email": "not-an-address", "role": "mco"})
    html = str(form)
    [summary] = summaries(html)
    assert 'tabindex="-1"' in summary and 'role="alert"' in summary
    assert "There are 4 problems" in summary
    assert '<a class="usa-link" href="#id_email">E-mail address: Enter a valid email' in summary
    assert '<a class="usa-link" href="#id_first_name">Enter first name.</a>' in summary
    assert 'href="#id_mco">Choose the MCO this person works for.</a>' in summary
    # Each link's target is a field on the page.
    for anchor in re.findall(r'href="#([^"]+)"', summary):
        assert f'id="{anchor}"' in html
    assert html.index("data-error-summary") < html.index('id="id_email"')


def test_a_form_without_errors_has_no_summary(reference_data):
    assert "data-error-summary" not in str(InviteForm())
    form = InviteForm(data={"email": "x@example.test", "first_name": "A", "last_name": "B",
                            "role": "hfs"})
    assert form.is_valid()
    assert "data-error-summary" not in str(form)


def test_a_radio_group_links_to_its_first_choice():
    from tickets.forms import ClaimsModeForm

    form = ClaimsModeForm(data={})
    [item] = error_summary_items(form)
    assert item["href"] == "#id_claims_mode_0"
    assert 'id="id_claims_mode_0"' in str(form)


def test_allauth_sign_in_shows_the_summary(client, provider_user):
    response = client.post(reverse("account_login"), {"login": "", "password": ""})
    html = response.content.decode()
    [summary] = summaries(html)
    assert 'href="#id_login"' in summary and 'href="#id_password"' in summary
    assert 'id="id_login"' in html


def test_a_page_of_several_forms_shows_one_summary_for_all(client, provider_user):
    client.force_login(provider_user)
    data = with_people(provider_payload(npi="1", phone=""), [("Sam Staff", "")])
    response = client.post(reverse("registration_new"), data)
    assert response.status_code == 400
    html = response.content.decode()
    [summary] = summaries(html)
    assert 'href="#id_phone"' in summary
    assert 'href="#id_npi"' in summary
    assert "Person 1: " in summary and 'href="#id_people-0-email"' in summary
    assert "Nothing you entered has been lost." in html
