"""HFS staff add and remove office-closure days without a deploy (R-CLK-1, issue 3)."""

import datetime

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from deadlines import calendar, closures
from deadlines.days import long_date
from deadlines.forms import AddClosureForm, RemoveClosureForm
from deadlines.models import ClosureChange, ClosureDay
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
