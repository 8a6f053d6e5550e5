"""Backup and restore (issue 15, docs/operations.md): scripts/backup.sh dumps a populated
PostgreSQL database and its uploaded files; scripts/restore.sh brings them back into a
fresh database and folder; every ticket, clock, event, audit row and file is back, and the
portal serves the file from the restored copy."""

import hashlib
import os
import subprocess
import sys
import uuid
from pathlib import Path

import psycopg
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection

from tests.tickets.conftest import _in_november_2026  # noqa: F401 - the filing window's time

ROOT = Path(__file__).resolve().parent.parent
pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

TABLES = ["tickets_ticket", "tickets_ticketclaim", "tickets_ticketevent",
          "tickets_ticketattachment", "deadlines_clock", "portal_auditevent", "portal_user",
          "registration_providermembership"]


def _url(name):
    s = connection.settings_dict
    return (f"postgres://{s['USER']}@{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}/{name}")


def _counts(url):
    with psycopg.connect(url) as db:
        return {t: db.execute(f"SELECT count(*) FROM {t}").fetchone()[0]  # noqa: S608
                for t in TABLES}


def _run(script, folder, env):
    done = subprocess.run(["bash", str(ROOT / "scripts" / script), str(folder)],  # noqa: S603,S607
                          env={**os.environ, **env}, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr[-2000:]


def test_a_backup_restores_every_row_and_file_and_the_portal_serves_them(settings, tmp_path):
    from portal.reference_data import load_reference_data
    from tests import factories
    from tests.migrated_data import restore as restore_migrated_data
    from tests.test_uploads import minimal_pdf
    from tests.tickets.conftest import approve, make_draft, make_provider
    from tickets import drafts, workflow

    uploads = tmp_path / "uploads"
    settings.STORAGES = {**settings.STORAGES, "default": {
        **settings.STORAGES["default"], "OPTIONS": {"location": str(uploads)}}}
    restore_migrated_data()
    load_reference_data()
    provider_user, clinic = factories.provider_user(), make_provider(4)
    approve(provider_user, clinic)
    hfs = factories.hfs_staff()
    draft = make_draft(provider_user, clinic)
    pdf = minimal_pdf()
    [attachment] = drafts.add_attachments(
        draft, [SimpleUploadedFile("eob.pdf", pdf, "application/pdf")],
        by=provider_user, role="provider")
    ticket = workflow.present(workflow.submit(draft.pk, by=provider_user).pk, by=hfs)

    source = _url(connection.settings_dict["NAME"])
    before = _counts(source)
    assert all(before[t] for t in TABLES)
    backup = tmp_path / "backup"
    _run("backup.sh", backup, {"DATABASE_URL": source, "MEDIA_ROOT": str(uploads)})

    restored_name = f"portal_restore_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(_url("postgres"), autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{restored_name}"')
    try:
        restored, restored_uploads = _url(restored_name), tmp_path / "restored-uploads"
        _run("restore.sh", backup, {"DATABASE_URL": restored,
                                    "MEDIA_ROOT": str(restored_uploads)})
        assert _counts(restored) == before
        file = restored_uploads / attachment.file.name
        assert hashlib.sha256(file.read_bytes()).hexdigest() == attachment.sha256
        # The portal, started on the restored copy, serves the ticket and its file.
        check = subprocess.run(  # noqa: S603
            [sys.executable, "-c", SERVE_CHECK, str(ticket.pk), str(attachment.pk),
             hfs.email],
            env={**os.environ, "DATABASE_URL": restored, "MEDIA_ROOT": str(restored_uploads),
                 "DJANGO_SETTINGS_MODULE": "portal.test_settings", "ALLOWED_HOSTS": "testserver"},
            cwd=ROOT, capture_output=True, text=True)
        assert check.returncode == 0, check.stderr[-2000:]
        assert check.stdout.split() == ["200", "200", hashlib.sha256(pdf).hexdigest()]
    finally:
        connection.close()
        with psycopg.connect(_url("postgres"), autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{restored_name}" WITH (FORCE)')


SERVE_CHECK = """
import hashlib, sys
import django
django.setup()
from django.test import Client
from django.urls import reverse
from portal.models import User
ticket, attachment, email = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
client = Client()
client.force_login(User.objects.get(email=email))
page = client.get(reverse("ticket_detail", args=[ticket]))
download = client.get(reverse("ticket_attachment", args=[ticket, attachment]))
body = b"".join(download.streaming_content) if download.streaming else download.content
print(page.status_code, download.status_code, hashlib.sha256(body).hexdigest())
"""
