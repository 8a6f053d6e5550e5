"""``{{ amount|money }}``: the one money format of ``portal.formats``."""

from django import template

from portal import formats

register = template.Library()


@register.filter
def money(value):
    return formats.money(value)
