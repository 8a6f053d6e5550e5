"""The filing rules (R-FILE-3, R-FILE-4, R-FILE-6) as plain functions."""

import datetime

import pytest

from portal.models import MCO
from tickets.rules import filing_window, several_claims_listed, tracking_number_refusal

pytestmark = pytest.mark.django_db  # the calendar reads HFS's closure days


def d(text):
    return datetime.date.fromisoformat(text)


def test_the_window_message_reads_as_the_issue_says():
    # Sep 2, 2026 + 60 = Sun Nov 1 -> Mon Nov 2 (R-CLK-3).
    window = filing_window(d("2026-09-02"))
    assert window.explain("Molina") == (
        "Your dispute was filed with Molina on Sep 2, 2026. You can file it here from "
        "Oct 2, 2026 through Nov 2, 2026."
    )


@pytest.mark.parametrize(
    ("today", "is_open"),
    [
        ("2026-10-01", False),  # day 29
        ("2026-10-02", True),  # day 30
        ("2026-11-02", True),  # day 61, but day 60 (Sun Nov 1) rolls forward to Monday
        ("2026-11-03", False),  # the day after the rolled-forward last day
    ],
)
def test_window_edges_with_a_weekend_day_60(today, is_open):
    assert filing_window(d("2026-09-02")).is_open_on(d(today)) is is_open


@pytest.mark.parametrize(
    ("today", "is_open"),
    [("2027-02-02", False), ("2027-02-03", True), ("2027-03-04", True), ("2027-03-05", False)],
)
def test_window_edges_on_ordinary_days(today, is_open):
    # Jan 4, 2027: day 30 = Wed Feb 3; day 60 = Fri Mar 5, a business day.
    window = filing_window(d("2027-01-04"))
    assert window.opens == d("2027-02-03")
    assert window.closes == d("2027-03-05")
    expected = d(today) >= d("2027-02-03") and d(today) <= d("2027-03-05")
    assert window.is_open_on(d(today)) is expected


def test_a_day_60_on_a_holiday_rolls_to_the_next_business_day():
    # Sep 12, 2026 + 60 = Wed Nov 11 (Veterans Day) -> Thu Nov 12.
    window = filing_window(d("2026-09-12"))
    assert window.closes == d("2026-11-12")
    assert window.is_open_on(d("2026-11-12"))
    assert not window.is_open_on(d("2026-11-13"))


def test_refusals_name_the_dates():
    window = filing_window(d("2026-09-02"))
    early = window.refusal("Molina", d("2026-10-01"))
    assert "Come back on Friday, October 2, 2026" in early
    late = window.refusal("Molina", d("2026-11-03"))
    assert "The last day was Monday, November 2, 2026" in late
    assert window.refusal("Molina", d("2026-10-15")) is None


@pytest.mark.parametrize(
    ("slug", "number", "refused_with"),
    [
        ("aetna", "PDXGR1234567", None),
        ("aetna", "12345", "for example PDXGR1234567"),
        ("blue-cross", "261250001234", None),
        ("blue-cross", "26125000123X", "for example 261250001234"),
        ("molina", "anything-goes-1", None),
        ("molina", "  ", "Enter the tracking number"),
    ],
)
def test_tracking_numbers_are_checked_against_the_mco(reference_data, slug, number,
                                                      refused_with):
    refusal = tracking_number_refusal(MCO.objects.get(slug=slug), number)
    if refused_with is None:
        assert refusal is None
    else:
        assert refused_with in refusal


@pytest.mark.parametrize(
    ("text", "several"),
    [
        ("CLM-00123", False),
        ("CLM 00123", False),
        ("00123, 00456", True),
        ("00123 and 00456", True),
        ("0012345 0045678", True),
        ("00123/00456", True),
        ("00123;00456", True),
    ],
)
def test_several_claims_in_one_field_are_recognised(text, several):
    assert several_claims_listed(text) is several
