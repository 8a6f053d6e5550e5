"""R-SEC-2: the audit API from any path, the client's address behind proxies, the
append-only table on PostgreSQL, Cache-Control on pages with PHI, and the audit reader."""

import datetime
import io

import pytest
import time_machine
from django.contrib.auth.models import Group, Permission
from django.db import DatabaseError, connection, transaction
from django.test import RequestFactory
from django.urls import reverse
from openpyxl import load_workbook

from deadlines.calendar import CENTRAL
from portal import audit
from portal.models import AuditEvent
from portal.views.audit import PAGE_SIZE
from tests import factories

pytestmark = pytest.mark.django_db

# Tue Jan 12, 2027, 10:00 Central.
NOW = datetime.datetime(2027, 1, 12, 10, tzinfo=CENTRAL)


@pytest.fixture(autouse=True)
def _in_january_2027():
    with time_machine.travel(NOW, tick=False):
        yield


def audit_readers_group():
    """The group migration 0006 made (made again after a transactional test's flush)."""
    group, _ = Group.objects.get_or_create(name="Audit readers")
    group.permissions.add(Permission.objects.get(codename="read_audit_log"))
    return group


@pytest.fixture
def auditor(reference_data):
    """HFS staff in the "Audit readers" group."""
    user = factories.hfs_staff(email="auditor@hfs.example.test")
    user.groups.add(audit_readers_group())
    return user


def test_the_migration_makes_the_audit_readers_group_with_the_permission():
    group = Group.objects.get(name="Audit readers")
    assert [p.codename for p in group.permissions.all()] == ["read_audit_log"]


def rows(**filters):
    return list(AuditEvent.objects.filter(**filters).order_by("pk"))


# --- audit.write and its context ----------------------------------------------------------


def test_outside_a_request_a_row_names_the_command_and_no_address(hfs_staff, monkeypatch):
    monkeypatch.setattr("sys.argv", ["manage.py", "grant_role", "x@example.test"])
    event = audit.write(user=hfs_staff, action="grant_role", object_type=audit.PERSON,
                        object_id=hfs_staff.pk, detail="hfs")
    event.refresh_from_db()
    assert (event.source, event.ip_address, event.path, event.request_id, event.status) == (
        "command:grant_role", None, "", "", None)
    assert (event.user, event.action, event.object_id) == (hfs_staff, "grant_role",
                                                           hfs_staff.pk)


def test_outside_any_command_the_source_is_the_system():
    assert audit.default_source(["pytest"]) == "system"
    event = audit.write(user=None, action="escalate", object_type=audit.REGISTRATION,
                        object_id="7")
    assert (event.source, event.user_id, event.object_id) == ("system", None, 7)


def test_a_celery_task_records_itself_as_the_source(hfs_staff):
    from celery import shared_task

    @shared_task(name="portal.tests.audit_probe")
    def probe(user_pk):
        from portal.models import User

        audit.write(user=User.objects.get(pk=user_pk), action="probe",
                    object_type=audit.TICKET, object_id=1)

    result = probe.apply(args=[hfs_staff.pk], task_id="task-0001")
    assert result.successful()
    (event,) = rows(action="probe")
    assert (event.source, event.request_id, event.ip_address) == (
        "task:portal.tests.audit_probe", "task-0001", None)
    assert audit.current().source == audit.default_source()  # unbound after the task


def test_a_non_numeric_id_is_kept_in_the_detail(hfs_staff):
    event = audit.write(user=hfs_staff, action="admin_view", object_type="auth.group",
                        object_id="abc", detail="shown")
    assert (event.object_id, event.detail) == (None, "id abc; shown")


def test_a_row_written_in_a_refused_action_is_rolled_back_with_it(hfs_staff):
    with pytest.raises(RuntimeError), transaction.atomic():
        audit.write(user=hfs_staff, action="present", object_type=audit.TICKET,
                    object_id=3)
        raise RuntimeError("refused")
    assert not AuditEvent.objects.exists()


def test_a_request_row_carries_our_request_id_address_and_agent(client, auditor):
    client.force_login(auditor)
    response = client.get(reverse("audit_log"), {"action": "view"}, REMOTE_ADDR="10.9.8.7",
                          HTTP_USER_AGENT="Browser/1.0", HTTP_X_REQUEST_ID="forged-id")
    assert response.status_code == 200
    (event,) = rows(action="search")
    assert event.request_id == response["X-Request-ID"] != "forged-id"
    assert len(event.request_id) == 32
    assert (event.ip_address, event.user_agent, event.method, event.source) == (
        "10.9.8.7", "Browser/1.0", "GET", "web")
    assert event.path == "/audit/?action=view"


# --- The client's address ----------------------------------------------------------------


def _request(remote="10.0.0.2", forwarded=None):
    extra = {"REMOTE_ADDR": remote}
    if forwarded is not None:
        extra["HTTP_X_FORWARDED_FOR"] = forwarded
    return RequestFactory().get("/", **extra)


@pytest.mark.parametrize(
    ("count", "forwarded", "expected"),
    [
        (0, "198.51.100.9", "10.0.0.2"),  # no proxy: the header is the client's own words
        (1, "6.6.6.6, 203.0.113.7", "203.0.113.7"),  # the hop our proxy appended
        (2, "6.6.6.6, 203.0.113.7, 10.0.0.1", "203.0.113.7"),
        (2, "203.0.113.7", "203.0.113.7"),  # skipped a proxy: the entry a proxy wrote
        (1, "", "10.0.0.2"),
        (1, "6.6.6.6, not-an-address", None),
        (1, "6.6.6.6, 203.0.113.7:443", "203.0.113.7"),
        (1, "[2001:db8::1]:443", "2001:db8::1"),
    ],
)
def test_the_client_is_the_right_most_untrusted_hop(count, forwarded, expected):
    assert audit.client_ip(_request(forwarded=forwarded), count) == expected


def test_a_forged_left_most_entry_never_reaches_the_audit_row(client, auditor, settings):
    settings.TRUSTED_PROXY_COUNT = 1
    client.force_login(auditor)
    client.get(reverse("audit_log"), REMOTE_ADDR="10.0.0.1",
               HTTP_X_FORWARDED_FOR="1.2.3.4, 203.0.113.50")
    assert [e.ip_address for e in rows(action="search")] == ["203.0.113.50"]


def test_allauth_counts_the_same_proxies(settings):
    from allauth.core.internal.httpkit import get_client_ip

    settings.TRUSTED_PROXY_COUNT = settings.ALLAUTH_TRUSTED_PROXY_COUNT = 1
    request = _request(forwarded="1.2.3.4, 203.0.113.50")
    assert get_client_ip(request) == audit.client_ip(request) == "203.0.113.50"


# --- Append-only -------------------------------------------------------------------------


def test_the_model_refuses_to_change_or_delete_a_row(hfs_staff):
    event = audit.write(user=hfs_staff, action="view", object_type=audit.TICKET,
                        object_id=1)
    event.detail = "changed"
    with pytest.raises(ValueError, match="append-only"):
        event.save()
    with pytest.raises(ValueError, match="append-only"):
        event.delete()


@pytest.mark.postgres
def test_postgresql_refuses_a_raw_delete_and_update(hfs_staff):
    audit.write(user=hfs_staff, action="view", object_type=audit.TICKET, object_id=1)
    table = AuditEvent._meta.db_table
    for statement in (f"DELETE FROM {table}",  # noqa: S608 (our own table name)
                      f"UPDATE {table} SET action = 'hidden'",  # noqa: S608
                      f"DELETE FROM {table} WHERE id = -1"):  # noqa: S608
        with pytest.raises(DatabaseError, match="append-only"), transaction.atomic(), \
                connection.cursor() as cursor:
            cursor.execute(statement)
    assert list(AuditEvent.objects.values_list("action", flat=True)) == ["view"]


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_the_test_flush_still_empties_the_table_on_postgresql(reference_data):
    """pytest-django empties tables between transactional tests with TRUNCATE, which the
    trigger leaves alone; so this test's row is gone for the next one."""
    from django.core.management import call_command

    audit.write(user=None, action="view", object_type=audit.TICKET, object_id=1)
    call_command("flush", interactive=False, verbosity=0)
    assert not AuditEvent.objects.exists()


# --- Cache-Control -----------------------------------------------------------------------


def test_pages_for_a_signed_in_person_are_never_stored(client, provider_user):
    client.force_login(provider_user)
    for name in ("provider_home", "account_settings", "registration_new"):
        response = client.get(reverse(name))
        assert response.status_code == 200, name
        assert response["Cache-Control"] == "private, no-store", name


def test_a_page_that_sets_its_own_cache_control_keeps_it(client, provider_user):
    client.force_login(provider_user)
    assert client.get(reverse("healthz"))["Cache-Control"] != "private, no-store"


def test_the_public_landing_page_stays_cacheable_unless_a_session_came(client, settings,
                                                                        provider_user):
    assert "Cache-Control" not in client.get(reverse("landing"))
    client.cookies[settings.SESSION_COOKIE_NAME] = "a-session-of-someone"
    assert client.get(reverse("landing"))["Cache-Control"] == "private, no-store"
    client.cookies.clear()
    client.force_login(provider_user)
    assert client.get(reverse("landing"))["Cache-Control"] == "private, no-store"


def test_static_files_keep_their_own_caching(client, provider_user):
    client.force_login(provider_user)
    response = client.get("/static/css/portal.css")
    assert response.status_code == 200
    assert "no-store" not in response.get("Cache-Control", "")


# --- The audit reader --------------------------------------------------------------------


def test_hfs_staff_without_the_permission_and_others_are_refused(
    client, hfs_staff, auditor, registration_admin
):
    for person in (hfs_staff, registration_admin):
        client.force_login(person)
        assert client.get(reverse("audit_log")).status_code == 403
        assert client.get(reverse("audit_log_export")).status_code == 403
    # The permission alone is not enough: the page is for HFS portal staff.
    registration_admin.user_permissions.add(
        Permission.objects.get(codename="read_audit_log"))
    client.force_login(registration_admin)
    assert client.get(reverse("audit_log")).status_code == 403
    client.force_login(auditor)
    assert client.get(reverse("audit_log")).status_code == 200


def _events(user, n, *, object_id=1, action="view", start=NOW):
    made = []
    for i in range(n):
        with time_machine.travel(start - datetime.timedelta(minutes=i), tick=False):
            made.append(audit.write(user=user, action=action, object_type=audit.TICKET,
                                    object_id=object_id))
    return made


def test_search_by_ticket_person_dates_and_action(client, auditor, provider_user,
                                                  mco_staff):
    from tests.tickets.conftest import approve, make_provider, make_submitted

    provider = make_provider(3)
    approve(provider_user, provider)
    from tests.tickets.conftest import NOW as FILING_DAY

    with time_machine.travel(FILING_DAY, tick=False):
        ticket = make_submitted(provider_user, provider)
    _events(provider_user, 2, object_id=ticket.pk)
    _events(mco_staff, 1, object_id=ticket.pk, action="download")
    _events(mco_staff, 1, object_id=ticket.pk + 1)
    _events(mco_staff, 1, object_id=ticket.pk, start=NOW - datetime.timedelta(days=3))
    client.force_login(auditor)

    def shown(**params):
        response = client.get(reverse("audit_log"), params)
        assert response.status_code == 200
        return [(e.user, e.action, e.object_id) for e in response.context["entries"]
                if e.action in ("view", "download")]

    assert len(shown(ticket=ticket.number)) == 4
    assert shown(ticket=str(ticket.pk)) == shown(ticket=ticket.number.lower())
    assert shown(person="STAFF@molina.example.test", action="Download") == [
        (mco_staff, "download", ticket.pk)]
    assert len(shown(person=mco_staff.email, date_from="2027-01-12",
                     date_to="2027-01-12")) == 2
    assert shown(person=mco_staff.email, date_to="2027-01-10") == [
        (mco_staff, "view", ticket.pk)]
    html = client.get(reverse("audit_log"), {"ticket": ticket.number}).content.decode()
    assert ticket.number in html and provider_user.email in html


def test_each_search_is_itself_recorded(client, auditor):
    client.force_login(auditor)
    client.get(reverse("audit_log"), {"person": auditor.email, "action": "view"})
    (event,) = rows(action="search")
    assert (event.user, event.object_type, event.status) == (auditor, "audit_log", 200)
    assert event.detail == f"person={auditor.pk} action=view"


@pytest.mark.parametrize(
    ("params", "field", "message"),
    [
        ({"ticket": "PRP-1999-000001"}, "ticket", "no ticket has the number PRP-1999-000001"),
        ({"person": "nobody@example.test"}, "person", "no account has this address"),
        ({"person": "not an address"}, "person", "enter an address like"),
        ({"date_from": "2027-13-45"}, "date_from", "From: enter a date"),
        ({"date_from": "2027-01-10", "date_to": "2027-01-09"}, "date_to",
         "on or after the From day"),
    ],
)
def test_a_bad_search_names_the_field_and_keeps_what_was_typed(client, auditor, params,
                                                               field, message):
    client.force_login(auditor)
    response = client.get(reverse("audit_log"), params)
    assert response.status_code == 400
    assert message in " ".join(response.context["form"].errors[field])
    html = response.content.decode()
    assert f'id="id_{field}_error"' in html
    for value in params.values():
        assert f'value="{value}"' in html
    assert not rows(action="search")
    assert client.get(reverse("audit_log_export"), params).status_code == 400


def test_pages_go_back_in_time_by_position_without_counting(
    client, auditor, provider_user, django_assert_max_num_queries
):
    made = _events(provider_user, PAGE_SIZE * 2 + 5)  # newest first
    client.force_login(auditor)
    url = reverse("audit_log")

    def page(**params):
        response = client.get(url, {"person": provider_user.email, **params})
        return response, [e.pk for e in response.context["entries"]]

    first, pks = page()
    assert pks == [e.pk for e in made[:PAGE_SIZE]]
    assert (first.context["has_newer"], first.context["has_older"]) == (False, True)
    second, pks = page(older=pks[-1])
    assert pks == [e.pk for e in made[PAGE_SIZE : 2 * PAGE_SIZE]]
    third, pks = page(older=pks[-1])
    assert pks == [e.pk for e in made[2 * PAGE_SIZE :]]
    assert (third.context["has_newer"], third.context["has_older"]) == (True, False)
    back, pks = page(newer=pks[0])
    assert pks == [e.pk for e in made[PAGE_SIZE : 2 * PAGE_SIZE]]
    with django_assert_max_num_queries(30) as captured:
        page(older=made[10].pk)
    assert not any("COUNT(" in q["sql"].upper() for q in captured.captured_queries)


def test_the_export_is_text_never_formulas_and_is_recorded(client, auditor, provider_user):
    audit.write(user=provider_user, action="view", object_type=audit.TICKET, object_id=9,
                detail='=HYPERLINK("http://example.test","x")')
    client.force_login(auditor)
    response = client.get(reverse("audit_log_export"), {"person": provider_user.email})
    assert response.status_code == 200
    assert response["Cache-Control"] == "private, no-store"
    sheet = load_workbook(io.BytesIO(response.content))["Audit log"]
    values = [[c.value for c in row] for row in sheet.iter_rows()]
    assert values[0][:3] == ["When (Central time)", "Person", "Action"]
    assert len(values) == 2
    detail = sheet.cell(row=2, column=6)
    assert (detail.value, detail.data_type) == ('=HYPERLINK("http://example.test","x")', "s")
    (event,) = rows(action="export")
    assert (event.user, event.object_type) == (auditor, "audit_log")
    assert event.detail == f"audit-log-2027-01-12.xlsx; 1 rows; person={provider_user.pk}"


def test_the_export_is_capped_and_says_so(client, auditor, provider_user, settings):
    settings.AUDIT_EXPORT_MAX_ROWS = 3
    made = _events(provider_user, 5)
    client.force_login(auditor)
    response = client.get(reverse("audit_log_export"), {"person": provider_user.email})
    workbook = load_workbook(io.BytesIO(response.content))
    assert workbook["Audit log"].max_row == 4  # the header and the newest three
    about = " ".join(str(c.value) for row in workbook["About"].iter_rows() for c in row)
    assert "Only the newest 3 matching entries" in about
    assert rows(action="export")[0].detail.endswith("; cut at 3 rows")
    assert made  # the oldest two are not in it


def test_an_mco_export_is_recorded_with_its_rows(client, mco_staff, settings, tmp_path,
                                                django_capture_on_commit_callbacks):
    # Issue 14: the export is a job; starting it and downloading its file are both recorded.
    settings.STORAGES = {**settings.STORAGES, "default": {
        **settings.STORAGES["default"], "OPTIONS": {"location": str(tmp_path)}}}
    client.force_login(mco_staff)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("mco_export"))
    assert response.status_code == 302
    (event,) = rows(action="export")
    job_id = int(response["Location"].strip("/").split("/")[-1])
    assert (event.user, event.object_type, event.object_id, event.path) == (
        mco_staff, "export", job_id, "/tickets/mco/export.xlsx")
    assert client.get(reverse("job_download", args=[job_id])).status_code == 200
    (download,) = rows(action="download")
    assert download.detail == f"tickets.mco_export: molina-tickets-{NOW.date()}.xlsx; 0 rows"


# --- The Django admin --------------------------------------------------------------------


def test_admin_views_and_changes_are_recorded(client, reference_data, settings):
    admin = factories.UserFactory(email="root@hfs.example.test", is_staff=True,
                                  is_superuser=True, totp=True)
    group = Group.objects.create(name="Temporary")
    client.force_login(admin)
    base = "/" + settings.ADMIN_URL
    assert client.get(f"{base}auth/group/{group.pk}/change/").status_code == 200
    response = client.post(f"{base}auth/group/{group.pk}/change/",
                           {"name": "Renamed", "permissions": []})
    assert response.status_code == 302
    view, change = rows(user=admin)
    assert (view.action, view.object_type, view.object_id) == ("admin_view", "auth.group",
                                                               group.pk)
    assert (change.action, change.object_type, change.object_id) == (
        "admin_change", "auth.group", group.pk)
    assert "Renamed" in change.detail


# --- People management -------------------------------------------------------------------


def test_inviting_deactivating_and_accepting_are_recorded(client, registration_admin,
                                                          mco_staff, settings):
    from portal import people
    from portal.models import User

    client.force_login(registration_admin)
    client.post(reverse("people_invite"), {
        "email": "new.staff@molina.example.test", "first_name": "Nia", "last_name": "Staff",
        "role": "mco", "mco": factories.mco("molina").pk})
    invited = User.objects.get(email="new.staff@molina.example.test")
    client.post(reverse("people_deactivate", args=[mco_staff.pk]))
    client.post(reverse("people_reactivate", args=[mco_staff.pk]))
    assert [(e.user, e.action, e.object_type, e.object_id) for e in rows()] == [
        (registration_admin, "invite", "person", invited.pk),
        (registration_admin, "deactivate", "person", mco_staff.pk),
        (registration_admin, "reactivate", "person", mco_staff.pk),
    ]
    assert rows()[0].detail == "MCO staff, Molina Healthcare of Illinois"

    client.logout()
    path = people.invitation_link(invited).removeprefix(settings.SITE_URL)
    response = client.post(path, {"new_password1": "a-long-new-passw0rd!",
                                  "new_password2": "a-long-new-passw0rd!"})
    assert response.status_code == 302
    (accepted,) = rows(action="accept_invitation")
    assert (accepted.user, accepted.object_id) == (invited, invited.pk)


# --- @audited ----------------------------------------------------------------------------


def _call(view, user, method="post", **kwargs):
    request = getattr(RequestFactory(), method)("/tickets/5/x/", REMOTE_ADDR="10.1.1.1")
    request.user = user
    with audit.bound(audit.request_context(request)):
        return view(request, **kwargs)


def test_an_action_that_records_itself_gets_no_second_row(hfs_staff):
    from django.http import HttpResponse

    @audit.audited("ticket")
    def present(request, pk):
        audit.write(user=request.user, action="presented", object_type="ticket", object_id=pk)
        return HttpResponse(status=302)

    _call(present, hfs_staff, pk=5)
    assert [(e.action, e.object_id, e.ip_address) for e in rows()] == [
        ("presented", 5, "10.1.1.1")]


def test_a_refused_action_is_one_change_row(hfs_staff):
    from django.http import HttpResponse

    @audit.audited("ticket")
    def present(request, pk):
        try:
            with transaction.atomic():
                audit.write(user=request.user, action="presented", object_type="ticket",
                            object_id=pk)
                raise RuntimeError("refused")
        except RuntimeError:
            return HttpResponse("nothing was changed")

    _call(present, hfs_staff, pk=5)
    assert [(e.action, e.object_id, e.status) for e in rows()] == [("change", 5, 200)]


def test_a_form_to_create_is_no_row_and_its_post_names_the_new_record(hfs_staff):
    from django.http import HttpResponse, HttpResponseRedirect

    @audit.audited("ticket", id_kwarg=None, action="create")
    def start(request):
        if request.method == "GET":
            return HttpResponse("the form")
        return HttpResponseRedirect(reverse("ticket_edit", args=[77]))

    _call(start, hfs_staff, method="get")
    assert not rows()
    _call(start, hfs_staff)
    assert [(e.action, e.object_id) for e in rows()] == [("create", 77)]
