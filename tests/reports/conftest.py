"""A handful of tickets lived through ``tickets.workflow`` from January to March 2027, whose
report numbers are worked out by hand below (issue 11).

Every step runs at a fixed Central-time moment (time-machine), and the deadline sweep runs
where a deadline passes, as beat would. Business days follow the state calendar: Jan 1
(New Year's Day), Jan 18 (Martin Luther King Jr. Day), Feb 12 (Lincoln's Birthday) and
Feb 15 (Presidents' Day) are closures in 2027.

* **T1** (Molina, Claims/Payment): filed Mon Jan 4; presented Thu Jan 7 (3 business days);
  the MCO responds Wed Jan 20 (13 calendar days, on time); the provider accepts Jan 21.
* **T2** (Molina, Claims/Payment): filed Jan 4; presented Tue Jan 5 (1); response due Thu
  Feb 4; the sweep on Feb 5 marks it a sanction candidate; the MCO responds Mon Feb 8 (34
  days: late, 4 days late); not contested, the sweep on Feb 18 closes it deemed accepted
  (the answer was due Wed Feb 17).
* **T3** (Molina, Prior Authorizations): filed Jan 4; presented Wed Jan 6 (2); the MCO asks
  for an extension Jan 11, HFS approves it Jan 12 (response due Mon Mar 8); the MCO responds
  Fri Feb 19 (44 days, on time); contested Feb 22; review asked Feb 23; the record closes
  Feb 24; HFS decides for the provider Mon Mar 1 (5 days, on time).
* **T4** (Aetna, Communications): filed Jan 4; HFS closes it at triage Jan 6 as a duplicate.
* **T5** (Molina, Claims/Payment): filed Jan 4; triage due Tue Jan 19, the sweep on Jan 20
  escalates it; presented Thu Jan 21 (12 business days, late); information asked Fri Jan
  22, answered Tue Jan 26 (2 business days); response due Mon Feb 22 (Feb 20 is a
  Saturday), the sweep on Feb 23 marks it; still with the MCO on Mar 15.
"""

import datetime

import pytest
import time_machine

from deadlines import clocks
from deadlines.calendar import CENTRAL
from portal.models import MCO, ComplaintType
from tests.tickets.conftest import approve, make_draft, make_provider
from tests.tickets.test_core_rules import DECISION
from tickets import workflow

REPORT_NOW = datetime.datetime(2027, 3, 15, 10, tzinfo=CENTRAL)
APRIL_2027 = datetime.datetime(2027, 4, 5, 10, tzinfo=CENTRAL)  # the first quarter has ended
JAN, FEB, MAR = (datetime.date(2027, m, 1) for m in (1, 2, 3))

RESPONSE = {
    "response_text": "We will reprocess the claim.", "plan_applies": True,
    "plan_text": "Reprocess and pay.", "resolve_by": datetime.date(2027, 4, 30),
    "representative_name": "Rita Rep", "representative_phone": "312-555-0199",
    "representative_email": "rita@molina.example.test",
}


def at(month, day, hour=10):
    return datetime.datetime(2027, month, day, hour, tzinfo=CENTRAL)


class Story:
    """The five tickets, the people, and ``step(moment)`` to act at a moment."""

    def __init__(self, personas, other_mco_staff=None, refresh_each_step=False,
                 provider=None):
        from reports import summaries

        self.people = personas
        self.provider_user = personas["provider"]
        self.mco = personas["mco"]
        self.aetna = other_mco_staff
        self.hfs = personas["hfs"]
        self.refresh_each_step = refresh_each_step
        self._refresh = summaries.refresh
        if provider is None:  # else the provider user is already approved for it
            provider = make_provider(0)
            approve(self.provider_user, provider)
        self.provider = provider

    def moment(self, when):
        """Travel to ``when`` (frozen) for the block; refresh after it when asked to."""
        story = self

        class _At:
            def __enter__(self):
                self.travel = time_machine.travel(when, tick=False)
                self.travel.start()

            def __exit__(self, *exc):
                if exc[0] is None and story.refresh_each_step:
                    story._refresh()
                self.travel.stop()
                return False

        return _At()

    def sweep(self, when):
        with self.moment(when):
            clocks.enforce_due_clocks(when)

    def file(self, *, mco="molina", type_slug="claims-payment", tracking="MOL-12345"):
        from django.utils import timezone

        # Filed with the MCO 35 days before: inside the 30-to-60-day window (R-FILE-3).
        filed_on = timezone.localdate() - datetime.timedelta(days=35)
        draft = make_draft(self.provider_user, self.provider, mco=mco, tracking=tracking,
                           filed_on=filed_on, type_slug=type_slug)
        return workflow.submit(draft.pk, by=self.provider_user)

    def live(self):
        p, m, h = self.provider_user, self.mco, self.hfs
        with self.moment(at(1, 4)):
            self.t1 = self.file()
            self.t2 = self.file()
            self.t3 = self.file(type_slug="prior-authorizations")
            self.t4 = self.file(mco="aetna", type_slug="communications",
                                tracking="PDXGR1234567")
            self.t5 = self.file()
        with self.moment(at(1, 5)):
            workflow.present(self.t2.pk, by=h)
        with self.moment(at(1, 6)):
            workflow.present(self.t3.pk, by=h)
            workflow.close_at_triage(self.t4.pk, by=h, reason="duplicate")
        with self.moment(at(1, 7)):
            workflow.present(self.t1.pk, by=h)
        with self.moment(at(1, 11)):
            self.extension = workflow.ask_for_extension(self.t3.pk, by=m,
                                                        circumstances="A flood closed us.")
        with self.moment(at(1, 12)):
            workflow.decide_extension(self.extension.pk, by=h, approve=True, note="Granted.")
        self.sweep(at(1, 20, 9))
        with self.moment(at(1, 20)):
            workflow.respond(self.t1.pk, by=m, response=RESPONSE)
        with self.moment(at(1, 21)):
            workflow.accept(self.t1.pk, by=p)
            workflow.present(self.t5.pk, by=h)
        with self.moment(at(1, 22)):
            workflow.request_information(self.t5.pk, by=m, request_text="The EOB, please.")
        with self.moment(at(1, 26)):
            workflow.answer_information(self.t5.pk, by=p, answer_text="Attached to the claim.")
        self.sweep(at(2, 5, 9))
        with self.moment(at(2, 8)):
            workflow.respond(self.t2.pk, by=m, response=RESPONSE)
        self.sweep(at(2, 18, 9))
        with self.moment(at(2, 19)):
            workflow.respond(self.t3.pk, by=m, response=RESPONSE)
        with self.moment(at(2, 22)):
            workflow.contest(self.t3.pk, by=p, contact={
                "contacted_on": datetime.date(2027, 2, 22), "method": "phone",
                "outcome": "The representative would not change the answer."})
        self.sweep(at(2, 23, 9))
        with self.moment(at(2, 23)):
            workflow.request_review(self.t3.pk, by=p)
        with self.moment(at(2, 24)):
            for party, user in (("provider", p), ("mco", m)):
                workflow.save_review_submission(self.t3.pk, by=user, party=party,
                                                statement="The facts.",
                                                contacts="Jo, 312-555-0100", complete=True)
        with self.moment(at(3, 1)):
            workflow.decide(self.t3.pk, by=h, decision=DECISION)
        return self


@pytest.fixture
def molina():
    return MCO.objects.get(slug="molina")


@pytest.fixture
def aetna():
    return MCO.objects.get(slug="aetna")


@pytest.fixture
def types():
    return {t.slug: t for t in ComplaintType.objects.all()}


@pytest.fixture
def story(personas, other_mco_staff):
    """The five tickets lived, and the summaries refreshed once at the end."""
    from reports import summaries

    lived = Story(personas, other_mco_staff).live()
    with time_machine.travel(REPORT_NOW, tick=False):
        summaries.refresh()
    return lived


@pytest.fixture
def at_report_time():
    with time_machine.travel(REPORT_NOW, tick=False):
        yield REPORT_NOW
