"""Forms of the portal app, and the renderer that gives every form in the portal (ours and
allauth's) the same USWDS field component: label, hint, error message, aria-describedby
and aria-invalid (SPEC R-SEC-5)."""

from django import forms
from django.forms.boundfield import BoundField
from django.forms.models import ModelChoiceIterator
from django.forms.renderers import TemplatesSetting

from portal.access import INVITABLE_ROLES, Role
from portal.models import MCO, User

WIDGET_CLASSES = {
    "checkbox": "usa-checkbox__input",
    "radio": "usa-radio__input",
    "select": "usa-select",
    "textarea": "usa-textarea",
    "file": "usa-file-input",
}


class UswdsBoundField(BoundField):
    """Adds the USWDS class for the widget's kind; Django adds the ARIA attributes."""

    def build_widget_attrs(self, attrs, widget=None):
        attrs = super().build_widget_attrs(attrs, widget)
        widget = widget or self.field.widget
        kind = getattr(widget, "input_type", None) or self.widget_type
        css = WIDGET_CLASSES.get(kind, "usa-input")
        if self.errors and css in ("usa-input", "usa-select", "usa-textarea"):
            css += f" {css}--error"
        existing = attrs.get("class") or widget.attrs.get("class", "")
        attrs["class"] = f"{css} {existing}".strip()
        if kind == "file" and self.auto_id:
            # USWDS's file-input script adds an aria-label ("Drag file here…") that would
            # replace the visible label as the accessible name; the label wins this way.
            attrs["aria-labelledby"] = f"{self.auto_id}_label"
        return attrs


class ListedChoiceIterator(ModelChoiceIterator):
    """The choices of a small reference table read in one query. Django's iterator reads
    them through a server-side cursor (DECLARE, FETCH, CLOSE: three round trips, ~1.3 ms
    a field on PostgreSQL), made for tables too big to hold in memory (issue 14)."""

    def __iter__(self):
        if self.field.empty_label is not None:
            yield ("", self.field.empty_label)
        for obj in list(self.queryset):
            yield self.choice(obj)


class ReferenceChoiceField(forms.ModelChoiceField):
    """A choice of a row of a small reference table (MCOs, complaint types)."""

    iterator = ListedChoiceIterator


def error_anchor(bound_field):
    """The id an error summary links to: the control itself, or a group's first choice
    (radio buttons and checkboxes have one id each; the group has none)."""
    if bound_field.is_hidden:
        return ""
    if bound_field.use_fieldset:
        for choice in bound_field.subwidgets:
            return choice.id_for_label
        return ""
    return bound_field.id_for_label or bound_field.auto_id or ""


def _short_label(label):
    return str(label or "").strip().rstrip(".:")


def error_summary_items(*forms, row_label="Row"):
    """Every error of ``forms`` (forms or formsets), in page order, for one error summary:
    ``{"label", "message", "href", "text"}``. A field's error names the field (its
    ``summary_label`` when a long label has one) and links to it; an error of the whole form
    has no link. Marks each form as summarised, so the form's own template does not show a
    second summary."""
    items = []
    for form in forms:
        if form is None:
            continue
        form.error_summary_shown = True
        if hasattr(form, "management_form"):  # a formset
            label = getattr(form, "row_label", row_label)
            for message in form.non_form_errors():
                items.append(_item("", "", message, ""))
            for number, row in enumerate(form.forms, start=1):
                row.error_summary_shown = True
                items.extend(_form_items(row, prefix=f"{label} {number}"))
            continue
        items.extend(_form_items(form))
    return items


def _form_items(form, prefix=""):
    if not form.is_bound or not form.errors:
        return []
    items = [_item(prefix, "", m, "") for m in form.non_field_errors()]
    for name in form.fields:
        bound = form[name]
        anchor = error_anchor(bound)
        for message in bound.errors:
            label = getattr(bound.field, "summary_label", None) or bound.label
            items.append(_item(prefix, _short_label(label), message,
                               f"#{anchor}" if anchor else ""))
    return items


def _item(prefix, label, message, href):
    """One line of the summary: the field's name, then the message (which may name the
    field already: "Enter first name."); a formset's row first ("Person 2: ...")."""
    message = str(message)
    text = message if not label or label.lower() in message.lower() else f"{label}: {message}"
    if prefix:
        text = f"{prefix}: {text}"
    return {"label": label, "message": message, "href": href, "text": text}


#: Words that keep their capital at the start of a message ("Enter Medicaid (IMPACT) …").
PROPER_NOUNS = {"Medicaid", "Illinois", "Molina", "Aetna", "Meridian", "YouthCare",
                "CountyCare"}


class NamedRequiredMessagesMixin:
    """R-SEC-5: a missing value is named: "Enter your phone number.", "Choose the MCO."
    instead of Django's "This field is required." (a message set on the field wins)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        default = forms.Field.default_error_messages["required"]
        for field in self.fields.values():
            if field.error_messages.get("required") != default:
                continue
            label = str(field.label or "this field")
            first_word = label.split(" ", 1)[0]
            if len(label) > 1 and label[1].islower() and first_word not in PROPER_NOUNS:
                label = label[0].lower() + label[1:]
            choosing = isinstance(field, forms.ChoiceField | forms.ModelChoiceField)
            verb = "Choose" if choosing else "Enter"
            field.error_messages = {**field.error_messages, "required": f"{verb} {label}."}


class NamedFileField(forms.FileField):
    """A file field whose "empty file" message names the file and says what to do (issue
    15); Django's own says only "The submitted file is empty"."""

    def to_python(self, data):
        if data and getattr(data, "size", None) == 0 and getattr(data, "name", ""):
            raise forms.ValidationError(
                "%(name)s is empty (0 bytes). Choose the file again; if it opens on your "
                "computer, save it again from the program that made it, then upload that "
                "copy.", code="empty", params={"name": data.name[:80]})
        return super().to_python(data)


class PortalForm(NamedRequiredMessagesMixin, forms.Form):
    """The base of the portal's forms."""


class PortalModelForm(NamedRequiredMessagesMixin, forms.ModelForm):
    """The base of the portal's model forms."""


class PortalFormRenderer(TemplatesSetting):
    form_template_name = "components/form.html"
    field_template_name = "components/field.html"
    bound_field_class = UswdsBoundField

    def render(self, template_name, context, request=None):
        # Django's own widget templates are written in Python, the same HTML (issue 14).
        from portal import widget_html

        if request is None:
            html = widget_html.render(template_name, context)
            if html is not None:
                return html
        return super().render(template_name, context, request)


class InviteForm(PortalForm):
    email = forms.EmailField(
        label="E-mail address", help_text="The invitation is sent to this address."
    )
    first_name = forms.CharField(label="First name", max_length=150)
    last_name = forms.CharField(label="Last name", max_length=150)
    role = forms.ChoiceField(
        label="Role",
        choices=[("", "- Select -")] + [(r.value, r.label) for r in INVITABLE_ROLES],
    )
    mco = ReferenceChoiceField(
        label="MCO",
        queryset=MCO.objects.all(),
        required=False,
        empty_label="- Select -",
        help_text="Required for MCO staff: the one MCO this person works for.",
    )

    def clean_email(self):
        email = self.cleaned_data["email"].strip().lower()
        if User.objects.filter(email__iexact=email).exists():
            raise forms.ValidationError(
                "A person with this e-mail address already has an account. Search the "
                "people list for them, or use another address."
            )
        return email

    def clean(self):
        data = super().clean()
        if data.get("role") == Role.MCO.value and not data.get("mco"):
            self.add_error("mco", "Choose the MCO this person works for.")
        if data.get("role") == Role.HFS.value and data.get("mco"):
            self.add_error("mco", "HFS portal staff do not belong to an MCO; leave this blank.")
        return data


class MCOForm(PortalModelForm):
    """An MCO and its tracking-number format (R-FILE-4). Besides the pattern itself: real
    examples the portal proposes a pattern from (and checks the pattern against on save),
    and a number to try against the pattern (never saved)."""

    examples = forms.CharField(
        label="Examples of real tracking numbers", required=False, max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="One per line. The portal proposes a pattern that fits them all: digits "
        "become “that many digits”, letters that are the same in every example stay as "
        "typed, letters that differ become “that many letters”, and hyphens, slashes and "
        "spaces stay as typed.",
    )
    test_number = forms.CharField(
        label="Try a tracking number", required=False, max_length=60,
        help_text="Type a number to see whether the pattern accepts it. Not saved.",
    )

    class Meta:
        model = MCO
        fields = ["name", "short_name", "is_active", "tracking_pattern", "tracking_format",
                  "tracking_example"]
        labels = {"is_active": "Accepting tickets"}
        help_texts = {
            "tracking_pattern": (
                "A regular expression the whole number must match. <code>[0-9]{7}</code> "
                "means 7 digits, <code>[A-Z]{2}</code> 2 capital letters; other characters "
                "must appear as typed. Leave it blank when the format is not known: then any "
                "number that is not blank is accepted."
            ),
        }

    field_order = ["name", "short_name", "is_active", "examples", "tracking_pattern",
                   "tracking_format", "tracking_example", "test_number"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["tracking_pattern"].widget.attrs.update(
            {"spellcheck": "false", "autocomplete": "off", "class": "portal-code"})
        self.fields["test_number"].widget.attrs.update({
            "autocomplete": "off", "data-pattern-test": self["tracking_pattern"].auto_id,
            "aria-describedby": f"{self['test_number'].auto_id}_helptext tracking-test-result",
        })

    def clean_examples(self):
        from portal import tracking_formats

        return tracking_formats.parse_examples(self.cleaned_data.get("examples", ""))

    def clean_tracking_pattern(self):
        """Checked here, before the examples are tried against it (the model's validator
        runs only after the form's own checks)."""
        from portal import tracking_formats

        pattern = self.cleaned_data.get("tracking_pattern", "").strip()
        try:
            tracking_formats.compile_pattern(pattern)
        except tracking_formats.FormatError as error:
            raise forms.ValidationError(str(error), code="invalid_pattern") from error
        return pattern

    def clean(self):
        data = super().clean()
        pattern, examples = data.get("tracking_pattern"), data.get("examples") or []
        if pattern and examples and "tracking_pattern" not in self.errors:
            from portal import tracking_formats

            misfits = [e for e in examples if not tracking_formats.matches(pattern, e)]
            if misfits:
                self.add_error("examples", (
                    f"The pattern does not accept {_listed(misfits)}. Fix the pattern, or "
                    "press “Propose a pattern” to have one made from these examples."))
        return data

    def test_result(self):
        """(matches, sentence) for the number to try, or None when there is none."""
        from portal import tracking_formats

        number = (self.data.get("test_number") or "").strip()
        pattern = (self.data.get("tracking_pattern") or "").strip()
        if not number:
            return None
        try:
            fits = tracking_formats.matches(pattern, number)
        except tracking_formats.FormatError:
            return False, f"{number} cannot be tried: the pattern is not valid (see above)."
        if not pattern:
            return True, f"{number} is accepted: with no pattern, any number is."
        if fits:
            return True, f"{number} matches the pattern."
        return False, f"{number} does not match the pattern."

    def with_proposal(self):
        """A copy of the posted form with the pattern (and its words, and an example)
        proposed from the examples; or this form with the reason on the examples."""
        from portal import tracking_formats

        examples = tracking_formats.parse_examples(self.data.get("examples", ""))
        try:
            proposal = tracking_formats.propose(examples)
        except tracking_formats.FormatError as error:
            self.is_valid()
            self.add_error("examples", str(error))
            return self, None
        data = self.data.copy()
        data["tracking_pattern"] = proposal.pattern
        data["tracking_format"] = proposal.description
        if not tracking_formats.matches(proposal.pattern, data.get("tracking_example", "")):
            data["tracking_example"] = proposal.examples[0]
        return MCOForm(data, instance=self.instance), proposal


def _listed(values, limit=5):
    shown = [f"“{v}”" for v in values[:limit]]
    more = f" and {len(values) - limit} more" if len(values) > limit else ""
    return (", ".join(shown[:-1]) + " or " + shown[-1] if len(shown) > 1 else shown[0]) + more
