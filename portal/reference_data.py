"""Loads the reference data in fixtures/ without overwriting HFS staff's edits."""

import json

from django.conf import settings
from django.db import transaction

from portal.models import MCO, ComplaintType

FIXTURES = settings.BASE_DIR / "fixtures"


@transaction.atomic
def load_reference_data():
    """Create the MCOs and complaint types that are missing. Returns how many were created."""
    created = 0
    for row in json.loads((FIXTURES / "mcos.json").read_text()):
        slug = row.pop("slug")
        _, was_created = MCO.objects.get_or_create(slug=slug, defaults=row)
        created += was_created
    for position, row in enumerate(json.loads((FIXTURES / "complaint_types.json").read_text())):
        slug = row.pop("slug")
        _, was_created = ComplaintType.objects.get_or_create(
            slug=slug, defaults={**row, "position": position}
        )
        created += was_created
    return created
