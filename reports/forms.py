"""The reports' filters: a range of months, an MCO and a complaint type (R-SEC-5: a bad
value is named at its field with the fix, and every value is kept)."""

import datetime
import re

from django import forms
from django.utils import timezone

from portal.forms import PortalForm, ReferenceChoiceField
from portal.models import MCO, ComplaintType
from reports import metrics

MAX_MONTHS = 60
_MONTH = re.compile(r"^\s*(?:(\d{4})-(\d{1,2})|(\d{1,2})/(\d{4}))\s*$")


def parse_month(text):
    """"2027-01" (what a month picker sends) or "01/2027" (typed): the month's first day."""
    match = _MONTH.match(text or "")
    if not match:
        return None
    year, month = (match.group(1), match.group(2)) if match.group(1) else (
        match.group(4), match.group(3))
    year, month = int(year), int(month)
    if not (2000 <= year <= 2100 and 1 <= month <= 12):
        return None
    return datetime.date(year, month, 1)


def default_months(today=None):
    """The twelve months up to and including this one."""
    this = (today or timezone.localdate()).replace(day=1)
    return metrics.add_months(this, -11), this


class MonthInput(forms.TextInput):
    input_type = "month"


class ReportFilterForm(PortalForm):
    first_month = forms.CharField(
        label="First month", required=False, widget=MonthInput,
        help_text="Month and year, for example 2027-01.")
    last_month = forms.CharField(
        label="Last month", required=False, widget=MonthInput,
        help_text="Included. At most 60 months after the first.")
    mco = ReferenceChoiceField(
        label="MCO", required=False, queryset=MCO.objects.order_by("name"),
        to_field_name="slug", empty_label="All MCOs",
        error_messages={"invalid_choice": "MCO: choose one of the MCOs in the list."})
    complaint_type = ReferenceChoiceField(
        label="Complaint type", required=False,
        queryset=ComplaintType.objects.order_by("position", "name"), to_field_name="slug",
        empty_label="All complaint types",
        error_messages={"invalid_choice": "Complaint type: choose one of the types in the "
                        "list."})

    def __init__(self, *args, with_mco=True, **kwargs):
        super().__init__(*args, **kwargs)
        if not with_mco:
            del self.fields["mco"]

    def _month(self, name, label, example):
        text = self.cleaned_data.get(name, "").strip()
        if not text:
            return None
        month = parse_month(text)
        if month is None:
            raise forms.ValidationError(
                f"{label}: enter a month and year like {example}, or choose one.")
        return month

    def clean_first_month(self):
        return self._month("first_month", "First month", "2027-01")

    def clean_last_month(self):
        return self._month("last_month", "Last month", "2027-12")

    def clean(self):
        data = super().clean()
        if self.errors:
            return data
        first, last = data.get("first_month"), data.get("last_month")
        default_first, default_last = default_months()
        if first is None and last is None:
            first, last = default_first, default_last
        elif first is None:
            first = metrics.add_months(last, -11)
        elif last is None:
            last = min(metrics.add_months(first, 11), max(default_last, first))
        if last < first:
            self.add_error("last_month",
                           "Last month: choose the first month or a later one.")
        elif len(metrics.months_between(first, last)) > MAX_MONTHS:
            self.add_error("last_month",
                           f"Last month: choose at most {MAX_MONTHS} months (5 years) from the "
                           "first month.")
        data["first_month"], data["last_month"] = first, last
        return data

    def scope(self, *, mco_id=None, for_mco=False):
        data = self.cleaned_data
        mco = data.get("mco")
        complaint_type = data.get("complaint_type")
        return metrics.Scope(
            data["first_month"], data["last_month"],
            mco_id=mco_id if for_mco else (mco.pk if mco else None),
            complaint_type_id=complaint_type.pk if complaint_type else None,
            for_mco=for_mco)
