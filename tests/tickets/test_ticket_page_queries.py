"""A ticket page answers in the same number of SQL queries however long its timeline and
its messages are, and names the people in them from only their names and e-mail
addresses (``portal.models.users.naming``: a page that shows who did something never reads
their password hash)."""

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tickets import workflow

pytestmark = pytest.mark.django_db


def signed_in(user):
    client = Client()
    client.force_login(user)
    return client


def page_queries(client, ticket):
    client.get(reverse("ticket_detail", args=[ticket.pk]))  # the session and caches warm
    with CaptureQueriesContext(connection) as queries:
        response = client.get(reverse("ticket_detail", args=[ticket.pk]))
    assert response.status_code == 200
    return response, queries


@pytest.mark.parametrize("who", ["provider_user", "mco_staff", "hfs_staff"])
def test_the_ticket_page_costs_the_same_queries_for_1_or_8_messages(
        who, request, presented_ticket, provider_user, mco_staff, hfs_staff):
    viewer = request.getfixturevalue(who)
    client = signed_in(viewer)
    workflow.post_message(presented_ticket.pk, by=mco_staff, body="A first question.")
    _, few = page_queries(client, presented_ticket)
    for n in range(4):
        workflow.post_message(presented_ticket.pk, by=provider_user, body=f"Answer {n}.")
        workflow.post_message(presented_ticket.pk, by=mco_staff, body=f"Question {n}.")
    response, many = page_queries(client, presented_ticket)
    assert len(many) == len(few), [q["sql"][:120] for q in many.captured_queries]
    page = response.content.decode()
    assert page.count("Question 3.") == 1 and page.count("Answer 0.") == 1
    assert str(mco_staff) in page and str(provider_user) in page


def test_the_people_a_ticket_page_names_are_read_by_name_not_password_hash(
        presented_ticket, hfs_staff, mco_staff):
    workflow.post_message(presented_ticket.pk, by=mco_staff, body="Which claim?")
    _, queries = page_queries(signed_in(hfs_staff), presented_ticket)
    tables = ("tickets_ticketevent", "tickets_ticketmessage", "tickets_informationrequest",
              "tickets_extensionrequest")
    people = {table: q["sql"] for q in queries.captured_queries for table in tables
              if q["sql"].startswith(f'SELECT "{table}"')}
    assert set(people) == set(tables)
    for sql in people.values():
        assert '"portal_user"."first_name"' in sql
        assert '"portal_user"."password"' not in sql
        assert '"portal_user"."last_login"' not in sql
