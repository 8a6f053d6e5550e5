"""The forms of the API client pages (issue 13): adding a client, making a token. What is
allowed is the services' business (``api.clients``); these forms check what a person typed
and name the field and the fix."""

from __future__ import annotations

import datetime
import uuid

from django import forms
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.utils import timezone

from api import clients
from api.models import ApiClient, ClientKind, Scope, parse_ip_ranges
from deadlines.calendar import CENTRAL
from deadlines.days import short_date
from portal import permissions
from portal.forms import PortalForm
from portal.models import MCO

#: How many providers the add form lists at once: a search narrows the rest.
PROVIDERS_LISTED = 25


def kinds_managed_by(user) -> list[str]:
    """The client kinds this person may make: MCO systems (HFS staff), provider systems
    (registration admins)."""
    return [kind.value for kind in ClientKind
            if permissions.may_manage_api_client(user, ApiClient(kind=kind))]


class ProviderChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, provider):
        return f"{provider.legal_name} ({provider.city}, {provider.state}), NPI {provider.npi}"


def find_providers(query: str):
    """Providers whose name, NPI, Medicaid ID or Tax ID matches ``query``."""
    from registration.models import Provider

    query = query.strip()
    providers = Provider.objects.order_by("legal_name", "pk")
    if not query:
        return providers
    digits = "".join(c for c in query if c.isdigit())
    match = Q(legal_name__icontains=query) | Q(medicaid_id__iexact=query.replace(" ", ""))
    if digits:
        match |= Q(npi=digits) | Q(tax_id=digits)
    return providers.filter(match)


class ClientForm(PortalForm):
    """A new client. HFS staff choose the MCO; a registration admin the providers or
    facilities its system files for, found by a search in the same form ("Find")."""

    kind = forms.ChoiceField(
        label="Whose system is it?", choices=ClientKind.choices, widget=forms.RadioSelect,
        error_messages={"required": "Choose whose system it is: an MCO's or a provider's."})
    name = forms.CharField(
        label="Client name", max_length=120,
        error_messages={"required": "Enter the client name.",
                        "max_length": "Use at most 120 characters for the client name."},
        help_text="The system, as its owners call it, for example “Meridian case "
                  "management”.")
    mco = forms.ModelChoiceField(
        label="MCO", queryset=MCO.objects.filter(is_active=True).order_by("name"),
        required=False, empty_label="- Select -",
        help_text="The system acts as this MCO's staff: it sees and answers only this MCO's "
                  "tickets.")
    provider_search = forms.CharField(
        label="Find providers or facilities", required=False, max_length=100,
        help_text="Name, NPI, Medicaid ID or Tax ID, then press “Find”.")
    providers = ProviderChoiceField(
        label="Providers or facilities it files for", queryset=None, required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="The system acts as a representative of each provider you tick: it files "
                  "and follows their tickets only.")
    contact_email = forms.EmailField(
        label="Technical contact's e-mail", max_length=254,
        error_messages={"required": "Enter the technical contact's e-mail address.",
                        "invalid": "Enter the e-mail address as name@example.com."},
        help_text="Who to tell about token expiry, outages and changes to the API.")
    allowed_ip_ranges = forms.CharField(
        label="Allowed address ranges", required=False, max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3, "spellcheck": "false"}),
        help_text="Optional. Requests from any other address are refused. Separate ranges "
                  "with commas or new lines, for example 203.0.113.0/24.")

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.kinds = kinds_managed_by(user)
        self.fields["kind"].summary_label = "Kind"
        if len(self.kinds) == 1:
            del self.fields["kind"]
        if ClientKind.MCO not in self.kinds:
            del self.fields["mco"]
        else:
            self.fields["mco"].error_messages["invalid_choice"] = (
                "Choose an MCO from the list.")
        if ClientKind.PROVIDER not in self.kinds:
            del self.fields["provider_search"]
            del self.fields["providers"]
        else:
            self._limit_providers()
        if len(self.kinds) == 1:  # the one kind's MCO or providers are required
            only = "mco" if self.kinds[0] == ClientKind.MCO else "providers"
            self.fields[only].required = True
            self.fields[only].error_messages["required"] = self.MISSING[only]

    MISSING = {
        "mco": "Choose the MCO whose system this is.",
        "providers": "Tick at least one provider or facility the system files for. Use "
                     "“Find” to list them.",
    }

    # -- the provider list ------------------------------------------------------------

    def _value(self, name):
        if self.is_bound:
            return self.data.get(self.add_prefix(name), "")
        return self.initial.get(name, "")

    def chosen_provider_ids(self) -> list[int]:
        if self.is_bound:
            values = self.data.getlist(self.add_prefix("providers"))
        else:
            values = self.initial.get("providers") or []
        return [int(v) for v in map(str, values) if v.isdigit()][:200]

    def _limit_providers(self):
        """List the matches of the search (the first PROVIDERS_LISTED), and those already
        ticked; with no search, every provider when there are few."""
        from registration.models import Provider

        # A null character (PostgreSQL refuses one in a query) is dropped from the search.
        query = str(self._value("provider_search") or "").replace("\x00", "").strip()[:100]
        matches = find_providers(query)
        self.provider_query = query
        self.provider_matches = matches.count()
        if query or self.provider_matches <= PROVIDERS_LISTED:
            shown = list(matches.values_list("pk", flat=True)[:PROVIDERS_LISTED])
        else:
            shown = []
        self.providers_listed = len(shown)
        ids = set(shown) | set(self.chosen_provider_ids())
        self.fields["providers"].queryset = Provider.objects.filter(pk__in=ids).order_by(
            "legal_name", "pk")

    @property
    def providers_hidden_by_search(self) -> bool:
        return not self.provider_query and self.providers_listed == 0

    # -- checks -----------------------------------------------------------------------

    def clean_name(self):
        name = self.cleaned_data["name"].strip()
        if not name:
            raise ValidationError("Enter the client name.")
        return name

    def clean_allowed_ip_ranges(self):
        text = self.cleaned_data.get("allowed_ip_ranges", "").strip()
        parse_ip_ranges(text)  # its message names what is wrong and how to write it
        return text

    def clean(self):
        data = super().clean()
        kind = data.get("kind") if "kind" in self.fields else self.kinds[0]
        data["kind"] = kind
        wanted = {ClientKind.MCO: "mco", ClientKind.PROVIDER: "providers"}.get(kind)
        if wanted in self.fields and not data.get(wanted) and wanted not in self.errors:
            self.add_error(wanted, self.MISSING[wanted])
        return data


#: What each scope lets a client's system do, in the words of its own side's actions.
SCOPE_LABELS = {
    ClientKind.MCO: {
        Scope.READ: "Read only: list and read the MCO's tickets, download their files, "
                    "follow the event feed",
        Scope.ACT: "Read and act: also ask providers for information, send responses, "
                   "report unknown tracking numbers, ask for extensions, post messages",
    },
    ClientKind.PROVIDER: {
        Scope.READ: "Read only: list and read the providers' tickets, download their files, "
                    "follow the event feed",
        Scope.ACT: "Read and act: also file tickets, answer information requests, accept "
                   "or contest responses, ask for reviews, post messages",
    },
}


class TokenForm(PortalForm):
    """A new token for a client: a name, a scope, an expiry date. ``once`` is a random
    value of the form as it was shown: a second POST of the same form (a double click, a
    reload of the page that showed the secret) makes no second token."""

    name = forms.CharField(
        label="Token name", max_length=80,
        error_messages={"required": "Enter the token name.",
                        "max_length": "Use at most 80 characters for the token name."},
        help_text="Where it is used, for example “production sync”. Make one token for "
                  "each place, so that one can be revoked alone.")
    scope = forms.ChoiceField(
        label="What may the system do with it?", choices=Scope.choices,
        widget=forms.RadioSelect, initial=Scope.READ,
        error_messages={"required": "Choose “Read only” or “Read and act”."},
        help_text="Give a system only what it needs: choose “Read only” unless it takes "
                  "actions on tickets.")
    expires_on = forms.DateField(
        label="Expiry date", widget=forms.DateInput(attrs={"type": "date"}),
        error_messages={"required": "Enter the expiry date."},
        help_text=f"The token stops working at the start of this day (midnight, Central "
                  f"time). At most {clients.MAX_TOKEN_DAYS} days from today; "
                  f"{clients.DEFAULT_TOKEN_DAYS} days unless you change it. For example: "
                  "2027-01-15 (year-month-day).")

    once = forms.CharField(required=False, max_length=32, widget=forms.HiddenInput)

    def __init__(self, *args, kind=ClientKind.MCO, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["scope"].choices = list(SCOPE_LABELS[kind].items())
        self.fields["scope"].summary_label = "Scope"
        self.initial.setdefault("once", uuid.uuid4().hex)
        self.fields["expires_on"].error_messages["invalid"] = (
            "Enter the expiry date as year-month-day, for example 2027-01-15.")
        if not self.is_bound:
            self.initial.setdefault(
                "expires_on", self.today() + datetime.timedelta(days=clients.DEFAULT_TOKEN_DAYS))

    @staticmethod
    def today() -> datetime.date:
        return timezone.localtime(timezone.now(), CENTRAL).date()

    def clean_name(self):
        name = self.cleaned_data["name"].strip()
        if not name:
            raise ValidationError("Enter the token name.")
        return name

    def clean_expires_on(self):
        day = self.cleaned_data["expires_on"]
        today = self.today()
        latest = today + datetime.timedelta(days=clients.MAX_TOKEN_DAYS)
        if day <= today:
            raise ValidationError("Choose an expiry date after today.")
        if day > latest:
            raise ValidationError(f"A token may live at most {clients.MAX_TOKEN_DAYS} days: "
                                  f"choose {short_date(latest)} or earlier.")
        return day

    @property
    def expires_at(self) -> datetime.datetime:
        """The start of the chosen day in Central time."""
        return datetime.datetime.combine(self.cleaned_data["expires_on"], datetime.time(0),
                                         tzinfo=CENTRAL)
