"""Fixtures for the integration API: clients of two MCOs and two providers, their tokens,
and a client that sends the token (issue 13)."""

import json

import pytest
from rest_framework.test import APIClient

from api import clients
from portal.models import MCO
from tests.tickets.conftest import (  # noqa: F401 - fixtures shared with the ticket tests
    CLAIM,
    CONTACT,
    FILED_ON,
    NOW,
    RESPONSE,
    _in_november_2026,
    _uploads_in_a_fresh_folder,
    make_draft,
    make_provider,
    make_submitted,
    other_provider,
    other_ticket,
    presented_ticket,
    provider,
    submitted_ticket,
)


class Api:
    """A test client that speaks for one token: ``api.get("/api/v1/tickets")``."""

    def __init__(self, token_text):
        self.client = APIClient()
        self.token_text = token_text
        self.client.credentials(HTTP_AUTHORIZATION=f"Bearer {token_text}")

    def get(self, path, data=None, **extra):
        return self.client.get(path, data, **extra)

    def post(self, path, data=None, *, key=None, format="json", **extra):
        if key is not None:
            extra["HTTP_IDEMPOTENCY_KEY"] = key
        return self.client.post(path, data, format=format, **extra)

    def delete(self, path, **extra):
        return self.client.delete(path, **extra)


def api_for(client, scope="act", by=None, name="test"):
    manager = by or client.created_by
    _token, secret = clients.issue_token(client, by=manager, name=name, scope=scope)
    return Api(secret)


@pytest.fixture
def molina_client(hfs_staff):
    return clients.create_client(by=hfs_staff, kind="mco", name="Molina case system",
                                 contact_email="it@molina.example.test",
                                 mco=MCO.objects.get(slug="molina"))


@pytest.fixture
def aetna_client(hfs_staff):
    return clients.create_client(by=hfs_staff, kind="mco", name="Aetna case system",
                                 contact_email="it@aetna.example.test",
                                 mco=MCO.objects.get(slug="aetna"))


@pytest.fixture
def billing_client(registration_admin, provider):  # noqa: F811 - the fixture
    return clients.create_client(by=registration_admin, kind="provider",
                                 name="Acme Billing", contact_email="it@acme.example.test",
                                 providers=[provider])


@pytest.fixture
def other_billing_client(registration_admin, other_provider):  # noqa: F811 - the fixture
    return clients.create_client(by=registration_admin, kind="provider",
                                 name="Other Billing", contact_email="it@other.example.test",
                                 providers=[other_provider])


@pytest.fixture
def molina_api(molina_client):
    return api_for(molina_client)


@pytest.fixture
def aetna_api(aetna_client):
    return api_for(aetna_client)


@pytest.fixture
def billing_api(billing_client):
    return api_for(billing_client)


@pytest.fixture
def other_billing_api(other_billing_client):
    return api_for(other_billing_client)


def body(response):
    return json.loads(response.content) if response.content else None


def presented_for_molina_system(scope="act", n=8):
    """For a test of its own transactions (``django_db(transaction=True)``, PostgreSQL): the
    migrated and reference data back, a presented Molina ticket, and a Molina client's token.
    Returns (ticket, secret)."""
    from portal.reference_data import load_reference_data
    from tests import factories
    from tests.migrated_data import restore as restore_migrated_data
    from tests.tickets.conftest import approve
    from tickets import workflow

    restore_migrated_data()
    load_reference_data()
    provider_user, clinic = factories.provider_user(), make_provider(n)
    approve(provider_user, clinic)
    hfs = factories.hfs_staff()
    ticket = workflow.present(make_submitted(provider_user, clinic).pk, by=hfs)
    mco_client = clients.create_client(by=hfs, kind="mco", name="Molina", contact_email="a@b.c",
                                       mco=MCO.objects.get(slug="molina"))
    _token, secret = clients.issue_token(mco_client, by=hfs, name="t", scope=scope)
    return ticket, secret
