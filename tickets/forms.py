"""Forms for filing a ticket (R-FILE-1..7) and for HFS triage (R-FLOW-1)."""

import json

from django import forms
from django.utils import timezone
from django.utils.html import format_html

from deadlines.days import short_date
from portal.forms import NamedFileField, PortalForm, ReferenceChoiceField
from portal.models import MCO, ComplaintType
from tickets import rules
from tickets.models import TRIAGE_CLOSE_REASONS, CloseReason


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput())
        # An empty file is refused by portal.uploads.check_upload, whose message names the
        # file and says what to do (Django's "The submitted file is empty" names neither).
        kwargs.setdefault("allow_empty_file", True)
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        single = super().clean
        if isinstance(data, list | tuple):
            return [single(d, initial) for d in data if d]
        return [single(data, initial)] if data else []


class DisputeForm(PortalForm):
    """When and how the dispute went to the MCO (R-FILE-2, R-FILE-3, R-FILE-4)."""

    dispute_filed_on = forms.DateField(
        label="Date you filed the dispute with the MCO's internal process",
        help_text="You can file here from day 30 through day 60 after this date.",
        widget=forms.DateInput(attrs={"type": "date"}),
        error_messages={
            "required": "Enter the date you filed the dispute with the MCO's internal "
            "process.",
            "invalid": "Enter the date you filed the dispute with the MCO as a real date.",
        },
    )
    tracking_number = forms.CharField(
        label="MCO tracking number", max_length=60,
        error_messages={"required": "Enter the tracking number the MCO gave your dispute."},
        help_text="The number the MCO gave your dispute. For several claims, the number the "
        "MCO gave the template's dispute.",
    )
    internal_process_exhausted = forms.BooleanField(
        label="I used the MCO's internal dispute process, including peer-to-peer review "
        "where it applies, and it did not resolve the dispute.",
        error_messages={
            "required": "Confirm that the MCO's internal process was used and exhausted; "
            "the portal is for disputes it did not resolve."
        },
    )

    def __init__(self, *args, mco=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.mco = mco

    def clean(self):
        data = super().clean()
        mco, filed_on = data.get("mco", self.mco), data.get("dispute_filed_on")
        if mco and filed_on:
            if filed_on > timezone.localdate():
                self.add_error("dispute_filed_on", "This date is in the future. Enter the "
                               "date you filed the dispute with the MCO.")
            else:
                refusal = rules.filing_window(filed_on).refusal(mco.name, timezone.localdate())
                if refusal:
                    self.add_error("dispute_filed_on", refusal)
        if mco and data.get("tracking_number"):
            refusal = rules.tracking_number_refusal(mco, data["tracking_number"])
            if refusal:
                self.add_error("tracking_number", refusal)
            else:
                data["tracking_number"] = data["tracking_number"].strip()
        return data


class StartTicketForm(DisputeForm):
    provider = forms.ModelChoiceField(
        label="Provider or facility", queryset=None, empty_label="- Select -",
        error_messages={"required": "Choose the provider or facility the complaint is for."},
    )
    mco = ReferenceChoiceField(
        label="MCO", queryset=MCO.objects.filter(is_active=True), empty_label="- Select -",
        error_messages={"required": "Choose the MCO the dispute is with."},
    )
    complaint_type = ReferenceChoiceField(
        label="Complaint type", queryset=ComplaintType.objects.all(), empty_label="- Select -",
        error_messages={"required": "Choose the complaint type."},
    )
    field_order = ["provider", "mco", "complaint_type", "dispute_filed_on", "tracking_number",
                   "internal_process_exhausted"]

    def __init__(self, *args, providers, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["provider"].queryset = providers
        self.fields["internal_process_exhausted"].summary_label = "The MCO's internal process"
        only = list(providers[:2])
        if len(only) == 1 and not self.initial.get("provider"):
            # The one provider this person files for is chosen already.
            self.fields["provider"].initial = only[0].pk
        self._show_tracking_formats()

    def _show_tracking_formats(self):
        """R-FILE-4: the chosen MCO's tracking-number format and example under the number's
        field before it is typed; without a choice (or without JavaScript), every MCO's.
        The MCO select carries each MCO's hint for static/js/portal.js to swap in."""
        mcos = list(self.fields["mco"].queryset)
        hints = {str(m.pk): m.tracking_hint() for m in mcos}
        hints[""] = tracking_hints_for_all(mcos)
        chosen = self["mco"].value()
        hint = hints.get(str(chosen or ""), hints[""])
        field = self.fields["tracking_number"]
        name = self.add_prefix("tracking_number")  # the bound field is made after its hint
        hint_id = f"{self.auto_id % name if '%s' in str(self.auto_id) else name}_format"
        field.help_text = format_html(
            '<span id="{}" data-tracking-hint>{}</span> For two or more claims on the '
            "template, the number the MCO gave the template's dispute.",
            hint_id, hint,
        )
        self.fields["mco"].widget.attrs.update({
            "data-tracking-hints": json.dumps(hints), "data-tracking-hint-target": hint_id,
        })


def tracking_hints_for_all(mcos):
    """Every MCO's format in one sentence each; the MCOs with none together."""
    with_format = [m for m in mcos if m.has_tracking_format]
    without = [m.short_name for m in mcos if not m.has_tracking_format]
    sentences = [m.tracking_hint() for m in with_format]
    if without:
        names = without[0] if len(without) == 1 else (
            ", ".join(without[:-1]) + " and " + without[-1])
        sentences.append(f"{names}: no set format; copy the number from the MCO's "
                         "acknowledgement of your dispute.")
    return " ".join(sentences)


class ComplaintForm(PortalForm):
    description = forms.CharField(
        label="Describe the complaint", max_length=10000,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text="What happened, what you asked the MCO, and what you want resolved. Do not "
        "include member information here beyond what the claim details ask for.",
    )


class ClaimForm(PortalForm):
    """One claim for a single complaint; two or more go on the template (R-FILE-6)."""

    claim_number = forms.CharField(label="Claim number", max_length=50,
                                   help_text="One claim only. Two or more claims go on the "
                                   "Complaints/Claims-Issue template.")
    member_rin = forms.RegexField(
        label="Member RIN", regex=r"^\d{9}$", max_length=9,
        error_messages={"invalid": "Enter the member's 9-digit RIN."},
    )
    member_name = forms.CharField(label="Member name", max_length=200)
    service_from = forms.DateField(label="Date of service from",
                                   widget=forms.DateInput(attrs={"type": "date"}))
    service_to = forms.DateField(label="Date of service to",
                                 widget=forms.DateInput(attrs={"type": "date"}))
    billed = forms.DecimalField(label="Billed amount ($)", min_value=0, max_digits=12,
                                decimal_places=2)
    paid = forms.DecimalField(label="Paid amount ($)", min_value=0, max_digits=12,
                              decimal_places=2)
    disputed = forms.DecimalField(label="Disputed amount ($)", min_value=0, max_digits=12,
                                  decimal_places=2)
    denial_reason = forms.CharField(label="Denial reason", max_length=500)

    def clean_claim_number(self):
        number = self.cleaned_data["claim_number"].strip()
        if rules.several_claims_listed(number):
            raise forms.ValidationError(
                "This lists more than one claim. Two or more claims go on the "
                "Complaints/Claims-Issue template: choose “Two or more similar claims” and "
                "upload it."
            )
        return number

    def clean(self):
        data = super().clean()
        start, end = data.get("service_from"), data.get("service_to")
        if start and end and start > end:
            self.add_error("service_to", "The last date of service is before the first.")
        if end and end > timezone.localdate():
            self.add_error("service_to", "Dates of service cannot be in the future.")
        from tickets.claims_validators import check_not_too_old

        for name in ("service_from", "service_to"):
            if data.get(name):
                try:
                    check_not_too_old(data[name], today=timezone.localdate(),
                                      label="date of service")
                except forms.ValidationError as error:
                    self.add_error(name, error)
        billed, disputed = data.get("billed"), data.get("disputed")
        if billed is not None and disputed is not None and disputed > billed:
            self.add_error("disputed", "The disputed amount is more than the billed amount.")
        return data


CLAIMS_ONE, CLAIMS_SEVERAL, CLAIMS_NONE = "one", "several", "none"


class ClaimsModeForm(PortalForm):
    claims_mode = forms.ChoiceField(
        label="Claims in this complaint",
        choices=[
            (CLAIMS_ONE, "One claim: I will enter it below"),
            (CLAIMS_SEVERAL, "Two or more similar claims: I will upload the "
             "Complaints/Claims-Issue template"),
            (CLAIMS_NONE, "No claim: this complaint is not about a claim"),
        ],
        widget=forms.RadioSelect,
    )


class ClaimsTemplateForm(PortalForm):
    claims_file = NamedFileField(
        label="Completed Complaints/Claims-Issue template (.xlsx)", required=False,
        help_text="One row per claim, at most 100, all for this MCO and this provider.",
    )


class AttachmentsForm(PortalForm):
    files = MultipleFileField(
        label="Attach files (optional)", required=False,
        help_text="PDF, images (PNG, JPEG, GIF, TIFF), Word (.docx) or Excel (.xlsx). Up to "
        "10 files, 10 MB each, 25 MB in all.",
    )


class PresentForm(PortalForm):
    note = forms.CharField(label="Note for the timeline (optional)", required=False,
                           max_length=2000, widget=forms.Textarea(attrs={"rows": 2}))


class TriageCloseForm(PortalForm):
    reason = forms.ChoiceField(
        label="Reason for closing",
        choices=[("", "- Select -")] + [(r.value, CloseReason(r).label)
                                        for r in TRIAGE_CLOSE_REASONS],
    )
    note = forms.CharField(label="Note to the provider", required=False, max_length=2000,
                           widget=forms.Textarea(attrs={"rows": 3}),
                           help_text="Say what was missing or wrong, so a new ticket can "
                           "get it right.")
    confirm = forms.BooleanField(
        label="I understand that a closed ticket is never reopened.",
        error_messages={"required": "Tick the box to confirm that the ticket closes for good."},
    )


class InternalNoteForm(PortalForm):
    text = forms.CharField(label="HFS-internal note", max_length=5000,
                           widget=forms.Textarea(attrs={"rows": 3}),
                           help_text="Seen by HFS staff only; never by providers or MCOs.")


class InformationRequestForm(PortalForm):
    request_text = forms.CharField(
        label="What information do you need?", max_length=5000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="The provider has 5 business days to send it.",
    )


class InformationAnswerForm(PortalForm):
    answer_text = forms.CharField(
        label="Your answer", max_length=10000, widget=forms.Textarea(attrs={"rows": 4}),
        help_text="Send the information, or explain when and how you already sent it to the "
        "MCO and attach the evidence.",
    )
    already_sent = forms.BooleanField(
        label="The MCO already had this information (evidence attached)", required=False
    )


class ResponseForm(PortalForm):
    """R-FLOW-2: the MCO's written response/proposal."""

    response_text = forms.CharField(label="Response to the complaint", max_length=20000,
                                    widget=forms.Textarea(attrs={"rows": 6}))
    plan_applies = forms.BooleanField(
        label="A plan applies to address the complaint", required=False
    )
    plan_text = forms.CharField(label="The plan", required=False, max_length=10000,
                                widget=forms.Textarea(attrs={"rows": 4}),
                                help_text="Required when a plan applies.")
    resolve_by = forms.DateField(label="Date by which it will be resolved", required=False,
                                 widget=forms.DateInput(attrs={"type": "date"}),
                                 help_text="Required when a plan applies.")
    representative_name = forms.CharField(label="Provider service representative's name",
                                          max_length=200)
    representative_phone = forms.CharField(label="Representative's phone", max_length=30)
    representative_email = forms.EmailField(label="Representative's e-mail")

    def clean(self):
        data = super().clean()
        if data.get("plan_applies"):
            if not (data.get("plan_text") or "").strip():
                self.add_error("plan_text", "Describe the plan, or untick “A plan applies”.")
            if not data.get("resolve_by"):
                self.add_error("resolve_by", "Enter the date by which it will be resolved.")
            elif data["resolve_by"] < timezone.localdate():
                self.add_error("resolve_by", "The resolution date cannot be in the past.")
        return data


class ExtensionForm(PortalForm):
    circumstances = forms.CharField(
        label="Extenuating circumstances", max_length=5000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Why 30 more calendar days are needed. One extension per ticket.",
    )


class ExtensionDecisionForm(PortalForm):
    decision = forms.ChoiceField(
        label="Decision", widget=forms.RadioSelect,
        choices=[("approve", "Approve: the MCO's response is due on day 60"),
                 ("deny", "Deny")],
    )
    note = forms.CharField(label="Note", required=False, max_length=2000,
                           widget=forms.Textarea(attrs={"rows": 2}))


class MessageForm(PortalForm):
    body = forms.CharField(label="Message", max_length=10000,
                           widget=forms.Textarea(attrs={"rows": 3}),
                           help_text="Seen by the provider, the MCO and HFS.")


class IncompleteInformationForm(PortalForm):
    note = forms.CharField(label="What is missing", max_length=2000,
                           widget=forms.Textarea(attrs={"rows": 2}))


class TrackingUnknownForm(PortalForm):
    """R-FILE-4: the MCO reports that it does not know the ticket's tracking number."""

    note = forms.CharField(
        label="What you checked", max_length=2000, widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Where you looked for the tracking number and what you found. HFS reads "
        "this before closing the ticket.",
    )


class InvalidTrackingCloseForm(PortalForm):
    note = forms.CharField(label="Note to the provider (optional)", required=False,
                           max_length=2000, widget=forms.Textarea(attrs={"rows": 2}))


class ContestForm(PortalForm):
    """R-FLOW-5: the contact with the MCO's provider representative, before contesting."""

    contacted_on = forms.DateField(label="Date you contacted the MCO's representative",
                                   widget=forms.DateInput(attrs={"type": "date"}))
    method = forms.ChoiceField(
        label="How you contacted the representative",
        choices=[("", "- Select -"), ("phone", "Phone"), ("email", "E-mail"),
                 ("meeting", "Meeting"), ("other", "Other")],
    )
    outcome = forms.CharField(label="Outcome of the contact", max_length=5000,
                              widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args, responded_on=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.responded_on = responded_on

    def clean_contacted_on(self):
        day = self.cleaned_data["contacted_on"]
        if day > timezone.localdate():
            raise forms.ValidationError("The date of the contact cannot be in the future.")
        if self.responded_on and day < self.responded_on:
            raise forms.ValidationError(
                "The contact must come after the MCO's response "
                f"({short_date(self.responded_on)}): "
                "contact the representative it names first."
            )
        return day


class ReviewSubmissionForm(PortalForm):
    statement = forms.CharField(label="All relevant information", required=False,
                                max_length=50000, widget=forms.Textarea(attrs={"rows": 6}))
    contacts = forms.CharField(
        label="Knowledgeable personnel", required=False, max_length=5000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Names, roles, phone numbers and e-mail addresses of people who know the "
        "dispute.",
    )
    complete = forms.BooleanField(
        label="My submission is complete", required=False,
        help_text="Final: a complete submission needs both fields above and cannot be "
        "changed. Once both parties are complete (or 30 days pass), the record closes and "
        "HFS decides within 30 days.",
    )

    def clean(self):
        data = super().clean()
        if data.get("complete"):
            for name, what in (("statement", "the relevant information"),
                               ("contacts", "the knowledgeable personnel")):
                if not (data.get(name) or "").strip():
                    self.add_error(name, f"Enter {what} before marking the submission "
                                   "complete.")
        return data


class DecisionForm(PortalForm):
    BASES = {
        "contract": ("rests_on_contract", "Applicable contract terms"),
        "policy": ("rests_on_policy", "Written HFS policies and procedures"),
        "law": ("rests_on_law", "State and federal law and regulations"),
    }

    outcome = forms.ChoiceField(label="Outcome", widget=forms.RadioSelect, choices=[
        ("provider", "For the provider"), ("mco", "For the MCO"),
        ("partly", "Partly for each")])
    reasoning = forms.CharField(label="Reasoning", max_length=50000,
                                widget=forms.Textarea(attrs={"rows": 8}))
    bases = forms.MultipleChoiceField(
        label="What the decision rests on (choose at least one)",
        choices=[(key, label) for key, (_, label) in BASES.items()],
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": "Choose at least one basis for the decision."},
    )
    citations = forms.CharField(
        label="Citations", max_length=10000, widget=forms.Textarea(attrs={"rows": 3}),
        help_text="The contract sections, policies, statutes or rules the decision rests on.",
    )
    confirm = forms.BooleanField(
        label="I understand that the decision is final: it closes the ticket and cannot be "
        "changed.",
        error_messages={"required": "Tick the box to confirm that the decision is final."},
    )

    def decision(self):
        """The fields of ``Decision``."""
        data = self.cleaned_data
        chosen = set(data["bases"])
        return {
            "outcome": data["outcome"], "reasoning": data["reasoning"],
            "citations": data["citations"],
            **{field: key in chosen for key, (field, _) in self.BASES.items()},
        }


class UnfinishedResolutionForm(PortalForm):
    description = forms.CharField(
        label="What is not finished", max_length=10000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="The MCO's resolution date has passed. Say what it has not done.",
    )


class InvestigationCloseForm(PortalForm):
    notes = forms.CharField(label="Notes", required=False, max_length=20000,
                            widget=forms.Textarea(attrs={"rows": 3}))
    outcome = forms.CharField(label="Outcome", max_length=10000,
                              widget=forms.Textarea(attrs={"rows": 3}))


class AcceptForm(PortalForm):
    confirm = forms.BooleanField(
        label="I accept the MCO's response. The ticket closes for good.",
        error_messages={"required": "Tick the box to confirm that you accept the response."},
    )
