"""``Idempotency-Key`` (issue 13): a retried POST returns the first answer and acts once,
also when both copies arrive at the same moment (PostgreSQL, two threads)."""

import threading

import pytest
from django.db import connection

from tests.api.conftest import RESPONSE, body
from tests.api.test_contract import serialised
from tickets.models import TicketMessage

pytestmark = pytest.mark.django_db


def test_a_refused_request_leaves_the_key_free_for_the_corrected_one(molina_api,
                                                                     presented_ticket):
    path = f"/api/v1/tickets/{presented_ticket.pk}/response"
    wrong = molina_api.post(path, {**serialised(RESPONSE), "representative_email": "x"},
                            key="k-1")
    assert wrong.status_code == 400
    right = molina_api.post(path, serialised(RESPONSE), key="k-1")
    assert right.status_code == 201 and "Idempotent-Replayed" not in right


def test_the_same_key_for_another_request_is_a_422(molina_api, presented_ticket):
    path = f"/api/v1/tickets/{presented_ticket.pk}/messages"
    assert molina_api.post(path, {"body": "One"}, key="k-2").status_code == 201
    other = molina_api.post(path, {"body": "Two"}, key="k-2")
    assert other.status_code == 422
    assert body(other)["errors"][0]["field"] == "Idempotency-Key"
    assert list(TicketMessage.objects.values_list("body", flat=True)) == ["One"]


def test_keys_belong_to_their_client(molina_api, presented_ticket, hfs_staff):
    from api import clients
    from tests.api.conftest import api_for

    second = clients.create_client(by=hfs_staff, kind="mco", name="Molina second system",
                                   contact_email="b@molina.example.test",
                                   mco=presented_ticket.mco)
    path = f"/api/v1/tickets/{presented_ticket.pk}/messages"
    molina_api.post(path, {"body": "One"}, key="shared")
    other = api_for(second).post(path, {"body": "One"}, key="shared")
    assert other.status_code == 201 and "Idempotent-Replayed" not in other
    assert TicketMessage.objects.count() == 2


@pytest.mark.parametrize("key", ["", " ", "x" * 256, "tab\there"])
def test_a_malformed_key_is_named(molina_api, presented_ticket, key):
    response = molina_api.post(f"/api/v1/tickets/{presented_ticket.pk}/messages",
                               {"body": "Hi"}, key=key)
    assert response.status_code == 400
    assert body(response)["errors"][0]["field"] == "Idempotency-Key"


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_copies_at_the_same_moment_act_once():
    from tests.api.conftest import Api, presented_for_molina_system

    ticket, secret = presented_for_molina_system(scope="act", n=9)
    barrier = threading.Barrier(2)
    answers = []

    def send():
        try:
            api = Api(secret)
            barrier.wait(timeout=30)
            answers.append(api.post(f"/api/v1/tickets/{ticket.pk}/response",
                                    serialised(RESPONSE), key="double"))
        finally:
            connection.close()

    threads = [threading.Thread(target=send) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert sorted(a.status_code for a in answers) == [201, 201]
    assert body(answers[0]) == body(answers[1])
    assert sum(1 for a in answers if a.get("Idempotent-Replayed") == "true") == 1
    assert ticket.events.filter(action="responded").count() == 1


def test_a_large_upload_with_a_key_acts_once(molina_api, presented_ticket):
    """A multipart body with a 3 MB file is more than Django reads whole; the key's
    fingerprint is taken from the parsed fields and the file's content instead."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    from tests.test_uploads import png_of_size

    def send():
        image = SimpleUploadedFile("scan.png", png_of_size(3 * 1024 * 1024), "image/png")
        return molina_api.post(f"/api/v1/tickets/{presented_ticket.pk}/response",
                               {**serialised(RESPONSE), "files": [image]}, key="big",
                               format="multipart")

    first, again = send(), send()
    assert first.status_code == 201, first.content
    assert again["Idempotent-Replayed"] == "true"
    assert presented_ticket.attachments.count() == 1


def test_a_request_over_the_limit_is_a_413(settings, molina_api, presented_ticket):
    settings.API_MAX_REQUEST_BYTES = 1000
    response = molina_api.post(f"/api/v1/tickets/{presented_ticket.pk}/messages",
                               {"body": "x" * 2000})
    assert response.status_code == 413
    assert body(response)["type"].endswith("#problem-too-large")


def test_a_json_body_larger_than_django_reads_is_a_413(molina_api, presented_ticket):
    response = molina_api.post(f"/api/v1/tickets/{presented_ticket.pk}/messages",
                               {"body": "x" * (3 * 1024 * 1024)})
    assert response.status_code == 413
