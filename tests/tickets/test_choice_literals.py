"""Choice values written into the SQL (portal.lookups, issue 14): a state or a status the
code defines is a literal, so a prepared statement's generic plan can use the queues'
partial indexes; anything else stays a parameter."""

import pytest
from django.db import connection, transaction
from django.db.models import Q

from deadlines.models import Clock
from tests.tickets.conftest import make_draft
from tickets.models import State, Ticket

pytestmark = pytest.mark.django_db


def sql_of(queryset):
    return queryset.query.sql_with_params()


def test_a_state_the_code_names_is_written_into_the_sql():
    sql, params = sql_of(Ticket.objects.filter(state=State.SUBMITTED))
    assert "\"state\" = 'submitted'" in sql
    assert "submitted" not in params


def test_a_list_of_states_is_written_as_a_list_of_literals():
    sql, params = sql_of(Ticket.objects.filter(
        state__in=[State.WITH_MCO, State.AWAITING_PROVIDER_INFO], mco=3))
    assert "IN ('with_mco', 'awaiting_provider_info')" in sql
    assert list(params) == [3]


def test_the_blank_outcome_of_a_running_clock_is_a_literal_too():
    sql, params = sql_of(Clock.objects.filter(outcome=""))
    assert "\"outcome\" = ''" in sql
    assert list(params) == []


def test_a_value_that_is_not_a_choice_stays_a_parameter():
    typed = "submitted'; DROP TABLE tickets_ticket; --"
    sql, params = sql_of(Ticket.objects.filter(state=typed))
    assert "DROP" not in sql
    assert list(params) == [typed]
    assert list(Ticket.objects.filter(state=typed)) == []
    # one value in a list that is not a choice: the whole list stays parameters
    sql, params = sql_of(Ticket.objects.filter(state__in=[State.SUBMITTED, "Submitted"]))
    assert "'submitted'" not in sql
    assert sorted(params) == ["Submitted", "submitted"]


def test_a_text_field_without_choices_keeps_its_parameter():
    sql, params = sql_of(Ticket.objects.filter(number="HFS-2026-000001"))
    assert "HFS-2026-000001" not in sql
    assert list(params) == ["HFS-2026-000001"]


def test_the_filters_answer_as_before(submitted_ticket, provider_user, provider):
    draft = make_draft(provider_user, provider, tracking="MOL-99999")
    assert list(Ticket.objects.filter(state=State.SUBMITTED)) == [submitted_ticket]
    assert set(Ticket.objects.filter(state__in=[State.DRAFT, State.SUBMITTED])) == {
        submitted_ticket, draft}
    assert list(Ticket.objects.filter(~Q(state=State.DRAFT))) == [submitted_ticket]
    assert list(Ticket.objects.filter(state__in=[State.CLOSED])) == []
    assert list(Ticket.objects.filter(state__in=[None, State.DRAFT])) == [draft]


def generic_plan(sql, *arguments):
    """PostgreSQL's plan for ``sql`` (with ``$1``, ``$2`` ...) prepared once for every
    value, as a prepared statement gets it after five runs, with the triage queue's
    partial index the only index of the ticket table besides its constraints' (the others
    dropped inside the test's transaction, so the planner's choice between indexes on a
    table of one ticket cannot decide the test)."""
    values = ", ".join(str(int(a)) if isinstance(a, int) else f"'{a}'" for a in arguments)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT i.relname FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid "
            "WHERE x.indrelid = 'tickets_ticket'::regclass AND i.relname <> %s AND NOT "
            "EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = x.indexrelid)",
            ["ticket_triage_queue_idx"])
        for (name,) in cursor.fetchall():
            cursor.execute(f'DROP INDEX "{name}"')
        cursor.execute("SET LOCAL plan_cache_mode = force_generic_plan")
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute(f"PREPARE choice_literal_test AS {sql}")
        cursor.execute(f"EXPLAIN EXECUTE choice_literal_test({values})")
        plan = "\n".join(row[0] for row in cursor.fetchall())
        cursor.execute("DEALLOCATE choice_literal_test")
    return plan


@pytest.mark.postgres
def test_a_generic_plan_of_the_triage_queue_can_read_its_partial_index(submitted_ticket):
    page = (Ticket.objects.filter(state=State.SUBMITTED, mco=submitted_ticket.mco_id)
            .order_by("triage_due", "submitted_at", "id").values_list("id", flat=True)[:25])
    sql, params = sql_of(page)
    assert list(params) == [submitted_ticket.mco_id]
    with transaction.atomic():
        assert "ticket_triage_queue_idx" in generic_plan(sql % ("$1",), *params)
        transaction.set_rollback(True)
    # The same statement with the state as a parameter, as Django sends it without
    # portal.lookups: PostgreSQL cannot prove the index's condition, so it cannot use it.
    with_state_parameter = (sql % ("$1",)).replace("'submitted'", "$2")
    with transaction.atomic():
        assert "ticket_triage_queue_idx" not in generic_plan(
            with_state_parameter, submitted_ticket.mco_id, "submitted")
        transaction.set_rollback(True)
    assert Ticket.objects.filter(pk=submitted_ticket.pk).exists()
