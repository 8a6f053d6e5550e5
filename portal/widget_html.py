"""Django's own widget templates, rendered in Python (issue 14).

Every form field on a page renders its widget through Django's templates: ``input.html``
includes ``attrs.html``, ``select.html`` includes ``select_option.html`` (which includes
``attrs.html``) once per option. Each include is a template lookup, a new context and a
loop of variable lookups; the All-tickets page's twelve filter fields spent ~4 ms in them.
The functions here write the same HTML as those templates, character for character
(``tests/test_widget_html.py`` renders every kind both ways and compares), in a few string
joins.

They serve a template only while its source is the one they copy: ``renderer_for`` reads
the source the template engine would load (a project template overriding Django's, or a
new Django release changing one, is rendered by the engine again) once per process.
"""

from __future__ import annotations

import functools

from django.core.signals import setting_changed
from django.dispatch import receiver
from django.utils.formats import localize
from django.utils.html import conditional_escape
from django.utils.timezone import template_localtime

ATTRS = ('{% for name, value in widget.attrs.items %}{% if value is not False %} {{ name }}'
         '{% if value is not True %}="{{ value|stringformat:\'s\' }}"{% endif %}{% endif %}'
         '{% endfor %}')
INPUT = ('<input type="{{ widget.type }}" name="{{ widget.name }}"{% if widget.value != None %}'
         ' value="{{ widget.value|stringformat:\'s\' }}"{% endif %}'
         '{% include "django/forms/widgets/attrs.html" %}>\n')
INCLUDES_INPUT = '{% include "django/forms/widgets/input.html" %}\n'
TEXTAREA = ('<textarea name="{{ widget.name }}"{% include "django/forms/widgets/attrs.html" %}>'
            '\n{% if widget.value %}{{ widget.value }}{% endif %}</textarea>\n')
SELECT = (
    '<select name="{{ widget.name }}"{% include "django/forms/widgets/attrs.html" %}>'
    '{% for group_name, group_choices, group_index in widget.optgroups %}{% if group_name %}'
    '\n  <optgroup label="{{ group_name }}">{% endif %}{% for option in group_choices %}'
    '\n  {% include option.template_name with widget=option %}{% endfor %}{% if group_name %}'
    '\n  </optgroup>{% endif %}{% endfor %}\n</select>\n')
SELECT_OPTION = ('<option value="{{ widget.value|stringformat:\'s\' }}"'
                 '{% include "django/forms/widgets/attrs.html" %}>{{ widget.label }}</option>\n')

#: The input types whose template only includes ``input.html``.
INPUT_KINDS = ("text", "email", "number", "date", "datetime", "time", "password", "url",
               "search", "tel", "hidden", "checkbox")


def _text(value) -> str:
    """``{{ value }}`` in a template: local time, localized, escaped unless safe."""
    value = localize(template_localtime(value))
    if not issubclass(type(value), str):
        value = str(value)
    return conditional_escape(value)


def _formatted(value) -> str:
    """``{{ value|stringformat:'s' }}``: the value as ``%s`` makes it, escaped unless it was
    safe (the filter keeps a safe value safe)."""
    if hasattr(value, "__html__"):
        return value.__html__()
    return conditional_escape(str(value))


def attrs(widget) -> str:
    parts = []
    for name, value in widget["attrs"].items():
        if value is False:
            continue
        parts.append(f" {_text(name)}")
        if value is not True:
            parts.append(f'="{_formatted(value)}"')
    return "".join(parts)


def input_html(widget) -> str:
    value = ""
    if widget["value"] is not None:
        value = f' value="{_formatted(widget["value"])}"'
    return (f'<input type="{_text(widget["type"])}" name="{_text(widget["name"])}"{value}'
            f"{attrs(widget)}>\n")


def including_input_html(widget) -> str:
    return input_html(widget) + "\n"


def textarea_html(widget) -> str:
    value = _text(widget["value"]) if widget["value"] else ""
    return f'<textarea name="{_text(widget["name"])}"{attrs(widget)}>\n{value}</textarea>\n'


def option_html(option) -> str:
    return (f'<option value="{_formatted(option["value"])}"{attrs(option)}>'
            f'{_text(option["label"])}</option>\n')


def select_html(widget) -> str:
    parts = [f'<select name="{_text(widget["name"])}"{attrs(widget)}>']
    for group_name, group_choices, _index in widget["optgroups"]:
        if group_name:
            parts.append(f'\n  <optgroup label="{_text(group_name)}">')
        for option in group_choices:
            parts.append("\n  ")
            if option["template_name"] == "django/forms/widgets/select_option.html":
                parts.append(option_html(option))
            else:  # a widget with its own option template: the engine renders it
                return None
        if group_name:
            parts.append("\n  </optgroup>")
    parts.append("\n</select>\n")
    return "".join(parts)


#: Each template this module writes, with the source it copies and its function.
TEMPLATES = {
    "django/forms/widgets/input.html": (INPUT, input_html),
    "django/forms/widgets/textarea.html": (TEXTAREA, textarea_html),
    "django/forms/widgets/select.html": (SELECT, select_html),
    **{f"django/forms/widgets/{kind}.html": (INCLUDES_INPUT, including_input_html)
       for kind in INPUT_KINDS},
}
#: The templates the functions above include, which must be Django's too.
INCLUDED = {
    "django/forms/widgets/attrs.html": ATTRS,
    "django/forms/widgets/input.html": INPUT,
    "django/forms/widgets/select_option.html": SELECT_OPTION,
}


def _source(template_name):
    """The source the project's template engines would load for ``template_name``."""
    from django.template import TemplateDoesNotExist, loader

    try:
        template = loader.get_template(template_name)
    except TemplateDoesNotExist:
        return None
    return getattr(getattr(template, "template", None), "source", None)


@functools.cache
def _includes_unchanged() -> bool:
    return all(_source(name) == source for name, source in INCLUDED.items())


@functools.cache
def renderer_for(template_name):
    """The function that writes ``template_name`` as the template engine would, or None
    when the engine would load another source than the one copied here."""
    known = TEMPLATES.get(template_name)
    if known is None:
        return None
    source, function = known
    if _source(template_name) != source or not _includes_unchanged():
        return None
    return function


def render(template_name, context):
    """The HTML of a widget template written here, or None for the engine to render.
    Stripped, as Django's renderers strip what a template renders."""
    write = renderer_for(template_name)
    if write is None or "widget" not in context:
        return None
    html = write(context["widget"])
    return None if html is None else html.strip()


@receiver(setting_changed)
def _forget_sources(*, setting, **kwargs):
    if setting == "TEMPLATES":
        renderer_for.cache_clear()
        _includes_unchanged.cache_clear()
