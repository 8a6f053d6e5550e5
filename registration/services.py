"""What happens to a registration request: submitted, approved (all or some providers),
denied with reasons, escalated past its target; memberships removed (SPEC §2).

Views and the clock engine call these functions; each runs in one transaction with the
request row locked, records the decision, and notifies through the outbox after commit.
"""

import dataclasses
from dataclasses import dataclass
from functools import partial

from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from deadlines import clocks, kinds
from deadlines.days import long_date
from deadlines.models import Outcome
from portal import audit, people, permissions
from portal.access import Role, forget_roles
from portal.models import User
from portal.notifications import notify
from registration import template, validators
from registration.models import (
    Provider,
    ProviderMembership,
    RegistrationRequest,
    Relationship,
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


#: R-REG-5: one request holds at most this many providers (the template's row limit) and
#: names at most this many other people (the form's rows).
MAX_PROVIDERS = template.MAX_ROWS
MAX_INDIVIDUALS = 200


@transaction.atomic
def submit_request(
    *, requester, name, email, phone, relationship, providers, individuals,
    source="form", template_filename="", copied_from=None,
):
    """Record a complete request (R-REG-2) and start its target clock (R-REG-3).

    Every field is checked here again, whatever called it (the form, the template, a
    command, the API): each provider row (legal name, Medicaid ID, NPI with its check
    digit, Tax ID, service location), the requester's name, e-mail, phone and
    relationship, and each person named. A refusal lists every problem, each naming the
    field and the fix, and saves nothing. ``requester`` must be the signed-in provider user
    who files it (``RegistrationRequest.submit``).
    """
    checked = check_request(
        name=name, email=email, phone=phone, relationship=relationship, providers=providers,
        individuals=individuals, source=source,
    )
    if copied_from is not None and (
        copied_from.requester_id != getattr(requester, "pk", None)
        or copied_from.status != RequestStatus.DENIED
    ):
        raise ValidationError(
            "Only your own denied request can be copied into a new one (R-REG-4)."
        )
    now = timezone.now()
    request = RegistrationRequest.objects.create(
        requester=requester, name=checked.name, email=checked.email, phone=checked.phone,
        relationship=checked.relationship, source=source,
        template_filename=template_filename[:255], submitted_at=now, copied_from=copied_from,
    )
    RequestedProvider.objects.bulk_create(
        RequestedProvider(request=request, **vars(row)) for row in checked.providers
    )
    people_rows = [
        RequestedIndividual(
            request=request, name=checked.name, email=checked.email,
            relationship=checked.relationship, is_requester=True, user=requester,
        )
    ]
    seen = {checked.email}
    for person in checked.individuals:
        if person.email in seen:
            continue
        seen.add(person.email)
        people_rows.append(
            RequestedIndividual(
                request=request, name=person.name, email=person.email,
                relationship=person.relationship,
            )
        )
    request.submit(
        by=requester, at=now,
        summary=f"{len(checked.providers)} provider(s), {len(people_rows)} individual(s).",
    )
    request.save(update_fields=["status", "submitted_at"])
    RequestedIndividual.objects.bulk_create(people_rows)
    audit.write(user=requester, action="submit", object_type=audit.REGISTRATION,
                object_id=request.pk, detail=f"{len(checked.providers)} provider(s), "
                f"{len(people_rows)} individual(s), from the {source}")  # R-SEC-2
    extended = len(people_rows) >= EXTENDED_TARGET_INDIVIDUALS
    clock = clocks.start_clock(
        kinds.REGISTRATION, request, at=now, event="registration request submitted",
        extra_calendar_days=EXTENDED_TARGET_CALENDAR_DAYS if extended else 0,
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


# --- Checking a request (R-REG-2) ------------------------------------------------------


@dataclass(frozen=True)
class CheckedRequest:
    """A request's fields after ``check_request``: cleaned, every provider row re-checked."""

    name: str
    email: str
    phone: str
    relationship: str
    providers: list
    individuals: list


_PROVIDER_FIELDS = [column.key for column in template.COLUMNS]


def check_request(*, name, email, phone, relationship, providers, individuals,
                  source="form") -> CheckedRequest:
    """R-REG-2: every required field of a request, checked by the same functions as the
    form and the template. Returns the cleaned request, or raises one ``ValidationError``
    listing every problem ("Your phone number: ...", "row 7, NPI: ...",
    "Person 2, e-mail address: ...")."""
    errors = []

    def clean(label, cleaner, value):
        try:
            return cleaner(value)
        except ValidationError as error:
            errors.extend(f"{label}: {message}" for message in error.messages)
            return None

    name = clean("Your full name", partial(validators.clean_required_text, max_length=200,
                                           label="full name"), name)
    email = clean("Your e-mail address", validators.clean_email, email)
    phone = clean("Your phone number", validators.clean_phone, phone)
    relationship = clean("Your relationship to the provider", _clean_relationship,
                         relationship)
    if source not in ("form", "template"):
        errors.append(f"Source: {source!r} is not one of form or template.")
    rows = _check_providers(list(providers or ()), errors)
    people = _check_individuals(list(individuals or ()), errors)
    if errors:
        raise ValidationError(errors)
    return CheckedRequest(name, email, phone, relationship, rows, people)


def _clean_relationship(value):
    if value not in Relationship.values:
        raise ValidationError(f"Choose {' or '.join(Relationship.labels)}.")
    return value


def _check_providers(providers, errors):
    """Each provider row through the template's own checks (R-REG-2, R-REG-5), the Tax ID
    + service location duplicate check included (R-FILE-7). A row typed into the form has
    no row number: it is named "Provider N" by its position."""
    if not providers:
        errors.append("Providers: a request needs at least one provider or facility.")
        return []
    if len(providers) > MAX_PROVIDERS:
        errors.append(
            f"Providers: the request has {len(providers)}; at most {MAX_PROVIDERS} fit in one "
            "request. Split them into several requests."
        )
        return []
    numbers = [getattr(row, "row_number", None) or position
               for position, row in enumerate(providers, start=1)]
    result = template.check_rows(
        (number, tuple(_field(row, key) for key in _PROVIDER_FIELDS))
        for number, row in zip(numbers, providers, strict=True)
    )
    typed = {number: getattr(row, "row_number", None) is None
             for number, row in zip(numbers, providers, strict=True)}
    for error in result.errors:
        where = f"Provider {error.row}" if typed.get(error.row) else f"row {error.row}"
        errors.append(f"{where}, {error.column}: {error.message}" if error.column
                      else f"{where}: {error.message}")
    return [dataclasses.replace(row, row_number=None if typed[row.row_number] else
                                row.row_number) for row in result.rows]


def _field(row, key):
    return row.get(key) if isinstance(row, dict) else getattr(row, key, None)


def _check_individuals(individuals, errors):
    if len(individuals) > MAX_INDIVIDUALS:
        errors.append(
            f"People: the request names {len(individuals)} other people; at most "
            f"{MAX_INDIVIDUALS} fit in one request."
        )
        return []
    cleaned = []
    for number, person in enumerate(individuals, start=1):
        found = []
        for key, cleaner in (
            ("name", partial(validators.clean_required_text, max_length=200,
                             label="full name")),
            ("email", validators.clean_email),
            ("relationship", _clean_relationship),
        ):
            try:
                found.append(cleaner(_field(person, key)))
            except ValidationError as error:
                label = {"name": "full name", "email": "e-mail address"}.get(key, key)
                errors.extend(f"Person {number}, {label}: {m}" for m in error.messages)
        if len(found) == 3:
            cleaned.append(IndividualEntry(*found))
    return cleaned


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
    and each named individual a member, invite those without an account. Only a
    registration admin who did not file the request (``RegistrationRequest.approve``)."""
    request = _locked_open_request(request)
    rows = list(request.providers.all())
    chosen_ids = set(provider_ids)
    chosen = [r for r in rows if r.pk in chosen_ids]
    not_approved = [r.legal_name for r in rows if r.pk not in chosen_ids]
    now = timezone.now()
    request.approve(by=by, at=now, approved=[r.legal_name for r in chosen],
                    not_approved=not_approved, note=note)
    request.save(update_fields=["status", "decided_at", "decided_by", "decision_note"])
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

    clocks.stop_clock(request, kinds.REGISTRATION.key, outcome=Outcome.MET, at=now,
                      event="approved")
    audit.write(user=by, action="approve", object_type=audit.REGISTRATION,  # R-SEC-2
                object_id=request.pk, detail=f"approved rows {sorted(r.pk for r in chosen)}; "
                f"providers {sorted(p.pk for p in approved_providers)}")
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
    """Deny with every reason (R-REG-4); the requester can copy it into a new request.
    Only a registration admin who did not file the request (``RegistrationRequest.deny``)."""
    request = _locked_open_request(request)
    now = timezone.now()
    texts = request.deny(by=by, at=now, reasons=list(reasons), note=note)
    request.save(update_fields=["status", "decided_at", "decided_by", "decision_note"])
    request.providers.update(approved=False)
    clocks.stop_clock(request, kinds.REGISTRATION.key, outcome=Outcome.MET, at=now,
                      event="denied")
    audit.write(user=by, action="deny", object_type=audit.REGISTRATION,  # R-SEC-2
                object_id=request.pk, detail=f"{len(texts)} reason(s)")
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
    """A person no longer acts for a provider: their access to it ends at once.

    Only a registration admin, or the member themself (``permissions.may_end_membership``);
    an admin ending someone else's access says why. Ending an ended one changes nothing.
    """
    locked = ProviderMembership.objects.select_for_update().get(pk=membership.pk)
    permissions.require(permissions.may_end_membership, by, locked,
                        action="end a person's access to a provider")
    reason = (reason or "").strip()
    if not reason and by.pk != locked.user_id:
        raise ValidationError("Reason: say why the access ends, e.g. left the provider's office.")
    if locked.ended_at is not None:
        return locked
    locked.ended_at, locked.ended_by, locked.end_reason = timezone.now(), by, reason[:500]
    locked.save(update_fields=["ended_at", "ended_by", "end_reason"])
    audit.write(user=by, action="end_membership", object_type=audit.MEMBERSHIP,  # R-SEC-2
                object_id=locked.pk,
                detail=f"user {locked.user_id}, provider {locked.provider_id}")
    return locked


# --- The registration clock (R-REG-3, R-REG-6) -----------------------------------------


@kinds.on_expiry(kinds.REGISTRATION.key)
def escalate_overdue_request(clock, now):
    """Past its target the request is flagged to every registration admin; never approved."""
    request = RegistrationRequest.objects.select_for_update().get(pk=clock.object_id)
    if not request.is_open or request.escalated_at is not None:
        return
    request.escalate(at=now, due_at=clock.due_at)
    request.save(update_fields=["escalated_at"])
    audit.write(user=None, action="escalate", object_type=audit.REGISTRATION,  # R-SEC-2
                object_id=request.pk, detail="past its target date")
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
