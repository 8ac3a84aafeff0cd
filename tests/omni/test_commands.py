import os
import subprocess
import sys
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from rest_framework.test import APIClient

from omni.models import ApiClient, hash_token
from tests.stores.factories import LocationFactory

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.django_db
def test_create_api_client_prints_the_token_alone_on_the_last_line():
    location = LocationFactory(code="MI-TEST")
    out, err = StringIO(), StringIO()
    call_command(
        "create_api_client", "tablet-1", "--role", "store", "--location", "mi-test", stdout=out, stderr=err
    )
    token = out.getvalue().strip().splitlines()[-1]
    client = ApiClient.objects.get(name="tablet-1")
    assert client.role == "store" and client.location == location
    assert client.token_hash == hash_token(token) and token not in client.token_hash
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
    assert api.get("/api/v1/nothing-here/").status_code == 404  # authenticated: not a 401


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["x", "--role", "superuser"], "Unknown role"),
        (["x", "--role", "store"], "--location"),
        (["x", "--role", "kiosk", "--location", "NOPE"], "No location"),
        (["x", "--role", "eshop", "--location", "MI-TEST"], "not bound to a location"),
    ],
)
def test_create_api_client_refuses_bad_input_with_a_sentence(args, message):
    LocationFactory(code="MI-TEST")
    with pytest.raises(CommandError, match=message):
        call_command("create_api_client", *args, stdout=StringIO(), stderr=StringIO())
    assert not ApiClient.objects.filter(name="x").exists()


@pytest.mark.django_db
def test_duplicate_client_name_is_refused():
    call_command("create_api_client", "eshop", "--role", "eshop", stdout=StringIO(), stderr=StringIO())
    with pytest.raises(CommandError, match="already exists"):
        call_command("create_api_client", "eshop", "--role", "eshop", stdout=StringIO(), stderr=StringIO())


def test_create_api_client_exits_non_zero_from_the_shell():
    result = subprocess.run(
        [sys.executable, "manage.py", "create_api_client", "x", "--role", "nope"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
        env={**os.environ, "DJANGO_DEBUG": "1"},
    )
    assert result.returncode != 0
    assert "Unknown role 'nope'" in result.stderr


@pytest.mark.django_db
def test_revoke_api_client_command():
    out = StringIO()
    call_command("create_api_client", "gone", "--role", "eshop", stdout=out, stderr=StringIO())
    call_command("revoke_api_client", "gone", stdout=StringIO())
    assert ApiClient.objects.get(name="gone").revoked_at is not None
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {out.getvalue().strip()}")
    assert api.get("/api/v1/products/").status_code == 401
