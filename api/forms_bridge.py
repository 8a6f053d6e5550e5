"""The API validates with the pages' own Django forms, so a field's rule and its message are
the same in both (issue 13: "same error messages as fields of a JSON error"). This module
binds a form to a JSON or multipart body, and derives the OpenAPI request schema (a DRF
serializer) from the same form, so the documentation cannot drift from the rules."""

from __future__ import annotations

import datetime
import decimal

from django import forms
from rest_framework import serializers

from api import problems


def _json_value(field, value):
    """A JSON value as the text a browser would have sent, or a problem message."""
    if value is None:
        return None, None
    if isinstance(field, forms.MultipleChoiceField):
        if isinstance(value, list) and all(isinstance(v, str | int) for v in value):
            return [str(v) for v in value], None
        return None, "Send a list of choices."
    if isinstance(field, forms.BooleanField):
        if isinstance(value, bool):
            return value, None
        return None, "Send true or false."
    if isinstance(value, bool | list | dict):
        return None, "Send a string" + (" or a number." if isinstance(
            field, forms.IntegerField | forms.DecimalField | forms.ModelChoiceField) else ".")
    if isinstance(value, int | float | decimal.Decimal):
        return str(value), None
    return value, None


def bind(form_class, request, *, data=None, **kwargs):
    """``form_class`` bound to the request body (or ``data``): valid, or a 400 problem
    naming each field and the fix. Unknown fields are refused, so a typo is not silently
    dropped."""
    source = request.data if data is None else data
    if not hasattr(source, "get"):
        raise problems.Problem(400, "validation", "Send a JSON object.",
                               errors=[{"field": None, "message": "Send a JSON object."}])
    form = form_class(**kwargs)
    known = set(form.fields)
    values, errors = {}, []
    is_multipart = hasattr(source, "getlist")
    uploaded = set(request.FILES) if is_multipart else set()
    for name in source:
        if name == "files" and name in uploaded and name not in known:
            continue  # attachments: the endpoint hands them to the workflow itself
        if name not in known:
            errors.append({"field": name, "message": f"{name} is not a field of this "
                           f"request; the fields are {', '.join(sorted(known))}."})
            continue
        field = form.fields[name]
        if is_multipart:
            values[name] = (source.getlist(name) if isinstance(field, forms.MultipleChoiceField)
                            else source.get(name))
            continue
        value, problem = _json_value(field, source.get(name))
        if problem:
            errors.append({"field": name, "message": problem})
        elif value is not None:
            values[name] = value
    if errors:
        raise problems.Problem(400, "validation", problems._summary(errors), errors=errors)
    files = request.FILES if is_multipart else None
    bound = form_class(data=values, files=files, **kwargs)
    if not bound.is_valid():
        entries = problems.form_errors(bound)
        raise problems.Problem(400, "validation", problems._summary(entries), errors=entries)
    return bound.cleaned_data


# --- The schema side ---------------------------------------------------------------------


def _serializer_field(field: forms.Field):
    common = {"required": field.required, "help_text": str(field.help_text or field.label or "")}
    if isinstance(field, forms.BooleanField):
        return serializers.BooleanField(**common)
    if isinstance(field, forms.DateField):
        return serializers.DateField(**common)
    if isinstance(field, forms.DecimalField):
        return serializers.DecimalField(max_digits=field.max_digits,
                                        decimal_places=field.decimal_places,
                                        coerce_to_string=False, **common)
    if isinstance(field, forms.ModelChoiceField):
        return serializers.IntegerField(**common)
    if isinstance(field, forms.MultipleChoiceField):
        return serializers.MultipleChoiceField(choices=list(field.choices), **common)
    if isinstance(field, forms.ChoiceField):
        return serializers.ChoiceField(choices=list(field.choices), **common)
    if isinstance(field, forms.EmailField):
        return serializers.EmailField(max_length=field.max_length, **common)
    if isinstance(field, forms.FileField):
        return serializers.ListField(child=serializers.FileField(), **common)
    kwargs = {}
    if getattr(field, "max_length", None):
        kwargs["max_length"] = field.max_length
    return serializers.CharField(allow_blank=not field.required, **common, **kwargs)


def request_serializer(form_class, name: str, *, only=None, exclude=(), **form_kwargs):
    """A serializer class mirroring ``form_class``'s fields, for the OpenAPI schema only."""
    form = form_class(**form_kwargs)
    attrs = {
        field_name: _serializer_field(field)
        for field_name, field in form.fields.items()
        if (only is None or field_name in only) and field_name not in exclude
    }
    attrs["Meta"] = type("Meta", (), {"ref_name": name})
    return type(name, (serializers.Serializer,), attrs)


def iso(value):
    if isinstance(value, datetime.datetime | datetime.date):
        return value.isoformat()
    return value
