"""Security settings: the deploy check, the Content-Security-Policy, no inline scripts."""

import os
import re
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse

ROOT = Path(settings.BASE_DIR)


def run_deploy_check(**env):
    full_env = {**os.environ, "DEBUG": "false", "ALLOWED_HOSTS": "portal.example.gov", **env}
    full_env.pop("DJANGO_SETTINGS_MODULE", None)
    full_env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)  # set for the browser tests
    return subprocess.run(  # noqa: S603
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=full_env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_production_settings_pass_the_deploy_check(tmp_path):
    result = run_deploy_check(SECRET_KEY=secrets.token_urlsafe(50), PORTAL_VAR_DIR=str(tmp_path))
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_development_key_fails_the_deploy_check(tmp_path):
    result = run_deploy_check(SECRET_KEY=settings.DEV_SECRET_KEY, PORTAL_VAR_DIR=str(tmp_path))
    assert result.returncode != 0
    assert "portal.E001" in result.stdout + result.stderr


@pytest.mark.django_db
def test_pages_carry_a_strict_content_security_policy(client):
    response = client.get(reverse("landing"))
    policy = response["Content-Security-Policy"]
    assert "default-src 'self'" in policy
    assert "script-src 'self'" in policy
    assert "unsafe-inline" not in policy and "unsafe-eval" not in policy
    assert "frame-ancestors 'none'" in policy


def test_templates_have_no_inline_script_or_style():
    offenders = []
    for path in (ROOT / "templates").rglob("*.html"):
        text = path.read_text()
        if re.search(r"<script(?![^>]*\bsrc=)[^>]*>", text):
            offenders.append(f"{path}: inline <script>")
        if re.search(r"\sstyle=", text) or "<style" in text:
            offenders.append(f"{path}: inline style")
        if re.search(r"\son[a-z]+=", text):
            offenders.append(f"{path}: inline event handler")
    assert offenders == []


def test_static_files_come_from_our_own_origin():
    base = (ROOT / "templates" / "base.html").read_text()
    assert "//" not in "".join(re.findall(r'(?:src|href)="([^"{]*)"', base))


@pytest.mark.django_db
def test_health_check_reports_database_and_broker(client):
    response = client.get(reverse("healthz"))
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok", "broker": "ok",
                               "cache": "ok"}


@pytest.mark.django_db
def test_health_check_says_when_the_broker_is_down(client):
    from portal.celery import app

    original = app.conf.broker_url
    app.conf.broker_url = "redis://127.0.0.1:9/0"  # nothing listens on the discard port
    try:
        response = client.get(reverse("healthz"))
    finally:
        app.conf.broker_url = original
    assert response.status_code == 503
    assert response.json()["broker"] == "unavailable"


def test_the_server_error_page_needs_no_context_and_leaks_nothing(rf):
    from portal.views.errors import server_error

    response = server_error(rf.get("/"))
    assert response.status_code == 500
    assert b"Something went wrong" in response.content
    assert b"Traceback" not in response.content
