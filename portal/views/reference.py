"""Reference data HFS staff keep: the MCOs and their tracking-number formats (R-FILE-4)."""

from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render

from portal import access
from portal.access import Role
from portal.forms import MCOForm
from portal.models import MCO


@access.for_roles(Role.HFS)
def mco_list(request):
    mcos = list(MCO.objects.all())
    return render(request, "portal/mco/list.html", {
        "mcos": mcos,
        # HFS is asked to record a format for each MCO accepting tickets that has none.
        "without_format": [m for m in mcos if m.is_active and not m.has_tracking_format],
        "may_edit": access.can_edit_reference_data(request.user),
    })


@access.for_roles(Role.HFS, check=access.can_edit_reference_data)
def mco_edit(request, slug):
    """The MCO's format: typed as a pattern, or proposed from examples ("Propose a
    pattern"), tried against a number ("Try it"); saved only by "Save"."""
    mco = get_object_or_404(MCO, slug=slug)
    name = mco.name
    form = MCOForm(request.POST or None, instance=mco)
    proposal = None
    if request.method == "POST":
        if "propose" in request.POST:
            form, proposal = form.with_proposal()
        elif "try" not in request.POST and form.is_valid():
            form.save()
            messages.success(request, f"{form.instance.name} is saved.")
            return redirect("mco_list")
    return render(request, "portal/mco/edit.html", {
        "form": form, "mco": mco, "name": name, "proposal": proposal,
        "test_result": form.test_result() if form.is_bound else None,
    })
