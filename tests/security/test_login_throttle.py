"""The suspected throttle flaw, settled: behind the proxy each client is counted apart; spraying across users is
stopped per address; forwarded addresses count only from configured proxies; lock-outs expire and are audited."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from lvzhi.accounts.models import LoginFailure
from lvzhi.audit.models import AuditRecord

pytestmark = pytest.mark.django_db

PROXY = "127.0.0.1"


@pytest.fixture(autouse=True)
def behind_a_proxy(settings):
    settings.LVZHI_TRUSTED_PROXIES = [PROXY, "10.8.0.0/16"]
    settings.LVZHI_LOGIN_MAX_FAILURES = 5
    settings.LVZHI_LOGIN_MAX_FAILURES_PER_IP = 12


def login(username: str, password: str, *, peer: str = PROXY, forwarded: str | None = None) -> bool:
    """One login attempt as the server sees it; True when it succeeded."""
    extra = {"REMOTE_ADDR": peer}
    if forwarded is not None:
        extra["HTTP_X_FORWARDED_FOR"] = forwarded
    client = Client(**extra)
    client.post("/login/", {"username": username, "password": password})
    return "_auth_user_id" in client.session


def test_behind_the_proxy_one_client_s_failures_do_not_lock_the_account_for_everyone(cast):
    for _ in range(5):
        assert not login("jia1_filler", "wrong-password-1", forwarded="198.51.100.1")
    assert not login("jia1_filler", cast.password, forwarded="198.51.100.1")
    assert login("jia1_filler", cast.password, forwarded="198.51.100.2")


def test_the_client_address_is_the_right_most_one_the_proxies_did_not_write(cast):
    # The client wrote "1.2.3.4, …" itself; our proxy appended the address it saw, 198.51.100.1.
    for i in range(5):
        login("jia1_filler", "wrong-password-1", forwarded=f"1.2.3.{i}, 198.51.100.1")
    assert set(LoginFailure.objects.values_list("ip", flat=True)) == {"198.51.100.1"}
    login("jia1_filler", "wrong-password-1", forwarded="198.51.100.7, 10.8.3.4")  # through two of our proxies
    assert LoginFailure.objects.filter(ip="198.51.100.7").exists()


def test_forwarded_addresses_from_an_untrusted_peer_are_ignored(cast):
    for i in range(5):
        login("jia1_filler", "wrong-password-1", peer="203.0.113.9", forwarded=f"198.51.100.{i}")
    assert set(LoginFailure.objects.values_list("ip", flat=True)) == {"203.0.113.9"}
    assert not login("jia1_filler", cast.password, peer="203.0.113.9", forwarded="198.51.100.200")


def test_spraying_passwords_across_users_from_one_address_locks_that_address(cast):
    for i in range(12):
        login(f"someone{i}", "Spring2024!", forwarded="198.51.100.66")
    assert not login("jia2_filler", cast.password, forwarded="198.51.100.66")
    assert login("jia2_filler", cast.password, forwarded="198.51.100.67")


def test_a_lock_out_is_audited_once_and_expires(cast, settings):
    for _ in range(8):
        login("jia1_filler", "wrong-password-1", forwarded="198.51.100.1")
    records = AuditRecord.objects.filter(action="login.lockout")
    assert records.count() == 1
    rec = records.get()
    assert rec.after["username"] == "jia1_filler" and rec.after["ip"] == "198.51.100.1"
    assert rec.object_id == str(cast.jia1_filler.pk) and rec.after["until"]
    LoginFailure.objects.update(at=timezone.now() - timedelta(seconds=settings.LVZHI_LOGIN_LOCK_SECONDS + 1))
    assert login("jia1_filler", cast.password, forwarded="198.51.100.1")
