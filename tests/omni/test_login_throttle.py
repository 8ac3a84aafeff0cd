"""The staff login against password guessing (omni/forms.py, omni/attempts.py): 5 failures for one username or
20 from one IP address within 15 minutes lock further attempts for 15 minutes, the right password too, with a
translated message on the login form; a successful login clears its account's count; the admin's login counts
the same; the counters are right when failures come at the same moment."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from django.db import connections
from django.urls import reverse
from django.utils import timezone

from omni import attempts
from omni.forms import login_policies
from omni.models import AttemptCounter, AuditEntry
from tests.omni.factories import UserFactory

pytestmark = pytest.mark.django_db

LOGIN = "/accounts/login/"
RIGHT = "omni-test-pass"
LOCKED_EN = "Too many failed login attempts"
LOCKED_IT = "Troppi tentativi di accesso falliti"


def login(client, username, password, ip="10.0.0.1", lang="en", **extra):  # type: ignore[no-untyped-def]
    return client.post(
        LOGIN,
        {"username": username, "password": password},
        REMOTE_ADDR=ip,
        HTTP_ACCEPT_LANGUAGE=lang,
        **extra,
    )


def logged_in(response) -> bool:  # type: ignore[no-untyped-def]
    return response.status_code == 302 and response["Location"] == reverse("dashboard")


def errors(response) -> str:  # type: ignore[no-untyped-def]
    return " ".join(response.context["form"].non_field_errors())


def test_fifty_wrong_passwords_then_the_right_one_is_refused(client):
    UserFactory(username="giulia", role="associate")
    for n in range(1, 51):
        response = login(client, "giulia", f"guess-{n}")
        assert response.status_code == 200 and not logged_in(response)
        if n < 5:
            assert LOCKED_EN not in errors(response), n  # Django's usual "enter a correct username..."
        else:
            assert LOCKED_EN in errors(response), n  # the 5th failure locks; the rest are not even tried
    response = login(client, "giulia", RIGHT)
    assert not logged_in(response)
    page = response.content.decode()
    assert 'data-testid="login-error"' in page and LOCKED_EN in page and "15 minutes" in page
    assert "_auth_user_id" not in client.session
    # counting stopped at the lock: the attempts refused while locked are not tried nor counted
    assert AttemptCounter.objects.get(scope="login-user", key="giulia").failures == 5
    assert AuditEntry.objects.filter(
        action="login.locked", object_type="login-user", object_id="giulia"
    ).exists()


def test_the_lock_is_per_account_and_ends_after_the_cool_off(client):
    UserFactory(username="giulia", role="associate")
    UserFactory(username="marco", role="associate")
    for n in range(5):
        login(client, "GIULIA", f"guess-{n}")  # the username's case does not make a new count
    # another account from the same address logs in: 5 is the account's limit, not the address's
    assert logged_in(login(client, "marco", RIGHT))
    client.logout()
    assert not logged_in(login(client, "giulia", RIGHT, ip="10.9.9.9"))  # nor does another address help
    # 15 minutes later the right password works again
    AttemptCounter.objects.filter(scope="login-user").update(
        locked_until=timezone.now() - timedelta(seconds=1),
        window_started_at=timezone.now() - timedelta(minutes=16),
    )
    assert logged_in(login(client, "giulia", RIGHT))


def test_twenty_failures_from_one_address_lock_it_for_every_account(client):
    for name in ("a1", "a2", "a3", "a4", "a5", "ok"):
        UserFactory(username=name, role="associate")
    # 4 wrong passwords for each of 5 accounts: no account reaches its limit, the address reaches 20
    for name in ("a1", "a2", "a3", "a4", "a5"):
        for n in range(4):
            response = login(client, name, f"guess-{n}", ip="203.0.113.7")
    assert LOCKED_EN in errors(response)  # the 20th
    response = login(client, "ok", RIGHT, ip="203.0.113.7")
    assert not logged_in(response) and LOCKED_EN in errors(response)
    # the same account from another address: its own count is clean
    assert logged_in(login(client, "ok", RIGHT, ip="198.51.100.1"))
    assert AuditEntry.objects.filter(
        action="login.locked", object_type="login-ip", object_id="203.0.113.7"
    ).exists()


def test_a_successful_login_clears_the_accounts_count(client):
    UserFactory(username="giulia", role="associate")
    for n in range(4):
        login(client, "giulia", f"guess-{n}")
    assert logged_in(login(client, "giulia", RIGHT))
    client.logout()
    assert not AttemptCounter.objects.filter(scope="login-user", key="giulia").exists()
    for n in range(4):  # four more: still not locked, as the count started again
        login(client, "giulia", f"again-{n}")
    assert logged_in(login(client, "giulia", RIGHT))


def test_the_message_is_in_italian_and_in_english(client):
    UserFactory(username="giulia", role="associate")
    for n in range(5):
        login(client, "giulia", f"guess-{n}")
    italian = login(client, "giulia", RIGHT, lang="it")
    assert LOCKED_IT in errors(italian) and "15 minuti" in errors(italian)
    english = login(client, "giulia", RIGHT, lang="en")
    assert LOCKED_EN in errors(english) and "15 minutes" in errors(english)


def test_behind_a_trusted_proxy_the_address_is_the_one_it_saw(client, settings):
    settings.OMNI_TRUSTED_PROXY_COUNT = 1
    UserFactory(username="ok", role="associate")
    for n in range(20):
        # a client-supplied X-Forwarded-For entry changes every time: only the proxy's entry counts
        login(client, f"nobody{n}", "x", ip="10.0.0.2", HTTP_X_FORWARDED_FOR=f"1.1.1.{n}, 203.0.113.9")
    assert AttemptCounter.objects.get(scope="login-ip", key="203.0.113.9").locked_until is not None
    assert not logged_in(login(client, "ok", RIGHT, ip="10.0.0.2", HTTP_X_FORWARDED_FOR="203.0.113.9"))
    assert logged_in(login(client, "ok", RIGHT, ip="10.0.0.2", HTTP_X_FORWARDED_FOR="203.0.113.10"))


def test_the_admin_login_counts_the_same(client):
    UserFactory(username="root", role="admin", is_staff=True, is_superuser=True)
    for n in range(5):
        client.post(
            "/admin/login/", {"username": "root", "password": f"guess-{n}"}, HTTP_ACCEPT_LANGUAGE="en"
        )
    response = client.post(
        "/admin/login/?next=/admin/", {"username": "root", "password": RIGHT}, HTTP_ACCEPT_LANGUAGE="en"
    )
    assert response.status_code == 200 and LOCKED_EN in response.content.decode()
    assert not logged_in(login(client, "root", RIGHT))  # and the back-office's login agrees


@pytest.mark.django_db(transaction=True)
def test_failures_at_the_same_moment_are_all_counted():
    by_user, _ = login_policies()
    barrier = threading.Barrier(8)
    errors_seen: list[str] = []

    def fail() -> None:
        try:
            barrier.wait(timeout=30)
            attempts.record_failure(policy=by_user, key="raced")
        except Exception as exc:
            errors_seen.append(repr(exc))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=fail) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not errors_seen and not any(t.is_alive() for t in threads)
    counter = AttemptCounter.objects.get(scope="login-user", key="raced")
    assert counter.failures == 8 and counter.locked_until is not None
