"""The one wording of dates (deadlines.days): short and long, in Central time (issue 10)."""

import datetime

from django.template import Context, Template

from deadlines.calendar import CENTRAL
from deadlines.days import long_date, short_date, short_datetime

UTC = datetime.UTC


def test_a_short_date_has_no_leading_zero():
    assert short_date(datetime.date(2026, 12, 8)) == "Dec 8, 2026"
    assert short_date(datetime.date(2026, 12, 8), weekday=True) == "Tue, Dec 8, 2026"


def test_a_moment_is_worded_in_central_time():
    # 02:30 UTC on Jan 1 is still Dec 31 in Chicago (UTC-6).
    moment = datetime.datetime(2027, 1, 1, 2, 30, tzinfo=UTC)
    assert short_date(moment) == "Dec 31, 2026"
    assert long_date(moment) == "Thursday, December 31, 2026"
    assert short_datetime(moment) == "Dec 31, 2026 8:30 PM"


def test_midnight_and_noon_read_as_twelve():
    assert short_datetime(datetime.datetime(2027, 3, 1, 0, 5, tzinfo=CENTRAL)) == (
        "Mar 1, 2027 12:05 AM")
    assert short_datetime(datetime.datetime(2027, 3, 1, 12, 0, tzinfo=CENTRAL)) == (
        "Mar 1, 2027 12:00 PM")


def test_the_template_filters_use_the_same_wording_and_leave_blanks_blank():
    template = Template(
        "{% load clocks %}{{ day|short_date }}|{{ day|short_date_weekday }}|"
        "{{ moment|short_datetime }}|{{ day|long_date }}|{{ nothing|short_date }}"
    )
    text = template.render(Context({
        "day": datetime.date(2027, 1, 6),
        "moment": datetime.datetime(2027, 1, 6, 15, 4, tzinfo=CENTRAL),
        "nothing": None,
    }))
    assert text == "Jan 6, 2027|Wed, Jan 6, 2027|Jan 6, 2027 3:04 PM|Wednesday, January 6, 2027|"
