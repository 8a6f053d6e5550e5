"""Registration admins: the queue ordered by target date, the review page, approve or
deny, and ending a membership (R-REG-4, R-REG-6)."""

from django.contrib import messages
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Exists, OuterRef, Q, Subquery
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from deadlines import kinds
from deadlines.models import Clock
from portal import access
from portal.access import Role
from portal.audit import audited
from portal.models import User
from registration import services
from registration.forms import ApproveForm, DenyForm, EndMembershipForm
from registration.models import (
    Provider,
    ProviderMembership,
    RegistrationRequest,
    RequestStatus,
)
from tickets.queues import CappedPaginator

registration_admins = access.for_roles(Role.REGISTRATION_ADMIN)

STATUS_FILTERS = {
    "open": "Waiting for a decision",
    "approved": "Approved",
    "denied": "Denied",
    "all": "All",
}


def refusal(error):
    """What a refused action says: every message of a ``ValidationError``, or the
    ``ActorRefused`` sentence (who may act)."""
    if isinstance(error, ValidationError):
        return " ".join(error.messages)
    return str(error) or "You may not do that."


def queue_queryset(*, status="open", overdue=False, query="", now=None):
    """Requests, the soonest target first: the bare query a paginator counts and pages
    (tickets.queues); ``queue_rows`` completes the rows shown."""
    now = now or timezone.now()
    qs = RegistrationRequest.objects.all()
    if status in ("approved", "denied"):
        qs = qs.filter(status=status)
    elif status == "open":
        qs = qs.filter(status=RequestStatus.SUBMITTED)
    if overdue:
        qs = qs.filter(status=RequestStatus.SUBMITTED, target_due__lt=now)
    if query:
        digits = "".join(c for c in query if c.isdigit())
        match = (
            Q(name__icontains=query)
            | Q(email__icontains=query)
            | Q(providers__legal_name__icontains=query)
            | Q(providers__medicaid_id__iexact=query.replace("-", "").replace(" ", ""))
        )
        if digits:
            match |= Q(providers__npi=digits) | Q(providers__tax_id=digits)
        qs = qs.filter(match).distinct()
    return qs.order_by("target_due", "id")


def queue_rows(qs):
    """A queue row: the request's target (the registration clock's due moment and day), its
    requester and its providers."""
    clock = Clock.objects.filter(
        content_type=ContentType.objects.get_for_model(RegistrationRequest),
        object_id=OuterRef("pk"),
        kind=kinds.REGISTRATION.key,
    ).order_by("-pk")
    return qs.annotate(
        target_at=Subquery(clock.values("due_at")[:1]),
        target_date=Subquery(clock.values("due_date")[:1]),
    ).select_related("requester").prefetch_related("providers")


@registration_admins
def queue(request):
    status = request.GET.get("status", "open")
    if status not in STATUS_FILTERS:
        status = "open"
    overdue = request.GET.get("overdue") == "1"
    query = request.GET.get("q", "").strip()
    page = CappedPaginator(
        queue_queryset(status=status, overdue=overdue, query=query), 25,
        rows=queue_rows,
    ).get_page(request.GET.get("page"))
    return render(
        request,
        "registration/admin/queue.html",
        {
            "page": page,
            "status": status,
            "overdue": overdue,
            "query": query,
            "status_filters": STATUS_FILTERS,
            "now": timezone.now(),
        },
    )


def possible_duplicates(registration):
    """Existing providers with the same Tax ID + location, NPI or Medicaid ID; existing
    accounts for the individuals named (R-FILE-7)."""
    rows = list(registration.providers.all())
    provider_match = Q(pk__in=[])
    for row in rows:
        provider_match |= (
            Q(tax_id=row.tax_id, address_key=row.address_key)
            | Q(npi=row.npi)
            | Q(medicaid_id=row.medicaid_id)
        )
    providers = Provider.objects.filter(provider_match).annotate(
        has_members=Exists(ProviderMembership.objects.active().filter(provider=OuterRef("pk")))
    )
    emails = list(registration.individuals.values_list("email", flat=True))
    users = User.objects.filter(email__in=emails).prefetch_related("groups")
    return providers, users


def _review_page(request, registration, *, deny_form=None, status=200):
    providers, users = possible_duplicates(registration)
    return render(
        request,
        "registration/admin/review.html",
        {
            "registration": registration,
            "clock": services.registration_clock(registration),
            "approve_form": ApproveForm(request_obj=registration, auto_id="approve_%s"),
            "deny_form": deny_form or DenyForm(auto_id="deny_%s"),
            "duplicate_providers": providers,
            "existing_users": users,
            "memberships": registration.memberships.select_related("user", "provider"),
        },
        status=status,
    )


@registration_admins
@audited("registration")
def review(request, pk):
    registration = get_object_or_404(
        RegistrationRequest.objects.prefetch_related(
            "providers__provider", "individuals__user", "denial_reasons", "decisions__by"
        ),
        pk=pk,
    )
    return _review_page(request, registration)


@registration_admins
@require_POST
@audited("registration")
def approve(request, pk):
    registration = get_object_or_404(RegistrationRequest, pk=pk)
    form = ApproveForm(request.POST, request_obj=registration)
    if form.is_valid():
        try:
            services.approve(
                registration,
                by=request.user,
                provider_ids={int(p) for p in form.cleaned_data["providers"]},
                note=form.cleaned_data["note"],
            )
        except (ValidationError, PermissionDenied) as error:
            messages.error(request, refusal(error))
        else:
            messages.success(request, f"{registration.reference} is approved; the requester "
                             "is notified.")
            return redirect("registration_queue")
    else:
        messages.error(request, " ".join(form.errors.get("providers", ["Check the form."])))
    return redirect("registration_review", pk)


@registration_admins
@require_POST
@audited("registration")
def deny(request, pk):
    registration = get_object_or_404(RegistrationRequest, pk=pk)
    form = DenyForm(request.POST, auto_id="deny_%s")
    if form.is_valid():
        try:
            services.deny(
                registration,
                by=request.user,
                reasons=form.cleaned_data["reasons"],
                note=form.cleaned_data["note"],
            )
        except (ValidationError, PermissionDenied) as error:
            messages.error(request, refusal(error))
        else:
            messages.success(request, f"{registration.reference} is denied; the requester is "
                             "notified with every reason.")
            return redirect("registration_queue")
        return redirect("registration_review", pk)
    return _review_page(request, registration, deny_form=form, status=400)


@registration_admins
@audited("provider")
def provider_detail(request, pk):
    provider = get_object_or_404(Provider, pk=pk)
    return render(
        request,
        "registration/admin/provider.html",
        {
            "provider": provider,
            "memberships": provider.memberships.select_related(
                "user", "approved_by", "ended_by"
            ).order_by("ended_at", "user__email"),
            "end_form": EndMembershipForm(),
        },
    )


@registration_admins
@require_POST
def end_membership(request, pk):
    membership = get_object_or_404(ProviderMembership.objects.select_related("provider"), pk=pk)
    form = EndMembershipForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Say why the access ends (Reason), then try again.")
    else:
        try:
            services.end_membership(membership, by=request.user,
                                    reason=form.cleaned_data["reason"])
        except (ValidationError, PermissionDenied) as error:
            messages.error(request, refusal(error))
        else:
            messages.success(request, f"{membership.user.email} no longer acts for "
                             f"{membership.provider.legal_name}.")
    return redirect("registration_provider", membership.provider_id)
