"""Reference data HFS staff keep: the MCOs and their tracking-number formats (R-FILE-4)."""

from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render

from portal import access
from portal.access import Role
from portal.forms import MCOForm
from portal.models import MCO


@access.for_roles(Role.HFS)
def mco_list(request):
    return render(request, "portal/mco/list.html", {"mcos": MCO.objects.all()})


@access.for_roles(Role.HFS, check=access.can_edit_reference_data)
def mco_edit(request, slug):
    mco = get_object_or_404(MCO, slug=slug)
    form = MCOForm(request.POST or None, instance=mco)
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, f"{mco.name} is saved.")
        return redirect("mco_list")
    return render(request, "portal/mco/edit.html", {"form": form, "mco": mco})
