"""The staff login's forms (back-office and admin), throttled against password guessing (omni.attempts):
after OMNI_LOGIN_MAX_FAILURES_PER_USERNAME failures for one username, or OMNI_LOGIN_MAX_FAILURES_PER_IP
from one IP address, within OMNI_LOGIN_WINDOW, every attempt for that username or from that address is
refused for OMNI_LOGIN_COOL_OFF, the right password too, with a message on the form. A successful login
clears its account's count (not its address's: one account's right password does not excuse guesses at
others)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth.forms import AuthenticationForm
from django.http import HttpRequest
from django.utils.translation import ngettext

from omni import attempts
from omni.services import record_audit


def client_ip(request: HttpRequest) -> str:
    """The caller's address: the connection's, or, behind OMNI_TRUSTED_PROXY_COUNT proxies, the entry of
    X-Forwarded-For that the outermost trusted proxy appended (entries further left are client-supplied)."""
    proxies = settings.OMNI_TRUSTED_PROXY_COUNT
    if proxies > 0:
        hops = [h.strip() for h in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if h.strip()]
        if len(hops) >= proxies:
            return hops[-proxies]
    return str(request.META.get("REMOTE_ADDR") or "unknown")


def login_policies() -> tuple[attempts.AttemptPolicy, attempts.AttemptPolicy]:
    """(per username, per IP address), read from the settings at call time."""
    window, cool_off = settings.OMNI_LOGIN_WINDOW, settings.OMNI_LOGIN_COOL_OFF
    return (
        attempts.AttemptPolicy("login-user", settings.OMNI_LOGIN_MAX_FAILURES_PER_USERNAME, window, cool_off),
        attempts.AttemptPolicy("login-ip", settings.OMNI_LOGIN_MAX_FAILURES_PER_IP, window, cool_off),
    )


class ThrottledLoginMixin:
    """For a Django AuthenticationForm: refuse while the username or the address is locked; count a wrong
    password (not an inactive account, whose password was right) against both; clear the username's count
    on success."""

    request: HttpRequest | None
    cleaned_data: dict[str, Any]
    user_cache: Any

    def clean(self) -> dict[str, Any]:
        username = self.cleaned_data.get("username")
        password = self.cleaned_data.get("password")
        if not username or not password:
            return super().clean()  # type: ignore[misc,no-any-return]
        by_user, by_ip = login_policies()
        user_key = str(username).strip().lower()
        ip_key = client_ip(self.request) if self.request is not None else "unknown"
        until = attempts.locked_until([(by_user, user_key), (by_ip, ip_key)])
        if until is not None:
            raise self._locked_error(attempts.minutes_left(until))
        try:
            cleaned: dict[str, Any] = super().clean()  # type: ignore[misc]
        except forms.ValidationError:
            if self.user_cache is None:  # the password was wrong (or the user unknown)
                self._count_failure(by_user, user_key)
                self._count_failure(by_ip, ip_key)
                until = attempts.locked_until([(by_user, user_key), (by_ip, ip_key)])
                if until is not None:  # that failure was the last one allowed: say so now
                    raise self._locked_error(attempts.minutes_left(until)) from None
            raise
        attempts.clear_failures(policy=by_user, key=user_key)
        return cleaned

    @staticmethod
    def _count_failure(policy: attempts.AttemptPolicy, key: str) -> None:
        counter = attempts.record_failure(policy=policy, key=key)
        if counter.failures == policy.limit and counter.locked_until is not None:  # this one locked it
            record_audit(
                action="login.locked",
                object_type=policy.scope,
                object_id=key[:80],
                data={"failures": counter.failures, "until": counter.locked_until.isoformat()},
            )

    @staticmethod
    def _locked_error(minutes: int) -> forms.ValidationError:
        return forms.ValidationError(
            ngettext(
                "Too many failed login attempts. For your security, logging in is paused: try again in "
                "%(minutes)d minute.",
                "Too many failed login attempts. For your security, logging in is paused: try again in "
                "%(minutes)d minutes.",
                minutes,
            ),
            code="throttled",
            params={"minutes": minutes},
        )


class LoginForm(ThrottledLoginMixin, AuthenticationForm):
    """The back-office login (/accounts/login/)."""


class AdminLoginForm(ThrottledLoginMixin, AdminAuthenticationForm):
    """The admin's login (/admin/login/): the same passwords, the same counts."""
