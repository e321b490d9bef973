"""The Idempotency-Key mechanism, through a real endpoint (organisation registration) and directly."""

import threading
from datetime import timedelta

import pytest
from django.db import connections
from django.utils import timezone
from rest_framework.test import APIClient

from portal.errors import Conflict, DomainError
from portal.idempotency.models import IdempotencyRecord
from portal.idempotency.services import fingerprint_of, idempotency_records_prune, idempotent_call
from registry.models import Organisation
from tests.factories import UserFactory, valid_credit_code

pytestmark = pytest.mark.django_db
URL = "/api/v1/organisations/"


def _body(serial=1, **change):
    return {
        "name": "幂等示例公司",
        "kind": "vendor",
        "credit_code": valid_credit_code(serial),
        "region": "510100",
    } | change


def _post(client, body, key):
    return client.post(URL, body, format="json", HTTP_IDEMPOTENCY_KEY=key)


def test_the_same_key_and_body_replays_the_first_response_and_changes_nothing(api_client):
    api_client.force_authenticate(UserFactory())
    first = _post(api_client, _body(), "k-1")
    replay = _post(api_client, _body(), "k-1")

    assert first.status_code == replay.status_code == 201
    assert replay.json() == first.json()
    assert replay["Idempotent-Replayed"] == "true"
    assert "Idempotent-Replayed" not in first
    assert Organisation.objects.count() == 1
    assert IdempotencyRecord.objects.get().status_code == 201


def test_the_same_key_with_a_different_body_is_a_409(api_client):
    api_client.force_authenticate(UserFactory())
    _post(api_client, _body(), "k-2")
    response = _post(api_client, _body(name="另一个名字"), "k-2")
    assert response.status_code == 409
    assert response.json()["fields"] == {"Idempotency-Key": [response.json()["fields"]["Idempotency-Key"][0]]}
    assert Organisation.objects.get().name == "幂等示例公司"


def test_keys_belong_to_their_user(api_client):
    first_user, second_user = UserFactory(), UserFactory()
    api_client.force_authenticate(first_user)
    assert _post(api_client, _body(1), "shared").status_code == 201
    other = APIClient()
    other.force_authenticate(second_user)
    assert _post(other, _body(2), "shared").status_code == 201
    assert Organisation.objects.count() == 2


def test_a_failed_request_is_not_stored_so_a_corrected_retry_succeeds(api_client):
    api_client.force_authenticate(UserFactory())
    failed = _post(api_client, _body(region="999999"), "k-3")
    fixed = _post(api_client, _body(), "k-3")
    assert failed.status_code == 400
    assert fixed.status_code == 201
    assert IdempotencyRecord.objects.count() == 1


def test_without_a_key_every_post_is_processed(api_client):
    api_client.force_authenticate(UserFactory())
    assert api_client.post(URL, _body(1), format="json").status_code == 201
    assert api_client.post(URL, _body(1), format="json").status_code == 400  # duplicate code
    assert not IdempotencyRecord.objects.exists()


@pytest.mark.parametrize("key", ["", "x" * 256, "naïve", "tab\there"])
def test_a_malformed_key_is_refused_naming_the_header(api_client, key):
    api_client.force_authenticate(UserFactory())
    response = _post(api_client, _body(), key)
    assert response.status_code == 400
    assert "Idempotency-Key" in response.json()["fields"]
    assert not Organisation.objects.exists()


def test_the_service_replays_without_calling_again():
    user = UserFactory()
    calls = []

    def call():
        calls.append(1)
        return 201, {"id": len(calls)}

    fingerprint = fingerprint_of(method="POST", path="/x", payload={"a": 1})
    first = idempotent_call(user=user, key="svc", fingerprint=fingerprint, call=call)
    second = idempotent_call(user=user, key="svc", fingerprint=fingerprint, call=call)
    assert (first.replayed, second.replayed, second.body, len(calls)) == (False, True, {"id": 1}, 1)
    with pytest.raises(Conflict):
        idempotent_call(user=user, key="svc", fingerprint="0" * 64, call=call)
    with pytest.raises(DomainError):
        idempotent_call(user=user, key="", fingerprint=fingerprint, call=call)


def test_old_records_are_pruned_after_the_ttl(settings):
    settings.IDEMPOTENCY_KEY_TTL_HOURS = 24
    user = UserFactory()
    old = IdempotencyRecord.objects.create(
        user=user, key="old", fingerprint="a" * 64, status_code=201, response_body={}
    )
    IdempotencyRecord.objects.create(user=user, key="new", fingerprint="b" * 64, status_code=201, response_body={})
    IdempotencyRecord.objects.filter(pk=old.pk).update(created_at=timezone.now() - timedelta(hours=25))

    assert idempotency_records_prune(now=timezone.now()) == 1
    assert list(IdempotencyRecord.objects.values_list("key", flat=True)) == ["new"]


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_requests_with_one_key_create_once():
    user = UserFactory()
    barrier = threading.Barrier(6)
    responses = []

    def post():
        client = APIClient()
        client.force_authenticate(user)
        barrier.wait()
        try:
            responses.append(_post(client, _body(), "race"))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=post) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sorted(r.status_code for r in responses) == [201] * 6
    assert len({r.json()["id"] for r in responses}) == 1
    assert sum(r.get("Idempotent-Replayed") == "true" for r in responses) == 5
    assert Organisation.objects.count() == 1
