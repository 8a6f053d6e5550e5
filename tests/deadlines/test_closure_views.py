"""HFS staff add and remove office-closure days in the portal (R-CLK-1, issue 3)."""

import datetime

import pytest
import time_machine
from django.urls import reverse

from deadlines import clocks
from deadlines.calendar import CENTRAL, is_business_day
from deadlines.models import ClosureChange
from portal.models import MCO
from tests.deadlines.clock_kinds import BUSINESS

pytestmark = pytest.mark.django_db

DAY = datetime.date(2027, 1, 11)


@pytest.fixture(autouse=True)
def _in_january_2027():
    with time_machine.travel(datetime.datetime(2027, 1, 5, 10, tzinfo=CENTRAL), tick=False):
        yield


def test_hfs_staff_add_a_closure_and_running_clocks_move(client, hfs_staff, reference_data):
    clock = clocks.start_clock(
        BUSINESS,
        MCO.objects.get(slug="molina"),
        at=datetime.datetime(2027, 1, 7, 9, tzinfo=CENTRAL),
    )
    client.force_login(hfs_staff)
    response = client.post(
        reverse("closure_add"), {"date": "2027-01-11", "reason": "Snow emergency"}
    )
    assert response.status_code == 302
    assert not is_business_day(DAY)
    clock.refresh_from_db()
    assert clock.due_date == datetime.date(2027, 1, 15)
    change = ClosureChange.objects.get()
    assert (change.action, change.changed_by, change.reason) == (
        "added",
        hfs_staff,
        "Snow emergency",
    )
    page = client.get(reverse("closure_list")).content.decode()
    assert "Snow emergency" in page and "Monday, January 11, 2027" in page


def test_a_weekend_is_refused_with_the_reason_and_the_input_kept(client, hfs_staff):
    client.force_login(hfs_staff)
    response = client.post(reverse("closure_add"), {"date": "2027-01-16", "reason": "Proclamation"})
    assert response.status_code == 400
    html = response.content.decode()
    assert "is a Saturday" in html
    assert 'aria-invalid="true"' in html
    assert "Proclamation" in html


def test_a_missing_reason_names_the_field(client, hfs_staff):
    client.force_login(hfs_staff)
    response = client.post(reverse("closure_add"), {"date": "2027-01-11", "reason": ""})
    assert response.status_code == 400
    assert 'id="id_reason_error"' in response.content.decode()
    assert is_business_day(DAY)


def test_hfs_staff_remove_a_closure_with_a_reason(client, hfs_staff):
    client.force_login(hfs_staff)
    client.post(reverse("closure_add"), {"date": "2027-01-11", "reason": "Snow"})
    response = client.post(
        reverse("closure_remove", args=["2027-01-11"]), {"reason": "Roads cleared"}
    )
    assert response.status_code == 302
    assert is_business_day(DAY)
    assert list(ClosureChange.objects.values_list("action", flat=True)) == ["removed", "added"]


def test_removing_a_day_that_is_not_a_closure_says_so(client, hfs_staff):
    client.force_login(hfs_staff)
    response = client.post(
        reverse("closure_remove", args=["2027-01-18"]), {"reason": "x"}, follow=True
    )
    assert "state holiday, which cannot be removed" in response.content.decode()


def test_a_malformed_day_is_not_found(client, hfs_staff):
    client.force_login(hfs_staff)
    response = client.post(reverse("closure_remove", args=["2027-13-45"]), {"reason": "x"})
    assert response.status_code == 404


def test_other_roles_cannot_change_the_calendar(client, mco_staff, provider_user):
    for user in (mco_staff, provider_user):
        client.force_login(user)
        response = client.post(reverse("closure_add"), {"date": "2027-01-11", "reason": "x"})
        assert response.status_code == 403
    assert is_business_day(DAY)
