"""``{% load portal_forms %}{% error_summary form1 form2 … %}``: one error summary at the
top of a page whose ``<form>`` holds several Django forms (or formsets). A form rendered
whole (``{{ form }}``) shows its own summary through components/form.html; the forms named
here do not repeat it.

The summary is a USWDS error alert that names each field with an error and links to it;
static/js/portal.js moves focus to it (``data-error-summary``) when the page loads.
"""

from django import template

from portal.forms import error_summary_items

register = template.Library()


@register.inclusion_tag("components/error_summary.html")
def error_summary(*forms, text="", row_label="Row", extra=(), extra_href=""):
    """``extra``: problems that belong to no one field (a message, or a list of them),
    linked to ``extra_href`` when given."""
    items = error_summary_items(*forms, row_label=row_label)
    if isinstance(extra, str):
        extra = [extra] if extra else []
    items += [{"label": "", "message": str(m), "href": extra_href, "text": str(m)}
              for m in extra or ()]
    anchors = [item["href"][1:] for item in items if item["href"]]
    summary_id = f"{anchors[0]}-errors" if anchors else "error-summary"
    return {"items": items, "text": text, "summary_id": summary_id}
