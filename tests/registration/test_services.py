"""The registration rules and actors, called on the service and the model directly (not
through a view): R-REG-2 whatever the caller, who may submit, decide, escalate and end a
membership (issue 10), and the protected status field."""

import datetime

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django_fsm import TransitionNotAllowed

from deadlines import clocks
from portal.access import Role
from portal.permissions import ActorRefused
from registration import services
from registration.models import (
    DenialReason,
    ProviderMembership,
    RegistrationDecision,
    RegistrationRequest,
    RequestStatus,
)
from tests import factories
from tests.registration.helpers import MONDAY, entry, make_request

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _on_a_monday():
    with time_machine.travel(MONDAY, tick=False):
        yield


def refused(user, *, providers=None, people=(), **fields):
    """The messages of the refusal of a request by ``user``; nothing was saved."""
    with pytest.raises(ValidationError) as caught:
        make_request(user, providers=providers or [entry(0)], people=people, **fields)
    assert not RegistrationRequest.objects.exists()
    return caught.value.messages


# --- R-REG-2: every row is checked by submit_request, whatever called it ------------------


def test_an_npi_that_fails_the_80840_check_digit_is_refused(provider_user):
    # 1234567897 passes a plain Luhn check but not with the 80840 prefix (R-REG-2).
    assert refused(provider_user, providers=[entry(0, npi="1234567897")]) == [
        "Provider 1, NPI: 1234567897 fails the NPI check digit; check the number on the NPPES "
        "record."
    ]


def test_a_template_row_is_named_by_its_row_number(provider_user):
    rows = [entry(0, row_number=2), entry(1, row_number=3, tax_id="12")]
    assert refused(provider_user, providers=rows) == [
        "row 3, Tax ID (FEIN/TIN): 12 is not a Tax ID; enter the 9-digit FEIN or TIN, e.g. "
        "12-3456789."
    ]


def test_a_missing_medicaid_id_is_refused(provider_user):
    messages = refused(provider_user, providers=[entry(0, medicaid_id="")])
    assert messages == ["Provider 1, Medicaid (IMPACT) provider ID: Enter the Medicaid (IMPACT) "
                        "provider ID; every provider/facility needs one."]


def test_an_incomplete_service_location_names_every_field(provider_user):
    messages = refused(provider_user, providers=[
        entry(0, street=" ", city="", state="Illinois", zip_code="6060", address_key="")
    ])
    assert messages == [
        "Provider 1, Service location street: Enter the service location street.",
        "Provider 1, City: Enter the city.",
        "Provider 1, State: Illinois is not a two-letter state code; enter IL.",
        "Provider 1, ZIP code: 6060 is not a ZIP code; enter 5 digits, or ZIP+4 such as "
        "60601-1234.",
    ]


def test_the_requester_fields_are_each_checked(provider_user):
    messages = refused(provider_user, name="", email="not-an-address", phone="555-0100",
                       relationship="cousin")
    assert messages == [
        "Your full name: Enter the full name.",
        "Your e-mail address: not-an-address is not an e-mail address; enter the e-mail "
        "address as name@example.com.",
        "Your phone number: Enter a 10-digit phone number with its area code, for example "
        "312-555-0100.",
        "Your relationship to the provider: Choose Provider staff or Designated representative "
        "(e.g. a billing agent).",
    ]


def test_each_person_named_is_checked(provider_user):
    messages = refused(provider_user, people=[("Sam Staff", "sam@clinic.example.test"),
                                              ("", "no-at-sign")])
    assert messages == [
        "Person 2, full name: Enter the full name.",
        "Person 2, e-mail address: no-at-sign is not an e-mail address; enter the e-mail "
        "address as name@example.com.",
    ]


def test_every_problem_is_listed_at_once(provider_user):
    messages = refused(provider_user, phone="1", providers=[
        entry(0, npi="1234567890"), entry(1, tax_id="000000000"),
    ])
    assert [m.split(":")[0] for m in messages] == [
        "Your phone number", "Provider 1, NPI", "Provider 2, Tax ID (FEIN/TIN)",
    ]


def test_a_request_without_providers_is_refused(provider_user):
    with pytest.raises(ValidationError, match="needs at least one provider"):
        make_request(provider_user, providers=[])


def test_the_same_tax_id_and_location_twice_is_refused(provider_user):
    twin = entry(1, tax_id=entry(0).tax_id, street="0 Lake St.")  # same place, other words
    messages = refused(provider_user, providers=[entry(0), twin])
    assert messages == ["Provider 2: Same Tax ID and service location address as row 1; list "
                        "each provider or facility once."]


def test_values_are_stored_cleaned_and_the_address_key_recomputed(provider_user):
    request = make_request(provider_user, providers=[
        entry(0, tax_id="36-7000000", npi="123-456-7893", medicaid_id="il 1000000",
              state="il", address_key="FORGED"),
    ], email="Dana@Clinic.Example.test")
    row = request.providers.get()
    assert (row.tax_id, row.npi, row.medicaid_id, row.state) == (
        "367000000", "1234567893", "IL1000000", "IL")
    assert row.address_key == "0 LAKE ST|CHICAGO|IL|60601"
    assert request.email == "dana@clinic.example.test"


def test_only_your_own_denied_request_can_be_copied(provider_user, other_provider_user,
                                                   registration_admin):
    theirs = make_request(other_provider_user)
    services.deny(theirs, by=registration_admin, reasons=[], note="Missing Medicaid ID")
    with pytest.raises(ValidationError, match="Only your own denied request"):
        services.submit_request(
            requester=provider_user, name="Dana Biller", email=provider_user.email,
            phone="312-555-0100", relationship="staff", providers=[entry(1)],
            individuals=[], copied_from=theirs,
        )
    assert RegistrationRequest.objects.count() == 1


# --- Who submits ---------------------------------------------------------------------------


def test_submitting_writes_the_submitted_event_by_the_requester(provider_user):
    request = make_request(provider_user, people=[("Sam Staff", "sam@clinic.example.test")])
    assert request.status == RequestStatus.SUBMITTED
    event = request.decisions.get()
    assert (event.action, event.by, event.at) == (
        RegistrationDecision.Action.SUBMITTED, provider_user, MONDAY)
    assert clocks.running_clock(request, "registration") is not None


@pytest.mark.parametrize("persona", ["mco", "hfs", "registration_admin", "stranger"])
def test_only_a_provider_user_can_submit(personas, persona):
    with pytest.raises(ActorRefused, match="signed-in provider user named as its requester"):
        make_request(personas[persona])
    assert not RegistrationRequest.objects.exists()


def test_an_inactive_account_cannot_submit(provider_user):
    provider_user.is_active = False
    provider_user.save()
    with pytest.raises(ActorRefused, match="signed-in, active person"):
        make_request(provider_user)
    assert not RegistrationRequest.objects.exists()


# --- Who decides ---------------------------------------------------------------------------


def decide(action, request, by):
    row = request.providers.first()
    if action == "approve":
        return services.approve(request, by=by, provider_ids={row.pk})
    return services.deny(request, by=by, reasons=DenialReason.objects.all()[:1])


@pytest.mark.parametrize("action", ["approve", "deny"])
@pytest.mark.parametrize("persona", ["provider", "mco", "hfs", "stranger"])
def test_only_a_registration_admin_approves_or_denies(personas, provider_user, action, persona):
    request = make_request(provider_user)
    with pytest.raises(ActorRefused, match="registration admin"):
        decide(action, request, personas[persona])
    request.refresh_from_db()
    assert request.status == RequestStatus.SUBMITTED
    assert list(request.decisions.values_list("action", flat=True)) == ["submitted"]
    assert not ProviderMembership.objects.exists()
    assert clocks.running_clock(request, "registration") is not None


@pytest.mark.parametrize("action", ["approve", "deny"])
def test_nobody_decides_without_an_account(provider_user, action):
    request = make_request(provider_user)
    with pytest.raises(ActorRefused, match="signed-in, active person"):
        decide(action, request, None)
    request.refresh_from_db()
    assert request.status == RequestStatus.SUBMITTED


@pytest.mark.parametrize("action", ["approve", "deny"])
def test_a_registration_admin_never_decides_their_own_request(reference_data, action):
    both = factories.UserFactory(roles=[Role.PROVIDER, Role.REGISTRATION_ADMIN])
    request = make_request(both)
    with pytest.raises(ActorRefused, match="who did not file the request"):
        decide(action, request, both)
    request.refresh_from_db()
    assert request.status == RequestStatus.SUBMITTED


def test_approval_records_the_admin_and_the_providers(provider_user, registration_admin):
    request = make_request(provider_user, providers=2)
    first = request.providers.order_by("pk").first()
    services.approve(request, by=registration_admin, provider_ids={first.pk}, note="Later")
    request.refresh_from_db()
    assert (request.status, request.decided_by) == (RequestStatus.APPROVED, registration_admin)
    event = request.decisions.get(action="approved")
    assert event.by == registration_admin
    assert event.summary == "Approved: Clinic 0. Not approved: Clinic 1. Note: Later"


def test_approving_none_of_the_providers_is_refused(provider_user, registration_admin):
    request = make_request(provider_user)
    with pytest.raises(ValidationError, match="Choose at least one provider"):
        services.approve(request, by=registration_admin, provider_ids=set())
    request.refresh_from_db()
    assert request.status == RequestStatus.SUBMITTED


def test_a_denial_without_any_reason_is_refused(provider_user, registration_admin):
    request = make_request(provider_user)
    with pytest.raises(ValidationError, match="Give at least one reason"):
        services.deny(request, by=registration_admin, reasons=[], note="  ")
    request.refresh_from_db()
    assert request.status == RequestStatus.SUBMITTED


def test_the_status_cannot_be_assigned(provider_user):
    request = RegistrationRequest.objects.get(pk=make_request(provider_user).pk)
    with pytest.raises(AttributeError):
        request.status = RequestStatus.APPROVED


def test_a_decided_request_refuses_another_transition(provider_user, registration_admin):
    request = make_request(provider_user)
    decide("approve", request, registration_admin)
    request.refresh_from_db()
    with pytest.raises(TransitionNotAllowed):
        request.deny(by=registration_admin, at=MONDAY, reasons=[], note="no")


# --- Escalation (R-REG-6) ------------------------------------------------------------------


def test_escalation_before_the_target_is_refused(provider_user):
    request = make_request(provider_user)
    clock = clocks.running_clock(request, "registration")
    with pytest.raises(ValidationError, match="not past its target"):
        request.escalate(at=clock.due_at - datetime.timedelta(seconds=1), due_at=clock.due_at)
    assert request.escalated_at is None


def test_a_request_is_escalated_once(provider_user):
    request = make_request(provider_user)
    clock = clocks.running_clock(request, "registration")
    request.escalate(at=clock.due_at, due_at=clock.due_at)
    request.save()
    with pytest.raises(ValidationError, match="already escalated"):
        request.escalate(at=clock.due_at, due_at=clock.due_at)
    event = request.decisions.get(action="escalated")
    assert event.by is None
    assert event.summary == "Target date Jan 6, 2027 passed without a decision."
    request.refresh_from_db()
    assert request.status == RequestStatus.SUBMITTED


# --- Ending a membership -------------------------------------------------------------------


@pytest.fixture
def membership(provider_user, registration_admin):
    request = make_request(provider_user)
    services.approve(request, by=registration_admin,
                     provider_ids={request.providers.get().pk})
    return ProviderMembership.objects.get(user=provider_user)


@pytest.mark.parametrize("persona", ["other_provider", "mco", "hfs", "stranger"])
def test_only_an_admin_or_the_member_ends_a_membership(membership, personas,
                                                       other_provider_user, persona):
    actor = other_provider_user if persona == "other_provider" else personas[persona]
    with pytest.raises(ActorRefused, match="registration admin or the member themself"):
        services.end_membership(membership, by=actor, reason="Left")
    membership.refresh_from_db()
    assert membership.ended_at is None


def test_a_colleague_at_the_same_provider_cannot_end_a_membership(membership,
                                                                 other_provider_user):
    ProviderMembership.objects.create(user=other_provider_user, provider=membership.provider,
                                      relationship="staff", approved_at=MONDAY)
    with pytest.raises(ActorRefused):
        services.end_membership(membership, by=other_provider_user, reason="Left")
    membership.refresh_from_db()
    assert membership.ended_at is None


def test_the_member_can_end_their_own_access_without_a_reason(membership, provider_user):
    ended = services.end_membership(membership, by=provider_user)
    assert (ended.ended_at, ended.ended_by) == (MONDAY, provider_user)


def test_an_admin_says_why_the_access_ends(membership, registration_admin):
    with pytest.raises(ValidationError, match="say why the access ends"):
        services.end_membership(membership, by=registration_admin, reason=" ")
    membership.refresh_from_db()
    assert membership.ended_at is None
    ended = services.end_membership(membership, by=registration_admin, reason="Left")
    assert (ended.ended_by, ended.end_reason) == (registration_admin, "Left")


def test_a_person_named_is_stored_cleaned(provider_user):
    request = make_request(provider_user, people=[("Sam Staff", "SAM@clinic.example.test")])
    sam = request.individuals.get(is_requester=False)
    assert (sam.email, sam.relationship) == ("sam@clinic.example.test", "staff")
