"""R-REG-4: the reasons registration admins choose from when denying a request."""

from django.db import migrations

REASONS = [
    "A Medicaid (IMPACT) provider ID is missing or not on file",
    "An NPI does not match the provider on file",
    "A Tax ID (FEIN/TIN) does not match the provider on file",
    "A service location address is incomplete or does not match",
    "The requester is not authorised to act for this provider",
    "The provider is not enrolled in Illinois Medicaid",
    "Duplicate of another request",
    "Other (see the note)",
]


def add_reasons(apps, schema_editor):
    DenialReason = apps.get_model("registration", "DenialReason")
    for position, text in enumerate(REASONS):
        DenialReason.objects.get_or_create(text=text, defaults={"position": position})


def remove_reasons(apps, schema_editor):
    apps.get_model("registration", "DenialReason").objects.filter(text__in=REASONS).delete()


class Migration(migrations.Migration):
    dependencies = [("registration", "0001_initial")]
    operations = [migrations.RunPython(add_reasons, remove_reasons)]
