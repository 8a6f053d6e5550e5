"""Issue 11: the public transparency report — HFS publishes an ended quarter as a stored
snapshot (a new version each time, never changed), anyone reads it and its CSV without
signing in, small counts are suppressed with their complements, and nothing in it names
a provider or a ticket."""

import csv
import datetime
import io

import pytest
import time_machine
from django.db.models import F
from django.urls import reverse

from deadlines.calendar import CENTRAL
from portal.models import MCO, AuditEvent, ComplaintType
from reports import public
from reports.models import MonthlyCount, PublishedReport
from tests.reports.conftest import JAN, at

pytestmark = pytest.mark.django_db

APRIL = datetime.datetime(2027, 4, 5, 10, tzinfo=CENTRAL)


def publish_as(client, user, quarter, when=APRIL):
    with time_machine.travel(when, tick=False):
        client.force_login(user)
        return client.post(reverse("report_publish"), {"quarter": quarter})


def test_hfs_publishes_an_ended_quarter(story, client, hfs_staff):
    response = publish_as(client, hfs_staff, "2027-Q1")
    assert response.status_code == 302
    report = PublishedReport.objects.get()
    assert (report.quarter, report.version, report.published_by) == ("2027-Q1", 1, hfs_staff)
    assert report.tables["computed_at"] == APRIL.isoformat()
    audit_row = AuditEvent.objects.get(action="publish")
    assert (audit_row.user, audit_row.object_id) == (hfs_staff, report.pk)


def test_a_quarter_not_yet_ended_is_refused_at_its_field(story, client, hfs_staff):
    with time_machine.travel(at(3, 15), tick=False):
        client.force_login(hfs_staff)
        response = client.post(reverse("report_publish"), {"quarter": "2027-Q1"})
    # Q1 2027 is not offered in March 2027; typed in anyway, it is named at the field.
    assert response.status_code == 400
    assert "Quarter: choose one of the quarters in the list." in response.content.decode()
    with time_machine.travel(at(3, 15), tick=False), pytest.raises(public.NotPublishable,
                                                                    match="ends on March 31"):
        public.publish("2027-Q1", by=hfs_staff)
    assert not PublishedReport.objects.exists()


def test_anyone_reads_the_published_quarter_without_signing_in(story, client, hfs_staff):
    publish_as(client, hfs_staff, "2027-Q1")
    client.logout()
    response = client.get(reverse("transparency"))
    assert response.status_code == 200
    page = response.content.decode()
    assert "January to March 2027 (2027-Q1)" in page
    assert "Every figure below was computed Apr 5, 2027 10:00 AM" in page
    assert page.count("Computed Apr 5, 2027 10:00 AM") >= 3
    # No PHI, no provider, no ticket: only MCOs, complaint types and counts.
    for secret in ("Lakeside Clinic", story.t1.number, "Pat Member", "123456789",
                   story.provider.npi):
        assert secret not in page
    assert "sessionid" not in response.cookies


def test_every_small_count_is_hidden_on_the_page_and_in_the_csv(story, client, hfs_staff):
    publish_as(client, hfs_staff, "2027-Q1")
    tables = PublishedReport.objects.get().tables
    filed = next(v for v in tables["volumes"] if v["measure"] == "filed")
    assert filed["total"] == {"v": None, "s": True}  # 5 tickets
    molina = next(r for r in filed["rows"] if r["name"].startswith("Molina"))
    assert molina["total"]["s"] is True
    assert all(c == {"v": 0, "s": False} for c in filed["rows"][0]["cells"][2:3])
    response = client.get(reverse("transparency_csv"), {"quarter": "2027-Q1"})
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    rows = list(csv.DictReader(io.StringIO(response.content.decode())))
    assert list(rows[0]) == public.CSV_COLUMNS
    for row in rows:
        if row["value"]:
            value = float(row["value"])
            assert row["figure"] in ("on_time_percent", "median_days", "p90_days") or (
                value == 0 or value >= 11), row
        assert row["suppressed"] in ("yes", "no")
    grand = next(r for r in rows if r["table"] == "volumes" and r["measure"] == "Filed"
                 and r["mco"] == "All MCOs" and r["complaint_type"] == "All complaint types")
    assert (grand["value"], grand["suppressed"], grand["quarter"], grand["version"]) == (
        "", "yes", "2027-Q1", "1")
    assert grand["computed_at"] == APRIL.isoformat()
    medians = [r for r in rows if r["figure"] == "median_days" and r["value"]]
    assert medians == []  # fewer than 11 steps finished anywhere


def summary_rows(rows):
    """MonthlyCount rows for January 2027: {(mco slug, type slug, measure): n}."""
    mcos = {m.slug: m for m in MCO.objects.all()}
    types = {t.slug: t for t in ComplaintType.objects.all()}
    MonthlyCount.objects.bulk_create(
        [MonthlyCount(month=JAN, mco=mcos[m], complaint_type=types[t], measure=measure, n=n)
         for (m, t, measure), n in rows.items()])


def test_a_lone_small_cell_is_protected_from_subtraction(reference_data):
    summary_rows({("molina", "claims-payment", "filed"): 30,
                  ("molina", "roster", "filed"): 4,
                  ("aetna", "claims-payment", "filed"): 25})
    with time_machine.travel(APRIL, tick=False):
        tables = public.snapshot("2027-Q1")
    filed = next(v for v in tables["volumes"] if v["measure"] == "filed")
    names = tables["types"]
    claims, roster = names.index("Claims/Payment"), names.index("Roster")
    rows = {r["name"]: r for r in filed["rows"]}
    molina, aetna = rows["Molina Healthcare of Illinois"], rows["Aetna Better Health of Illinois"]
    assert molina["cells"][roster] == {"v": None, "s": True}  # 4: primary
    assert molina["cells"][claims]["s"] and molina["total"]["s"]  # else 34 - 30 = 4
    assert aetna["cells"][claims]["s"]  # else the claims column gives Molina's 30 back
    assert filed["total"] == {"v": 59, "s": False}
    # Whatever is published, no hidden figure is alone in a row or column.
    published = {("c", r["name"], t): c for r in filed["rows"]
                 for t, c in zip(names, r["cells"], strict=True)}
    for r in filed["rows"]:
        line = [published[("c", r["name"], t)] for t in names] + [r["total"]]
        assert sum(c["s"] for c in line) != 1
    for j, t in enumerate(names):
        line = [published[("c", r["name"], t)] for r in filed["rows"]] + [
            filed["type_totals"][j]]
        assert sum(c["s"] for c in line) != 1


def test_timeliness_rates_and_medians_are_hidden_with_their_counts(reference_data):
    summary_rows({("molina", "claims-payment", "met:mco_response"): 40,
                  ("molina", "claims-payment", "expired:mco_response"): 3,
                  ("aetna", "claims-payment", "met:mco_response"): 20,
                  ("aetna", "claims-payment", "expired:mco_response"): 12})
    with time_machine.travel(APRIL, tick=False):
        tables = public.snapshot("2027-Q1")
    response = next(s for s in tables["timeliness"] if s["step"] == "mco_response")
    rows = {r["name"]: r for r in response["by_mco"]}
    molina = rows["Molina Healthcare of Illinois"]
    assert molina["late"]["s"] and molina["rate"]["s"]  # 3 late: hidden, so is 93%
    assert molina["on_time"]["s"] or molina["due"]["s"]  # else 43 - 40 = 3
    assert response["all"]["due"] == {"v": 75, "s": False}
    assert response["all"]["rate"]["s"] is (response["all"]["on_time"]["s"]
                                           or response["all"]["late"]["s"])


def test_republishing_adds_a_version_and_the_first_never_changes(story, client, hfs_staff):
    publish_as(client, hfs_staff, "2027-Q1")
    first = PublishedReport.objects.get()
    MonthlyCount.objects.filter(  # as if 100 more tickets had been filed
        month=JAN, mco__slug="molina", complaint_type__slug="claims-payment",
        measure="filed").update(n=F("n") + 100)
    publish_as(client, hfs_staff, "2027-Q1", when=APRIL + datetime.timedelta(days=1))
    second = PublishedReport.objects.get(version=2)
    assert PublishedReport.objects.get(version=1).tables == first.tables
    assert next(v for v in second.tables["volumes"] if v["measure"] == "filed")["total"][
        "v"] == 105
    page = client.get(reverse("transparency"), {"quarter": "2027-Q1"}).content.decode()
    assert "Version 2, published Apr 6, 2027 (shown)" in page
    old = client.get(reverse("transparency"), {"quarter": "2027-Q1", "version": "1"})
    assert old.context["report"].version == 1
    with pytest.raises(ValueError, match="never changed"):
        first.save()
    with pytest.raises(ValueError, match="never deleted"):
        first.delete()


def test_no_published_quarter_says_so(client, reference_data):
    response = client.get(reverse("transparency"))
    assert response.status_code == 200
    assert "No quarter has been published yet." in response.content.decode()
    assert client.get(reverse("transparency_csv")).status_code == 404
    assert client.get(reverse("transparency"), {"quarter": "2027-Q9"}).status_code == 404


def test_the_data_dictionary_explains_each_figure_and_the_marker(client, reference_data):
    response = client.get(reverse("transparency_dictionary"))
    page = response.content.decode()
    assert response.status_code == 200
    for text in ("Deemed accepted", "no count from 1 to 10 is published",
                 "a second number in the same row or column is hidden too", "p90_days",
                 "Counted in business days"):
        assert text in page


def test_the_quarters_offered_have_ended():
    assert public.ended_quarters(datetime.date(2027, 4, 5), count=3) == [
        "2027-Q1", "2026-Q4", "2026-Q3"]
    assert public.ended_quarters(datetime.date(2027, 3, 31), count=1) == ["2026-Q4"]
    assert public.quarter_end("2027-Q1") == datetime.date(2027, 3, 31)


def test_csv_text_cannot_become_a_formula(story, client, hfs_staff):
    MCO.objects.filter(slug="aetna").update(name="=cmd|' /C calc'!A0")
    publish_as(client, hfs_staff, "2027-Q1")
    text = client.get(reverse("transparency_csv")).content.decode()
    assert ",=cmd|" not in text  # the leading quote keeps it text in a spreadsheet
    rows = list(csv.DictReader(io.StringIO(text)))
    assert {r["mco"] for r in rows} >= {"'=cmd|' /C calc'!A0"}
