"""Shared formats that are not dates (dates: ``deadlines.days``): money."""

from decimal import Decimal


def money(value) -> str:
    """"$1,234.50"; a negative amount "−$12.00"; None gives ""."""
    if value is None or value == "":
        return ""
    amount = Decimal(value)
    sign = "−" if amount < 0 else ""
    return f"{sign}${abs(amount):,.2f}"
