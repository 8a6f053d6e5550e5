"""Forms for HFS staff's office-closure days (R-CLK-1)."""

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
