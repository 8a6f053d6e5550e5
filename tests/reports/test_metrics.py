"""Issue 11: every report number of the five tickets in conftest.py, worked out by hand, and
the summaries kept by difference equal a recount from scratch."""

import datetime

import pytest
import time_machine
from django.db import connection

from reports import lists, metrics, summaries
from reports.models import ChangedTicket, TicketFact
from tests.reports.conftest import FEB, JAN, MAR, REPORT_NOW, RESPONSE, Story, at
from tickets import workflow

pytestmark = pytest.mark.django_db

Q1 = metrics.Scope(JAN, MAR)


def counts(scope=Q1, dimension=None):
    return metrics.read_counts(scope, dimension)


def test_volumes_per_month_as_worked_out_by_hand(story):
    by_month = counts(dimension="month")
    measures = metrics.VOLUME_MEASURES
    rows = metrics.volume_rows(by_month, [(m, metrics.month_label(m)) for m in Q1.months],
                               measures)
    expected = {
        #                Filed Pres ClTr Resp Late Acc Deem Cont Rev Dec Sanct
        "Jan 2027": (5, 4, 1, 1, 0, 1, 0, 0, 0, 0, 0),
        "Feb 2027": (0, 0, 0, 2, 1, 0, 1, 1, 1, 0, 2),
        "Mar 2027": (0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0),
        "Total":    (5, 4, 1, 3, 1, 1, 1, 1, 1, 1, 2),
    }
    assert {r["label"]: tuple(r[m.key] for m in measures) for r in rows} == expected


def test_volumes_per_mco_and_complaint_type(story, molina, aetna, types):
    by_mco = counts(dimension="mco_id")
    assert metrics.FILED.value(by_mco[molina.pk]) == 4
    assert metrics.FILED.value(by_mco[aetna.pk]) == 1
    assert metrics.CLOSED_AT_TRIAGE.value(by_mco[aetna.pk]) == 1
    assert metrics.PRESENTED.value(by_mco[aetna.pk]) == 0
    by_type = counts(dimension="complaint_type_id")
    assert metrics.FILED.value(by_type[types["claims-payment"].pk]) == 3
    assert metrics.DECIDED.value(by_type[types["prior-authorizations"].pk]) == 1
    assert metrics.CLOSED_AT_TRIAGE.value(by_type[types["communications"].pk]) == 1


def test_counts_of_named_measures_only_read_those(story):
    """The HFS home's chart reads the one measure it shows (issue 14: the other ~40 a month
    holds are not summed); its numbers are those of the full read."""
    everything = counts(dimension="month")
    filed = metrics.read_counts(Q1, "month", measures=[metrics.FILED.key])
    assert {month: dict(c) for month, c in filed.items()} == {
        month: {metrics.FILED.key: c[metrics.FILED.key]}
        for month, c in everything.items() if metrics.FILED.key in c}
    assert metrics.FILED.value(filed[JAN]) == 5
    assert any(set(c) - {metrics.FILED.key} for c in everything.values())


def test_filters_narrow_every_number(story, molina, types):
    only = metrics.Scope(JAN, MAR, mco_id=molina.pk,
                         complaint_type_id=types["prior-authorizations"].pk)
    whole = counts(only)[None]
    assert metrics.FILED.value(whole) == 1  # T3
    assert metrics.DECIDED.value(whole) == 1
    assert metrics.RESPONDED_LATE.value(whole) == 0
    february = counts(metrics.Scope(FEB, FEB))[None]
    assert metrics.RESPONDED.value(february) == 2  # T2 and T3
    assert metrics.FILED.value(february) == 0


def test_closed_by_reason_and_decisions_by_outcome(story):
    whole = counts()[None]
    closed = {(r["stage"], r["label"]): r["n"] for r in metrics.closed_reason_rows(whole)}
    assert closed[("At triage", "Duplicate")] == 1
    assert closed[("After presentation", "Resolved: the provider accepted the MCO's response")] == 1
    assert closed[("After presentation", "Resolved: not contested within 5 business days")] == 1
    assert closed[("After presentation", "HFS decision issued")] == 1
    assert sum(closed.values()) == 4  # T5 is still open
    decisions = {r["label"]: r["n"] for r in metrics.decision_rows(whole)}
    assert decisions == {"For the provider": 1, "For the MCO": 0, "Partly for each": 0,
                         "Total": 1}


def test_on_time_rates_come_from_the_stored_clock_outcomes(story, molina, aetna):
    by_mco = counts(dimension="mco_id")
    rows = metrics.timeliness_rows(by_mco, [(molina.pk, "Molina"), (aetna.pk, "Aetna")])
    table = {(r["step"], r["label"]): (r["on_time"], r["late"], r["rate"], r["stopped"])
             for r in rows}
    # Triage: T1, T2, T3 presented in time, T5 late; T4 closed at triage in time (closing
    # an incomplete ticket is triage done, so its clock is met).
    assert table[("HFS triage", "All MCOs")] == (4, 1, 80.0, 0)
    assert table[("HFS triage", "Molina")] == (3, 1, 75.0, 0)
    assert table[("HFS triage", "Aetna")] == (1, 0, 100.0, 0)
    # MCO response: T1 and T3 (extended to 60 days) in time; T2 late; T5 expired unanswered.
    assert table[("MCO response", "All MCOs")] == (2, 2, 50.0, 0)
    assert table[("MCO response (with an approved extension)", "Molina")] == (1, 0, 100.0,
                                                                               None)
    assert table[("Information request answered", "Molina")] == (1, 0, 100.0, 0)
    assert table[("HFS decision", "All MCOs")] == (1, 0, 100.0, 0)


def test_days_per_step_median_and_90th_percentile(story):
    overall = metrics.read_durations(Q1)
    rows = {r["step"]: (r["unit"], r["n"], r["median"], r["p90"])
            for r in metrics.duration_rows(overall, {}, [])}
    # Triage 1, 2, 3 and 12 business days: median 2.5; p90 at position 2.7: 3 + 0.7 × 9.
    assert rows["HFS triage"] == ("business days", 4, 2.5, pytest.approx(9.3))
    # MCO response 13, 34 and 44 calendar days: p90 at position 1.8: 34 + 0.8 × 10.
    assert rows["MCO response"] == ("calendar days", 3, 34, pytest.approx(42.0))
    assert rows["Information request answered"] == ("business days", 1, 2, 2)
    assert rows["HFS decision"] == ("calendar days", 1, 5, 5)


def test_durations_count_in_the_month_the_step_finished(story):
    february = {r["step"]: r["n"] for r in metrics.duration_rows(
        metrics.read_durations(metrics.Scope(FEB, FEB)), {}, [])}
    assert february == {"HFS triage": 0, "MCO response": 2,
                        "Information request answered": 0, "HFS decision": 0}


def test_extensions_asked_and_approved_per_party(story):
    rows = {r["label"]: r for r in metrics.extension_rows(counts()[None])}
    assert rows["The MCO"]["asked"] == rows["The MCO"]["approved"] == 1
    assert rows["The provider"]["asked"] == 0
    assert rows["Total"]["pending"] == 0


def test_overdue_now_lists_the_response_still_missing(story):
    rows = lists.with_due_dates(lists.overdue_now(Q1, REPORT_NOW))
    assert [(r["number"], r["kind"], r["due_date"]) for r in rows] == [
        (story.t5.number, "mco_response", datetime.date(2027, 2, 22))]
    assert lists.days_overdue(rows[0], REPORT_NOW.date()) == 21


def test_overdue_now_includes_a_clock_the_sweep_has_not_reached(story):
    with time_machine.travel(at(3, 16), tick=False):
        ticket = story.file()  # a new ticket; its triage is due Mar 30
    late = datetime.datetime(2027, 3, 31, 0, 5, tzinfo=REPORT_NOW.tzinfo)
    rows = lists.with_due_dates(lists.overdue_now(Q1, late))  # no sweep has run since
    assert (ticket.number, "triage") in {(r["number"], r["kind"]) for r in rows}
    assert lists.days_overdue(
        next(r for r in rows if r["number"] == ticket.number), late.date()) == 1


def test_a_late_step_done_leaves_the_overdue_list(story):
    with time_machine.travel(at(3, 16), tick=False):
        workflow.respond(story.t5.pk, by=story.mco, response=RESPONSE)
    assert list(lists.overdue_now(Q1, at(3, 16, 12))) == []


def test_a_clock_whose_expiry_failed_stays_overdue(story):
    from deadlines.models import Clock

    with time_machine.travel(at(3, 16), tick=False):
        ticket = story.file()
    clock = Clock.objects.get(object_id=ticket.pk, kind="triage")
    Clock.objects.filter(pk=clock.pk).update(attention_at=clock.due_at)  # set aside (R-CLK-4)
    later = clock.due_at + datetime.timedelta(days=3)
    rows = lists.with_due_dates(lists.overdue_now(Q1, later))
    assert (ticket.number, "triage", clock.due_date) in {
        (r["number"], r["kind"], r["due_date"]) for r in rows}
    mco_rows = lists.overdue_now(metrics.Scope(JAN, MAR, for_mco=True), later)
    assert ticket.number not in {r["number"] for r in mco_rows}  # not presented yet


def test_sanction_candidates_with_days_late(story):
    facts = list(lists.sanction_candidates(Q1))
    late = {f.ticket.number: lists.days_late(f, REPORT_NOW.date()) for f in facts}
    # T2: due Feb 4, answered Feb 8. T5: due Feb 22, still unanswered on Mar 15.
    assert late == {story.t2.number: 4, story.t5.number: 21}
    assert list(lists.sanction_candidates(metrics.Scope(JAN, JAN))) == []


def test_an_investigation_opened_later_is_counted_and_listed(story):
    with time_machine.travel(at(5, 3), tick=False):  # T1's plan date, Apr 30, has passed
        workflow.report_unfinished_resolution(story.t1.pk, by=story.provider_user,
                                              description="Still not paid.")
        summaries.refresh()
    may = metrics.Scope(datetime.date(2027, 5, 1), datetime.date(2027, 5, 1))
    assert metrics.INVESTIGATIONS.value(counts(may)[None]) == 1
    assert [i.ticket.number for i in lists.open_investigations(Q1)] == [story.t1.number]


def test_refreshing_after_every_step_equals_a_recount_from_scratch(personas, other_mco_staff):
    Story(personas, other_mco_staff, refresh_each_step=True).live()
    with time_machine.travel(REPORT_NOW, tick=False):
        summaries.refresh()
        kept = summaries.summary_totals()
        assert kept[0] and kept[1]
        assert summaries.rebuild() == 5
    assert summaries.summary_totals() == kept


def test_a_refresh_recounts_only_the_changed_tickets(story):
    assert not ChangedTicket.objects.exists()
    with time_machine.travel(at(3, 16), tick=False):
        workflow.respond(story.t5.pk, by=story.mco, response=RESPONSE)
    assert set(ChangedTicket.objects.values_list("ticket_id", flat=True)) == {story.t5.pk}
    before = TicketFact.objects.get(pk=story.t1.pk).keys
    assert summaries.refresh() == 1
    assert TicketFact.objects.get(pk=story.t1.pk).keys == before
    march = counts(metrics.Scope(MAR, MAR))[None]
    assert metrics.RESPONDED_LATE.value(march) == 1
    assert metrics.RESPONDED.value(march) == 1
    assert summaries.as_of() is not None


def test_a_refresh_costs_the_same_queries_for_one_ticket_or_many(
        story, django_assert_max_num_queries):
    ChangedTicket.objects.create(ticket_id=story.t1.pk)
    with django_assert_max_num_queries(30) as one:
        summaries.refresh()
    ChangedTicket.objects.bulk_create(
        [ChangedTicket(ticket_id=t.pk) for t in (story.t1, story.t2, story.t3, story.t4,
                                                 story.t5)] * 3)
    with django_assert_max_num_queries(len(one.captured_queries)):
        assert summaries.refresh() == 5


def test_a_refresh_leaves_an_event_committed_meanwhile_queued(story):
    ChangedTicket.objects.create(ticket_id=story.t1.pk)
    first = ChangedTicket.objects.get()
    summaries.refresh(batch=1, max_batches=1)
    ChangedTicket.objects.create(ticket_id=story.t1.pk)
    assert not ChangedTicket.objects.filter(pk=first.pk).exists()
    assert ChangedTicket.objects.count() == 1


def test_the_as_of_moment_waits_until_the_queue_is_empty(story):
    stamp = summaries.as_of()
    ChangedTicket.objects.bulk_create([ChangedTicket(ticket_id=story.t1.pk),
                                       ChangedTicket(ticket_id=story.t2.pk)])
    with time_machine.travel(at(3, 20), tick=False):
        summaries.refresh(batch=1, max_batches=1)
        assert summaries.as_of() == stamp
        summaries.refresh()
        assert summaries.as_of() == at(3, 20)


# --- Percentiles -------------------------------------------------------------------------


@pytest.mark.parametrize(("values", "fraction", "expected"), [
    ([5], 0.5, 5), ([1, 2, 3, 12], 0.5, 2.5), ([1, 2, 3, 12], 0.9, 9.3),
    ([4, 4, 4, 10], 0.5, 4), ([0, 10], 0.9, 9.0), ([7, 1, 3], 0.0, 1), ([7, 1, 3], 1.0, 7),
])
def test_percentile_from_a_histogram(values, fraction, expected):
    histogram = {}
    for v in values:
        histogram[v] = histogram.get(v, 0) + 1
    assert metrics.percentile(histogram.items(), fraction) == pytest.approx(expected)


def test_percentile_of_nothing_is_none():
    assert metrics.percentile([], 0.5) is None
    assert metrics.percentile([(3, 0)], 0.5) is None


@pytest.mark.postgres
@pytest.mark.parametrize("fraction", [0.5, 0.9])
def test_percentile_agrees_with_postgresql_percentile_cont(fraction):
    values = [0, 1, 1, 2, 3, 5, 8, 13, 21, 21, 21, 34]
    with connection.cursor() as cursor:
        cursor.execute("SELECT percentile_cont(%s) WITHIN GROUP (ORDER BY v) "
                       "FROM unnest(%s::int[]) AS v", [fraction, values])
        expected = cursor.fetchone()[0]
    histogram = {v: values.count(v) for v in set(values)}
    assert metrics.percentile(histogram.items(), fraction) == pytest.approx(expected)


# --- What one ticket counts in ------------------------------------------------------------


def test_a_response_after_an_expired_deadline_counts_late_in_its_month():
    moment = datetime.datetime(2027, 2, 8, 10, tzinfo=REPORT_NOW.tzinfo)
    t = metrics.TicketData(
        id=1, mco_id=1, complaint_type_id=1,
        submitted_at=moment - datetime.timedelta(days=40),
        presented_at=moment - datetime.timedelta(days=34), responded_at=moment,
        clocks=[metrics.ClockData(kind="mco_response", outcome="expired",
                                  stopped_at=moment - datetime.timedelta(days=3), length=30,
                                  due_date=datetime.date(2027, 2, 4),
                                  started_at=moment - datetime.timedelta(days=34))],
    )
    keys = metrics.ticket_keys(t)
    assert "2027-02|responded_late" in keys
    assert "2027-02|expired:mco_response" in keys
    assert "2027-02|d|mco_response|34" in keys
    assert "2026-12|filed" in keys
