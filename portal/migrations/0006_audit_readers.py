"""R-SEC-2: the "Audit readers" group holds ``portal.read_audit_log``, the permission to
search and export the audit log. No one is in it at first: an administrator adds the HFS
staff who need it (docs/decisions/0006-audit-log.md, "Who reads it"). The page is for HFS
portal staff only, so the group gives nothing to anyone else.
"""

from django.db import migrations

GROUP = "Audit readers"
PERMISSION = ("portal", "read_audit_log")


def create_group(apps, schema_editor):
    from django.contrib.auth.management import create_permissions

    portal = apps.get_app_config("portal")
    portal.models_module = True
    create_permissions(portal, verbosity=0, apps=apps)
    portal.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    group, _ = Group.objects.get_or_create(name=GROUP)
    group.permissions.add(
        Permission.objects.get(content_type__app_label=PERMISSION[0], codename=PERMISSION[1])
    )


def remove_group(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name=GROUP).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("portal", "0005_audit_append_only"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(create_group, remove_group)]
