"""The rows data migrations create (role groups, denial reasons). A transactional test's
flush empties every table, so tests that run after one call :func:`restore` first."""

import importlib


def restore():
    from django.contrib.auth.models import Group, Permission

    from registration.models import DenialReason

    groups = importlib.import_module("portal.migrations.0002_roles").GROUPS
    for name, perms in groups.items():
        group, _ = Group.objects.get_or_create(name=name)
        for app_label, codename in perms:
            group.permissions.add(
                Permission.objects.get(content_type__app_label=app_label, codename=codename)
            )
    readers = importlib.import_module("portal.migrations.0006_audit_readers")
    group, _ = Group.objects.get_or_create(name=readers.GROUP)
    group.permissions.add(Permission.objects.get(content_type__app_label=readers.PERMISSION[0],
                                                 codename=readers.PERMISSION[1]))
    reasons = importlib.import_module("registration.migrations.0002_denial_reasons").REASONS
    for position, text in enumerate(reasons):
        DenialReason.objects.get_or_create(text=text, defaults={"position": position})
