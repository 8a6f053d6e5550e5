"""Fixtures for ticket tests: approved providers, drafts and filed tickets."""

import datetime
from decimal import Decimal

import pytest
import time_machine
from django.utils import timezone

from deadlines.calendar import CENTRAL
from portal.models import MCO, ComplaintType
from registration import services as registration
from registration.models import ProviderMembership
from registration.template import ProviderRow
from registration.validators import normalise_address
from tests import factories
from tickets import drafts, workflow

# Wed Nov 4, 2026, 10:00 Central. A dispute filed with the MCO on Sep 25 is in its window
# (Oct 25 through Nov 24).
NOW = datetime.datetime(2026, 11, 4, 10, tzinfo=CENTRAL)
FILED_ON = datetime.date(2026, 9, 25)


@pytest.fixture(autouse=True)
def _uploads_in_a_fresh_folder(settings, tmp_path):
    """Each test's uploads in its own folder: ticket ids repeat from test to test."""
    settings.STORAGES = {**settings.STORAGES, "default": {
        **settings.STORAGES["default"], "OPTIONS": {"location": str(tmp_path / "uploads")}}}


@pytest.fixture(autouse=True)
def _in_november_2026():
    with time_machine.travel(NOW, tick=True):
        yield


def make_provider(n=0, npi="1234567893"):
    street = f"{100 + n} North Main Street"
    return registration.find_or_create_provider(ProviderRow(
        row_number=None, legal_name=f"Lakeside Clinic {n}", medicaid_id=f"IL{1000000 + n}",
        npi=npi, tax_id=f"36{1234567 + n:07d}", street=street, city="Springfield",
        state="IL", zip_code="62701",
        address_key=normalise_address(street, "Springfield", "IL", "62701"),
    ))


def approve(user, provider):
    ProviderMembership.objects.create(user=user, provider=provider, relationship="staff",
                                      approved_at=timezone.now())


@pytest.fixture
def provider(provider_user):
    provider = make_provider(0)
    approve(provider_user, provider)
    return provider


@pytest.fixture
def other_provider(other_provider_user):
    provider = make_provider(1)
    approve(other_provider_user, provider)
    return provider


CLAIM = {
    "claim_number": "CLM-0001", "tracking_number": "T-1", "member_rin": "123456789",
    "member_name": "Pat Member", "service_from": datetime.date(2026, 8, 1),
    "service_to": datetime.date(2026, 8, 2), "billed": Decimal("100.00"),
    "paid": Decimal("0.00"), "disputed": Decimal("100.00"), "denial_reason": "CO-16",
}


# A complete MCO response (R-FLOW-2), the provider's contact with the representative
# (R-FLOW-5) and an HFS decision (R-FLOW-6), as the workflow requires them.
RESPONSE = {
    "response_text": "We will reprocess the claim.", "plan_applies": True,
    "plan_text": "Reprocess and pay.", "resolve_by": datetime.date(2026, 11, 20),
    "representative_name": "Rita Rep", "representative_phone": "312-555-0199",
    "representative_email": "rita@molina.example.test",
}
CONTACT = {"contacted_on": datetime.date(2026, 11, 4), "method": "phone",
           "outcome": "Called the representative; no change."}


def make_draft(user, provider, *, mco="molina", tracking="MOL-12345", filed_on=FILED_ON,
               claims=1, type_slug="claims-payment"):
    ticket = drafts.create_draft(
        by=user, provider=provider, mco=MCO.objects.get(slug=mco),
        complaint_type=ComplaintType.objects.get(slug=type_slug),
        dispute_filed_on=filed_on, tracking_number=tracking, internal_process_exhausted=True,
        description="The MCO denied the claim although prior authorization was on file.",
    )
    drafts.save_details(
        ticket, description=ticket.description,
        claims=[{**CLAIM, "claim_number": f"CLM-{i}", "row_number": i + 2 if claims > 1
                 else None} for i in range(claims)],
        uses_template=claims > 1, template_name="claims.xlsx" if claims > 1 else "",
        dispute_filed_on=filed_on, tracking_number=tracking, internal_process_exhausted=True,
    )
    return ticket


def make_submitted(user, provider, **kwargs):
    return workflow.submit(make_draft(user, provider, **kwargs).pk, by=user)


@pytest.fixture
def submitted_ticket(provider_user, provider, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        return make_submitted(provider_user, provider)


@pytest.fixture
def other_ticket(other_provider_user, other_provider):
    return make_submitted(other_provider_user, other_provider)


@pytest.fixture
def presented_ticket(submitted_ticket, hfs_staff):
    return workflow.present(submitted_ticket.pk, by=hfs_staff)


def hfs(user=None):
    return user or factories.hfs_staff()
