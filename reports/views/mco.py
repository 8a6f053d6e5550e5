"""MCO staff: their own MCO's scorecard — the report's measures from presentation on, for
their MCO only, never another's (R-SEC-1)."""

from portal import access
from portal.access import Role
from reports.views.common import export_table, filter_form, render_report

mco_staff = access.for_roles(Role.MCO, check=access.is_mco_staff)


def _scope_kwargs(user):
    return {"mco_id": user.mco_id, "for_mco": True}


@mco_staff
def scorecard(request):
    form = filter_form(request, with_mco=False)
    return render_report(request, form, template="reports/scorecard.html",
                         export_name="scorecard_export",
                         extra={"scope_kwargs": _scope_kwargs(request.user),
                                "mco": request.user.mco})


@mco_staff
def scorecard_export(request, table):
    mco = request.user.mco
    return export_table(request, filter_form(request, with_mco=False), table,
                        title_prefix=f"{mco.name} scorecard",
                        filename_prefix=f"{mco.slug}-scorecard",
                        scope_kwargs=_scope_kwargs(request.user), mco_name=mco.name)
