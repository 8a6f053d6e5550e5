"""Forms for HFS staff's office-closure days (R-CLK-1) and outages (issue 15)."""

import datetime

from django import forms

from portal.forms import PortalForm


class AddClosureForm(PortalForm):
    date = forms.DateField(
        label="Date the offices are closed",
        help_text="For example: 2027-01-15 (year-month-day).",
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    reason = forms.CharField(
        label="Reason",
        max_length=500,
        help_text="For example: Governor's proclamation, snow emergency. Kept in the change log.",
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class RemoveClosureForm(PortalForm):
    reason = forms.CharField(
        label="Why remove this closure?",
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


# --- Outages (issue 15) -----------------------------------------------------------------------


class _OutageTimesForm(PortalForm):
    """The start and end of an outage, each a date and a time in Central time."""

    start_date = forms.DateField(
        label="Start date", help_text="The day the outage began (or will begin).",
        widget=forms.DateInput(attrs={"type": "date"}))
    start_time = forms.TimeField(
        label="Start time (Central)", help_text="For example: 6:00 PM.",
        widget=forms.TimeInput(attrs={"type": "time"}))
    end_date = forms.DateField(
        label="End date", help_text="The day the portal was (or will be) back.",
        widget=forms.DateInput(attrs={"type": "date"}))
    end_time = forms.TimeField(
        label="End time (Central)", widget=forms.TimeInput(attrs={"type": "time"}))
    reason = forms.CharField(
        label="Reason", max_length=1000,
        help_text="What happened. Every party reads it on the timeline of each ticket whose "
        "deadlines move.", widget=forms.Textarea(attrs={"rows": 2}))
    relief_days = forms.IntegerField(
        label="Business days of relief", min_value=1, max_value=30,
        help_text="Deadlines that fell in the outage, or within this many business days "
        "after the day it ended, move to the end of the last of these days.")

    def clean(self):
        data = super().clean()
        from deadlines.calendar import CENTRAL

        for prefix in ("start", "end"):
            day, time = data.get(f"{prefix}_date"), data.get(f"{prefix}_time")
            data[f"{prefix}s_at"] = (datetime.datetime.combine(day, time, tzinfo=CENTRAL)
                                     if day and time else None)
        return data

    #: The service's names for the fields its errors are about.
    FIELD_OF = {"starts_at": "start_date", "ends_at": "end_date"}

    def add_service_error(self, error):
        """A ``ValidationError`` of ``deadlines.outages``, at the field it is about."""
        if hasattr(error, "error_dict"):
            for name, errors in error.error_dict.items():
                target = self.FIELD_OF.get(name, name)
                self.add_error(target if target in self.fields else None, errors)
        else:
            self.add_error(None, error)


class DeclareOutageForm(_OutageTimesForm):
    mco = forms.ModelChoiceField(
        label="Who could not use the portal", required=False, queryset=None,
        empty_label="Everyone: the whole portal was down (unless a provider is chosen below)",
        help_text="Choose an MCO when only its staff could not reach the portal: then only "
        "its tickets' deadlines that its staff act on move.")
    provider = forms.ModelChoiceField(
        label="Provider whose access was down", required=False, queryset=None,
        empty_label="No single provider",
        help_text="Or choose a provider (by legal name and NPI) when only its staff could not "
        "use the portal: then only its tickets' deadlines that it acts on move. Choose an MCO "
        "or a provider, not both.")

    field_order = ["start_date", "start_time", "end_date", "end_time", "mco", "provider",
                   "reason", "relief_days"]

    def __init__(self, *args, **kwargs):
        from deadlines.outages import default_relief_days, provider_name
        from portal.models import MCO
        from registration.models import Provider

        kwargs.setdefault("initial", {}).setdefault("relief_days", default_relief_days())
        super().__init__(*args, **kwargs)
        self.fields["mco"].queryset = MCO.objects.order_by("name")
        self.fields["provider"].queryset = Provider.objects.order_by("legal_name", "npi", "pk")
        self.fields["provider"].label_from_instance = provider_name


class CorrectOutageForm(_OutageTimesForm):
    prefix = "correct"  # beside the withdraw form on the outage's page: ids stay unique
    why = forms.CharField(
        label="Why correct it?", max_length=500, widget=forms.Textarea(attrs={"rows": 2}),
        help_text="For example: the portal came back earlier than expected. Kept in the "
        "outage's log.")

    @classmethod
    def for_outage(cls, outage):
        from django.utils import timezone

        from deadlines.calendar import CENTRAL

        start = timezone.localtime(outage.starts_at, CENTRAL)
        end = timezone.localtime(outage.ends_at, CENTRAL)
        return cls(initial={
            "start_date": start.date(), "start_time": start.time().replace(microsecond=0),
            "end_date": end.date(), "end_time": end.time().replace(microsecond=0),
            "reason": outage.reason, "relief_days": outage.relief_days,
        })


class WithdrawOutageForm(PortalForm):
    prefix = "withdraw"
    why = forms.CharField(
        label="Why withdraw it?", max_length=500, widget=forms.Textarea(attrs={"rows": 2}),
        help_text="Deadlines it held that have passed then expire at the sweep's next run.")
