"""Django's widget templates written in Python (portal.widget_html, issue 14): the same
HTML as the templates, character for character, and the templates again when a project
template would replace Django's."""

import datetime

import pytest
from django import forms
from django.forms.renderers import TemplatesSetting
from django.test import override_settings
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy

from portal import widget_html
from portal.forms import PortalFormRenderer


class EngineOnly(PortalFormRenderer):
    """The portal's renderer with every template rendered by the engine."""

    def render(self, template_name, context, request=None):
        return TemplatesSetting.render(self, template_name, context, request)


FAST, ENGINE = PortalFormRenderer(), EngineOnly()

TRICKY = 'Smith & "Sons" <b>'
WIDGETS = [
    forms.TextInput(),
    forms.TextInput(attrs={"placeholder": TRICKY, "data-n": 3, "autofocus": True,
                           "disabled": False}),
    forms.EmailInput(), forms.NumberInput(attrs={"min": 0, "step": "any"}),
    forms.DateInput(attrs={"type": "date"}), forms.DateTimeInput(), forms.TimeInput(),
    forms.PasswordInput(render_value=True), forms.URLInput(), forms.SearchInput(),
    forms.TelInput(), forms.HiddenInput(), forms.CheckboxInput(),
    forms.Textarea(attrs={"rows": 4}),
    forms.Select(choices=[("", "- Select -"), ("a", TRICKY), (1, "One"),
                          ("b", gettext_lazy("Lazy")), ("c", mark_safe("<i>safe</i>"))]),
    forms.Select(choices=[("Fruit", [("apple", "Apple"), ("pear", "Pear")]),
                          ("none", "None of them")]),
    forms.SelectMultiple(choices=[("a", "A"), ("b", "B"), ("c", "C")]),
    forms.NullBooleanSelect(),
]
VALUES = [None, "", "plain", TRICKY, mark_safe("<em>kept</em>"), 0, 12345, True, False,
          datetime.date(2027, 1, 15), ["a", "c"], "apple"]


@pytest.mark.parametrize("widget", WIDGETS, ids=lambda w: type(w).__name__)
def test_each_widget_renders_the_same_html_as_djangos_template(widget):
    for value in VALUES:
        for attrs in (None, {"id": "id_x", "class": "usa-input", "required": True,
                             "aria-describedby": "id_x_helptext id_x_error"}):
            try:
                engine = widget.render("the_name", value, attrs=attrs, renderer=ENGINE)
            except TypeError:  # a value this widget cannot show (a list for a yes/no)
                with pytest.raises(TypeError):
                    widget.render("the_name", value, attrs=attrs, renderer=FAST)
                continue
            fast = widget.render("the_name", value, attrs=attrs, renderer=FAST)
            assert fast == engine, (value, attrs)


def test_every_written_template_is_found_and_copied_from_this_django():
    for name in widget_html.TEMPLATES:
        assert widget_html.renderer_for(name) is not None, name


def test_the_portals_forms_render_the_same_html_either_way(db):
    from portal.forms import InviteForm
    from tickets.forms import ExtensionForm, InformationRequestForm, MessageForm, ResponseForm
    from tickets.search import TicketSearchForm

    for make in (InviteForm, MessageForm, InformationRequestForm, ResponseForm,
                 ExtensionForm):
        assert make(renderer=FAST).render() == make(renderer=ENGINE).render()
    from tests import factories

    hfs = factories.hfs_staff()
    bound = {"q": TRICKY, "filed_from": "not a date", "state": "nonsense"}
    for data in (None, bound):
        fast = TicketSearchForm(data, user=hfs, renderer=FAST)
        engine = TicketSearchForm(data, user=hfs, renderer=ENGINE)
        assert fast.render() == engine.render()


def test_a_project_template_that_replaces_djangos_is_rendered_by_the_engine(settings):
    from django.conf import settings as live

    replaced = {
        "django/forms/widgets/input.html":
            '<input data-project name="{{ widget.name }}">',
    }
    engine = {**live.TEMPLATES[0], "APP_DIRS": False, "OPTIONS": {
        **live.TEMPLATES[0]["OPTIONS"],
        "loaders": [("django.template.loaders.locmem.Loader", replaced),
                    "django.template.loaders.filesystem.Loader",
                    "django.template.loaders.app_directories.Loader"]}}
    with override_settings(TEMPLATES=[engine]):
        assert widget_html.renderer_for("django/forms/widgets/input.html") is None
        # text.html includes input.html, which is no longer Django's
        assert widget_html.renderer_for("django/forms/widgets/text.html") is None
        html = forms.TextInput().render("n", "v", renderer=PortalFormRenderer())
        assert html == '<input data-project name="n">'
    assert widget_html.renderer_for("django/forms/widgets/input.html") is not None
