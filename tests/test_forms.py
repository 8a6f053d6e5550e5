"""The one USWDS form-field component (R-SEC-5): label, hint, error, ARIA."""

import pytest
from django.urls import reverse

from portal.forms import InviteForm

pytestmark = pytest.mark.django_db


def test_a_field_with_an_error_renders_label_hint_error_and_aria(reference_data):
    form = InviteForm(data={"email": "not-an-address", "role": "mco"})
    html = str(form)
    assert '<label class="usa-label usa-label--error" for="id_email" id="id_email_label">' in html
    assert 'id="id_email_helptext"' in html
    assert 'id="id_email_error"' in html
    assert 'aria-describedby="id_email_helptext id_email_error"' in html
    assert 'aria-invalid="true"' in html
    assert "usa-input usa-input--error" in html
    assert 'value="not-an-address"' in html
    assert "usa-form-group--error" in html


def test_a_valid_field_has_no_error_markup(reference_data):
    form = InviteForm(data={"email": "ok@example.test"})
    form.is_valid()
    html = str(form["email"].as_field_group())
    assert "usa-error-message" not in html
    assert "aria-invalid" not in html
    assert 'class="usa-input"' in html


def test_selects_get_the_uswds_select_class(reference_data):
    assert 'class="usa-select"' in str(InviteForm()["role"])


def test_allauth_forms_use_the_same_component(client, db):
    html = client.get(reverse("account_login")).content.decode()
    assert 'class="usa-label"' in html
    assert 'class="usa-input"' in html


def test_a_missing_value_is_named_in_the_message(reference_data):
    form = InviteForm(data={})
    assert form.errors["first_name"] == ["Enter first name."]
    assert form.errors["role"] == ["Choose role."]


def test_a_file_input_keeps_its_visible_label_as_its_name():
    from registration.forms import TemplateUploadForm

    html = str(TemplateUploadForm()["template_file"].as_field_group())
    assert 'id="id_template_file_label"' in html
    assert 'aria-labelledby="id_template_file_label"' in html


def test_a_reference_choice_is_read_in_one_plain_query_and_twice_from_it(reference_data):
    """The MCO and complaint-type selects read their table once, by a plain SELECT, not a
    server-side cursor (issue 14); the choices are every row in the queryset's order, and
    a second rendering of the same form reads nothing again."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from portal.models import MCO
    from tests import factories
    from tickets.search import TicketSearchForm

    form = TicketSearchForm(None, user=factories.hfs_staff())
    with CaptureQueriesContext(connection) as queries:
        first = str(form["mco"])
    assert len(queries) == 1 and queries[0]["sql"].lstrip().startswith("SELECT")
    names = list(MCO.objects.order_by("name").values_list("name", flat=True))
    assert len(names) > 1
    positions = [first.index(f">{name}</option>") for name in names]
    assert positions == sorted(positions)
    assert '<option value="" selected>Any MCO</option>' in first
    with CaptureQueriesContext(connection) as again:
        assert str(form["mco"]) == first
    assert len(again) == 0
