"""Forms of a registration request (R-REG-2, R-REG-5). Every message names the field and
the fix; every value typed is kept on error (R-SEC-5)."""

from dataclasses import asdict

from django import forms
from django.core import signing

from portal.forms import NamedFileField, PortalForm
from registration import validators
from registration.models import DenialReason, Relationship
from registration.services import IndividualEntry
from registration.template import ProviderRow

TEMPLATE_SALT = "registration-template-rows"


class RequesterForm(PortalForm):
    name = forms.CharField(label="Your full name", max_length=200)
    email = forms.EmailField(
        label="Your e-mail address", help_text="We send the decision to this address."
    )
    phone = forms.CharField(
        label="Your phone number", max_length=30, help_text="For example: 312-555-0100."
    )
    relationship = forms.ChoiceField(
        label="Your relationship to the provider",
        choices=Relationship.choices,
        widget=forms.RadioSelect,
    )

    def clean_phone(self):
        return validators.clean_phone(self.cleaned_data["phone"])


MODE_ONE, MODE_SEVERAL = "one", "several"


class ModeForm(PortalForm):
    mode = forms.ChoiceField(
        label="How many providers or facilities do you act for?",
        choices=[
            (MODE_ONE, "One: I will type it in below"),
            (MODE_SEVERAL, "Several: I will upload the multiple registration template"),
        ],
        widget=forms.RadioSelect,
        initial=MODE_ONE,
    )


class ProviderForm(PortalForm):
    legal_name = forms.CharField(label="Legal name of the provider or facility", max_length=200)
    medicaid_id = forms.CharField(
        label="Medicaid (IMPACT) provider ID", max_length=30,
        help_text="The provider ID from the IMPACT enrolment.",
    )
    npi = forms.CharField(label="NPI", max_length=20, help_text="10 digits.")
    tax_id = forms.CharField(
        label="Tax ID (FEIN/TIN)", max_length=20, help_text="9 digits, for example 36-1234567."
    )
    street = forms.CharField(label="Service location street address", max_length=200)
    city = forms.CharField(label="City", max_length=100)
    state = forms.CharField(label="State", max_length=2, initial="IL",
                            help_text="Two letters, for example IL.")
    zip_code = forms.CharField(label="ZIP code", max_length=10,
                               help_text="5 digits, or ZIP+4 such as 60601-1234.")

    def clean_medicaid_id(self):
        return validators.clean_medicaid_id(self.cleaned_data["medicaid_id"])

    def clean_npi(self):
        return validators.clean_npi(self.cleaned_data["npi"])

    def clean_tax_id(self):
        return validators.clean_tax_id(self.cleaned_data["tax_id"])

    def clean_state(self):
        return validators.clean_state(self.cleaned_data["state"])

    def clean_zip_code(self):
        return validators.clean_zip(self.cleaned_data["zip_code"])

    def entry(self):
        data = self.cleaned_data
        return ProviderRow(
            row_number=None,
            legal_name=data["legal_name"].strip(),
            medicaid_id=data["medicaid_id"],
            npi=data["npi"],
            tax_id=data["tax_id"],
            street=data["street"].strip(),
            city=data["city"].strip(),
            state=data["state"],
            zip_code=data["zip_code"],
            address_key=validators.normalise_address(
                data["street"], data["city"], data["state"], data["zip_code"][:5]
            ),
        )


class TemplateUploadForm(PortalForm):
    template_file = NamedFileField(
        label="Completed multiple registration template (.xlsx)",
        required=False,
        help_text="One row per provider or facility. Every row is checked before anything "
        "is saved.",
    )
    kept = forms.CharField(widget=forms.HiddenInput, required=False)


def keep_rows(filename, rows):
    """A signed copy of checked template rows, so a person who must fix another field does
    not have to upload the file again (nothing typed is lost)."""
    return signing.dumps(
        {"filename": filename, "rows": [asdict(r) for r in rows]}, salt=TEMPLATE_SALT,
        compress=True,
    )


def kept_rows(token):
    """(filename, [ProviderRow]) from a signed token, or None when it is not ours."""
    if not token:
        return None
    try:
        data = signing.loads(token, salt=TEMPLATE_SALT, max_age=24 * 3600)
    except signing.BadSignature:
        return None
    fields = ProviderRow.__dataclass_fields__
    rows = [ProviderRow(**{k: v for k, v in row.items() if k in fields})
            for row in data["rows"]]
    return data["filename"], rows


class IndividualForm(PortalForm):
    name = forms.CharField(label="Full name", max_length=200, required=False)
    email = forms.EmailField(label="E-mail address", required=False)
    relationship = forms.ChoiceField(
        label="Relationship", choices=[("", "- Select -"), *Relationship.choices],
        required=False,
    )

    def clean(self):
        data = super().clean()
        filled = [k for k in ("name", "email", "relationship") if data.get(k)]
        if filled and len(filled) < 3 and not self.errors:
            for key, label in (("name", "full name"), ("email", "e-mail address"),
                               ("relationship", "relationship")):
                if not data.get(key):
                    self.add_error(key, f"Enter the person's {label}, or clear this row.")
        return data

    def entry(self):
        data = self.cleaned_data
        if not data.get("name"):
            return None
        return IndividualEntry(name=data["name"].strip(), email=data["email"].lower(),
                               relationship=data["relationship"])


IndividualFormSet = forms.formset_factory(IndividualForm, extra=0, max_num=200,
                                          validate_max=True)
IndividualFormSet.row_label = "Person"  # the error summary's "Person 2: Enter ..."


class ApproveForm(PortalForm):
    providers = forms.MultipleChoiceField(
        label="Providers to approve", widget=forms.CheckboxSelectMultiple,
        error_messages={"required": "Choose at least one provider to approve, or deny the "
                        "request instead."},
    )
    note = forms.CharField(label="Note to the requester (optional)", required=False,
                           widget=forms.Textarea(attrs={"rows": 2}), max_length=2000)

    def __init__(self, *args, request_obj, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["providers"].choices = [
            (str(p.pk), f"{p.legal_name} (NPI {p.npi})") for p in request_obj.providers.all()
        ]
        self.fields["providers"].initial = [str(p.pk) for p in request_obj.providers.all()]


class DenyForm(PortalForm):
    reasons = forms.ModelMultipleChoiceField(
        label="Reasons", queryset=DenialReason.objects.filter(is_active=True),
        widget=forms.CheckboxSelectMultiple, required=False,
    )
    note = forms.CharField(
        label="Details for the requester",
        required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Name every missing or invalid item, e.g. \u201cmissing Medicaid ID for "
        "row 3\u201d.",
    )

    def clean(self):
        data = super().clean()
        if not data.get("reasons") and not (data.get("note") or "").strip():
            self.add_error("reasons", "Choose at least one reason, or write one in Details.")
        return data


class EndMembershipForm(PortalForm):
    reason = forms.CharField(label="Why does this access end?", max_length=500,
                             help_text="For example: left the provider's office.")
