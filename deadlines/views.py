"""HFS staff add and remove office-closure days without a deploy (R-CLK-1, issue 3), and
declare portal outages and apply their relief (issue 15)."""

import datetime

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from deadlines import calendar, closures, outages
from deadlines.days import long_date
from deadlines.forms import (
    AddClosureForm,
    CorrectOutageForm,
    DeclareOutageForm,
    RemoveClosureForm,
    WithdrawOutageForm,
)
from deadlines.models import ClosureChange, ClosureDay, Outage
from deadlines.state_holidays import state_closures
from portal import access
from portal.access import Role

hfs_only = access.for_roles(Role.HFS)


def _page(request, add_form=None, status=200):
    today = timezone.localdate()
    years = (today.year, today.year + 1)
    holidays = sorted(
        (day, name) for year in years for day, name in state_closures(year).items() if day >= today
    )
    return render(
        request,
        "deadlines/closures.html",
        {
            "add_form": add_form or AddClosureForm(),
            "closures": ClosureDay.objects.filter(date__gte=today).select_related("added_by"),
            "past_closures": ClosureDay.objects.filter(date__lt=today).order_by("-date")[:10],
            "changes": ClosureChange.objects.select_related("changed_by")[:25],
            "holidays": holidays,
            "remove_form": RemoveClosureForm(),
        },
        status=status,
    )


@hfs_only
def closure_list(request):
    return _page(request)


@hfs_only
@require_POST
def closure_add(request):
    form = AddClosureForm(request.POST)
    if form.is_valid():
        try:
            closures.add_closure(
                form.cleaned_data["date"], form.cleaned_data["reason"], by=request.user
            )
        except ValidationError as error:
            form.add_error("date", error)
        else:
            day = form.cleaned_data["date"]
            messages.success(
                request,
                f"{long_date(day)} is now a closure day. Running deadlines "
                "that include it have moved.",
            )
            return redirect("closure_list")
    return _page(request, add_form=form, status=400)


@hfs_only
@require_POST
def closure_remove(request, day):
    try:
        day = datetime.date.fromisoformat(day)
    except ValueError:
        raise Http404 from None
    form = RemoveClosureForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Say why the closure is removed (Reason), then try again.")
        return redirect("closure_list")
    try:
        closures.remove_closure(day, form.cleaned_data["reason"], by=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(
            request,
            f"{long_date(day)} is a business day again"
            f"{'' if calendar.is_business_day(day) else ' (it is still not a business day)'}. "
            "Running deadlines that include it have moved back.",
        )
    return redirect("closure_list")


@hfs_only
@require_POST
def clock_retry(request, clock_pk):
    """R-CLK-4: HFS puts a clock whose expiry action failed back into the sweep."""
    from deadlines.clocks import needing_attention, retry_after_attention

    clock = needing_attention().filter(pk=clock_pk).first()
    if clock is None:
        raise Http404
    retry_after_attention(clock)
    messages.success(request, "The deadline is back in the sweep; it is enforced within a "
                     "minute.")
    return redirect("hfs_home")


# --- Outages (issue 15, docs/decisions/0014-outage-relief.md) ------------------------------


def _outage_list_page(request, form=None, status=200):
    from django.core.paginator import Paginator

    listed = Outage.objects.select_related("mco", "provider", "declared_by").order_by(
        "-starts_at", "-pk")
    return render(request, "deadlines/outages/list.html", {
        "form": form or DeclareOutageForm(),
        "page": Paginator(listed, 25).get_page(request.GET.get("page")),
    }, status=status)


@hfs_only
def outage_list(request):
    return _outage_list_page(request)


@hfs_only
@require_POST
def outage_declare(request):
    form = DeclareOutageForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            outage = outages.declare(
                starts_at=data["starts_at"], ends_at=data["ends_at"], reason=data["reason"],
                relief_days=data["relief_days"], mco=data["mco"],
                provider=data["provider"], by=request.user)
        except ValidationError as error:
            form.add_service_error(error)
        else:
            messages.success(request, "The outage is declared. Until you apply its relief, "
                             "no deadline it covers expires. Check the list below, then apply "
                             "the relief once the outage has ended.")
            return redirect("outage_detail", pk=outage.pk)
    return _outage_list_page(request, form=form, status=400)


def _outage_page(request, outage, *, correct_form=None, withdraw_form=None, status=200):
    from django.core.paginator import Paginator

    now = timezone.now()
    found = outages.preview(outage)
    correctable = outages.is_correctable(outage, now)
    return render(request, "deadlines/outages/detail.html", {
        "outage": outage,
        "description": outages.who_was_down(outage),
        "preview": found,
        "page": Paginator(found.rows, 50).get_page(request.GET.get("page")),
        "can_apply": outage.is_declared and now >= outage.ends_at,
        "correctable": correctable,
        "start_fixed": outages.start_is_fixed(outage, now),
        "correct_form": (correct_form or CorrectOutageForm.for_outage(outage))
        if correctable else None,
        "withdraw_form": (withdraw_form or WithdrawOutageForm()) if outage.is_declared else None,
        "changes": outage.changes.select_related("changed_by"),
    }, status=status)


def _outage(pk):
    return get_object_or_404(
        Outage.objects.select_related("mco", "provider", "declared_by", "applied_by"), pk=pk)


@hfs_only
def outage_detail(request, pk):
    return _outage_page(request, _outage(pk))


@hfs_only
@require_POST
def outage_correct(request, pk):
    outage = _outage(pk)
    form = CorrectOutageForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            outages.correct(outage, starts_at=data["starts_at"], ends_at=data["ends_at"],
                            reason=data["reason"], relief_days=data["relief_days"],
                            why=data["why"], by=request.user)
        except ValidationError as error:
            form.add_service_error(error)
        else:
            messages.success(request, "The outage is corrected; the list below follows it.")
            return redirect("outage_detail", pk=outage.pk)
    outage.refresh_from_db()
    return _outage_page(request, outage, correct_form=form, status=400)


@hfs_only
@require_POST
def outage_withdraw(request, pk):
    outage = _outage(pk)
    form = WithdrawOutageForm(request.POST)
    if form.is_valid():
        try:
            outages.withdraw(outage, why=form.cleaned_data["why"], by=request.user)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, "The outage is withdrawn; it gives no relief.")
        return redirect("outage_detail", pk=outage.pk)
    return _outage_page(request, outage, withdraw_form=form, status=400)


@hfs_only
@require_POST
def outage_apply(request, pk):
    outage = _outage(pk)
    try:
        done = outages.apply(outage, by=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(
            request, f"Relief applied: {done.moved} deadline(s) moved and {done.noted} "
            f"counted as relief, on {done.tickets} ticket(s). Each ticket's timeline says why, "
            "and the parties who must act were told.")
    return redirect("outage_detail", pk=outage.pk)
