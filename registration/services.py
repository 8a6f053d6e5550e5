"""What happens to a registration request: submitted, approved (all or some providers),
denied with reasons, escalated past its target; memberships removed (SPEC §2).

Views and the clock engine call these functions; each runs in one transaction with the
request row locked, records the decision, and notifies through the outbox after commit.
"""

from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from deadlines import clocks, kinds
from deadlines.days import long_date
from deadlines.models import Outcome
from portal import people
from portal.access import Role, forget_roles
from portal.models import User
from portal.notifications import notify
from registration.models import (
    Provider,
    ProviderMembership,
    RegistrationDecision,
    RegistrationRequest,
    RequestedIndividual,
    RequestedProvider,
    RequestStatus,
)
from registration.template import ProviderRow

# R-REG-3: a request covering this many individuals or more has the extended target.
EXTENDED_TARGET_INDIVIDUALS = 10
EXTENDED_TARGET_CALENDAR_DAYS = 21


def row_from_requested(requested) -> ProviderRow:
    """A provider of an earlier request, as a row to submit again (R-REG-4: nothing lost)."""
    return ProviderRow(
        **{name: getattr(requested, name) for name in ProviderRow.__dataclass_fields__}
    )


@dataclass
class IndividualEntry:
    name: str
    email: str
    relationship: str


def _link(path_name, *args):
    from django.conf import settings

    return settings.SITE_URL + reverse(path_name, args=args)


def registration_clock(request):
    return clocks.running_clock(request, kinds.REGISTRATION.key) or (
        clocks.clocks_for(request).filter(kind=kinds.REGISTRATION.key).order_by("-pk").first()
    )


@transaction.atomic
def submit_request(
    *, requester, name, email, phone, relationship, providers, individuals,
    source="form", template_filename="", copied_from=None,
):
    """Record a complete request (R-REG-2) and start its target clock (R-REG-3)."""
    if not providers:
        raise ValidationError("A request needs at least one provider or facility.")
    now = timezone.now()
    request = RegistrationRequest.objects.create(
        requester=requester, name=name, email=email.lower(), phone=phone,
        relationship=relationship, source=source, template_filename=template_filename,
        submitted_at=now, copied_from=copied_from,
    )
    RequestedProvider.objects.bulk_create(
        RequestedProvider(request=request, **vars(row)) for row in providers
    )
    people_rows = [
        RequestedIndividual(
            request=request, name=name, email=email.lower(), relationship=relationship,
            is_requester=True, user=requester,
        )
    ]
    seen = {email.lower()}
    for person in individuals:
        if person.email.lower() in seen:
            continue
        seen.add(person.email.lower())
        people_rows.append(
            RequestedIndividual(
                request=request, name=person.name, email=person.email.lower(),
                relationship=person.relationship,
            )
        )
    RequestedIndividual.objects.bulk_create(people_rows)
    extended = len(people_rows) >= EXTENDED_TARGET_INDIVIDUALS
    clock = clocks.start_clock(
        kinds.REGISTRATION, request, at=now, event="registration request submitted",
        extra_calendar_days=EXTENDED_TARGET_CALENDAR_DAYS if extended else 0,
    )
    RegistrationDecision.objects.create(
        request=request, action=RegistrationDecision.Action.SUBMITTED, by=requester, at=now,
        summary=f"{len(providers)} provider(s), {len(people_rows)} individual(s).",
    )
    notify(
        to=requester,
        template="registration_received",
        context={
            "reference": request.reference,
            "target": long_date(clock.due_date),
            "link": _link("registration_detail", request.pk),
        },
    )
    return request


def _locked_open_request(request):
    locked = RegistrationRequest.objects.select_for_update().get(pk=request.pk)
    if not locked.is_open:
        raise ValidationError(
            f"{locked.reference} was already {locked.get_status_display().lower()}; "
            "nothing was changed."
        )
    return locked


def find_or_create_provider(row):
    """R-FILE-7: a provider is Tax ID + service location; an existing one is linked."""
    provider, _ = Provider.objects.get_or_create(
        tax_id=row.tax_id,
        address_key=row.address_key,
        defaults={
            "legal_name": row.legal_name, "medicaid_id": row.medicaid_id, "npi": row.npi,
            "street": row.street, "city": row.city, "state": row.state,
            "zip_code": row.zip_code,
        },
    )
    return provider


def _split_name(full_name):
    first, _, last = full_name.strip().partition(" ")
    return first[:150], last[:150]


@transaction.atomic
def approve(request, *, by, provider_ids, note=""):
    """Approve some or all providers of a request: create or link them, make the requester
    and each named individual a member, invite those without an account."""
    request = _locked_open_request(request)
    rows = list(request.providers.all())
    chosen = [r for r in rows if r.pk in set(provider_ids)]
    if not chosen:
        raise ValidationError("Choose at least one provider to approve, or deny the request.")
    now = timezone.now()
    approved_providers = []
    for row in rows:
        row.approved = row in chosen
        if row.approved:
            row.provider = find_or_create_provider(row)
            approved_providers.append(row.provider)
        row.save(update_fields=["approved", "provider"])

    for person in request.individuals.select_for_update():
        user = person.user or User.objects.filter(email__iexact=person.email).first()
        invited = False
        if user is None:
            first, last = _split_name(person.name)
            user = people.create_invited_account(
                email=person.email, first_name=first, last_name=last, role=Role.PROVIDER
            )
            invited = True
        elif not user.groups.filter(name=Role.PROVIDER.group_name).exists():
            if user.groups.exists():
                continue  # staff accounts never become provider users (SPEC §1)
            user.groups.add(*_provider_group())
            forget_roles(user)
        for provider in approved_providers:
            ProviderMembership.objects.get_or_create(
                user=user, provider=provider, ended_at=None,
                defaults={
                    "relationship": person.relationship, "approved_at": now,
                    "approved_by": by, "request": request,
                },
            )
        person.user = user
        person.save(update_fields=["user"])
        if invited:
            notify(
                to=user,
                template="provider_invitation",
                context={
                    "requester": request.name,
                    "providers": [p.legal_name for p in approved_providers],
                    "link": people.invitation_link(user),
                },
            )
        elif not person.is_requester:
            notify(
                to=user,
                template="provider_access_added",
                context={"providers": [p.legal_name for p in approved_providers],
                         "link": _link("provider_home")},
            )

    request.status = RequestStatus.APPROVED
    request.decided_at, request.decided_by, request.decision_note = now, by, note
    request.save(update_fields=["status", "decided_at", "decided_by", "decision_note"])
    clocks.stop_clock(request, kinds.REGISTRATION.key, outcome=Outcome.MET, at=now,
                      event="approved")
    not_approved = [r.legal_name for r in rows if not r.approved]
    RegistrationDecision.objects.create(
        request=request, action=RegistrationDecision.Action.APPROVED, by=by, at=now,
        summary=(
            f"Approved: {', '.join(r.legal_name for r in chosen)}."
            + (f" Not approved: {', '.join(not_approved)}." if not_approved else "")
            + (f" Note: {note}" if note else "")
        ),
    )
    notify(
        to=request.requester,
        template="registration_approved",
        context={
            "reference": request.reference,
            "approved": [r.legal_name for r in chosen],
            "not_approved": not_approved,
            "note": note,
            "link": _link("registration_detail", request.pk),
        },
    )
    return request


def _provider_group():
    from django.contrib.auth.models import Group

    return [Group.objects.get(name=Role.PROVIDER.group_name)]


@transaction.atomic
def deny(request, *, by, reasons, note=""):
    """Deny with every reason (R-REG-4); the requester can copy it into a new request."""
    request = _locked_open_request(request)
    reasons = list(reasons)
    if not reasons and not note.strip():
        raise ValidationError("Give at least one reason, from the list or in the note.")
    now = timezone.now()
    request.status = RequestStatus.DENIED
    request.decided_at, request.decided_by, request.decision_note = now, by, note.strip()
    request.save(update_fields=["status", "decided_at", "decided_by", "decision_note"])
    request.denial_reasons.set(reasons)
    request.providers.update(approved=False)
    clocks.stop_clock(request, kinds.REGISTRATION.key, outcome=Outcome.MET, at=now,
                      event="denied")
    texts = [r.text for r in reasons] + ([note.strip()] if note.strip() else [])
    RegistrationDecision.objects.create(
        request=request, action=RegistrationDecision.Action.DENIED, by=by, at=now,
        summary="Denied: " + "; ".join(texts),
    )
    notify(
        to=request.requester,
        template="registration_denied",
        context={
            "reference": request.reference,
            "reasons": texts,
            "link": _link("registration_detail", request.pk),
        },
    )
    return request


@transaction.atomic
def end_membership(membership, *, by, reason=""):
    """A person no longer acts for a provider: their access to it ends at once."""
    locked = ProviderMembership.objects.select_for_update().get(pk=membership.pk)
    if locked.ended_at is not None:
        return locked
    locked.ended_at, locked.ended_by, locked.end_reason = timezone.now(), by, reason[:500]
    locked.save(update_fields=["ended_at", "ended_by", "end_reason"])
    return locked


# --- The registration clock (R-REG-3, R-REG-6) -----------------------------------------


@kinds.on_expiry(kinds.REGISTRATION.key)
def escalate_overdue_request(clock, now):
    """Past its target the request is flagged to every registration admin; never approved."""
    request = RegistrationRequest.objects.select_for_update().get(pk=clock.object_id)
    if not request.is_open:
        return
    request.escalated_at = now
    request.save(update_fields=["escalated_at"])
    RegistrationDecision.objects.create(
        request=request, action=RegistrationDecision.Action.ESCALATED, at=now,
        summary=f"Target date {clock.due_date:%b} {clock.due_date.day}, {clock.due_date.year} "
        "passed without a decision.",
    )
    for admin in registration_admins():
        notify(
            to=admin,
            template="registration_escalated",
            context={"reference": request.reference,
                     "link": _link("registration_review", request.pk)},
            dedupe_key=f"registration-{request.pk}-escalated-{admin.pk}",
        )


@kinds.on_reminder(kinds.REGISTRATION.key)
def remind_registration_admins(clock, now):
    request = RegistrationRequest.objects.get(pk=clock.object_id)
    for admin in registration_admins():
        notify(
            to=admin,
            template="registration_reminder",
            context={
                "reference": request.reference,
                "target": long_date(clock.due_date),
                "link": _link("registration_review", request.pk),
            },
            dedupe_key=f"clock-{clock.pk}-reminder-{admin.pk}",
        )


def registration_admins():
    return User.objects.filter(
        is_active=True, groups__name=Role.REGISTRATION_ADMIN.group_name
    ).distinct()
