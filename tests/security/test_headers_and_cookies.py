"""Item 9: CSP on every page and no inline script or style; HTTPS settings under `lvzhi serve`; idle sessions end."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest
from django.contrib.sessions.models import Session
from django.utils import timezone

from lvzhi.cli import admin as cli_admin

ROOT = Path(__file__).resolve().parents[2]
TEMPLATES = sorted((ROOT / "src" / "lvzhi").rglob("templates/**/*.html"))


def csp_of(response) -> dict[str, list[str]]:
    header = response["Content-Security-Policy"]
    return {part.split()[0]: part.split()[1:] for part in header.split(";") if part.strip()}


@pytest.mark.django_db
@pytest.mark.parametrize("url", ["/login/", "/", "/audit/", "/api/v1/docs", "/public/", "/no-such-page/"])
def test_every_page_carries_a_strict_content_security_policy(client, cast, url):
    client.force_login(cast.prov_office)
    response = client.get(url)
    policy = csp_of(response)
    assert policy["script-src"] == ["'self'"] and policy["style-src"] == ["'self'"]
    assert policy["object-src"] == ["'none'"] and policy["frame-ancestors"] == ["'none'"]
    assert response["X-Content-Type-Options"] == "nosniff"


@pytest.mark.parametrize("path", TEMPLATES, ids=lambda p: str(p.relative_to(ROOT / "src" / "lvzhi")))
def test_no_template_holds_inline_script_handlers_or_style_attributes(path):
    if "writer" in path.parts:
        pytest.skip("the writer's report is a self-contained document with its own policy")
    text = path.read_text(encoding="utf-8")
    for tag in re.findall(r"<script\b[^>]*>", text):
        assert "src=" in tag or 'type="application/json"' in tag, f"inline script: {tag}"
    assert not re.search(r"\son[a-z]+\s*=", text), "inline event handler"
    assert not re.search(r"\sstyle\s*=", text), "style attribute"
    assert "javascript:" not in text


def settings_under(env: dict[str, str]) -> dict[str, object]:
    code = (
        "import json, django; from django.conf import settings; django.setup(); "
        "print(json.dumps({k: getattr(settings, k) for k in ('SESSION_COOKIE_SECURE', 'CSRF_COOKIE_SECURE', "
        "'SECURE_HSTS_SECONDS', 'SECURE_PROXY_SSL_HEADER', 'SESSION_COOKIE_AGE', 'LVZHI_TRUSTED_PROXIES')}))"
    )
    clean = {k: v for k, v in os.environ.items() if not k.startswith("LVZHI_")}
    clean.update(env, DJANGO_SETTINGS_MODULE="lvzhi.site.settings", PYTHONPATH=str(ROOT / "src"))
    out = subprocess.run([sys.executable, "-c", code], env=clean, capture_output=True, text=True, check=True)
    return json.loads(out.stdout)


def test_serve_switches_on_https_settings_and_trusts_the_local_proxy(monkeypatch):
    monkeypatch.delenv("LVZHI_HTTPS", raising=False)
    monkeypatch.delenv("LVZHI_TRUSTED_PROXIES", raising=False)
    monkeypatch.setattr("lvzhi.cli.jobs.start_embedded_worker", lambda: None)
    monkeypatch.setattr(os, "execv", lambda *args: None)
    cli_admin.serve()
    env = {k: os.environ[k] for k in ("LVZHI_HTTPS", "LVZHI_TRUSTED_PROXIES")}
    served = settings_under(env)
    assert served["SESSION_COOKIE_SECURE"] is True and served["CSRF_COOKIE_SECURE"] is True
    assert served["SECURE_HSTS_SECONDS"] >= 31536000
    assert served["SECURE_PROXY_SSL_HEADER"] == ["HTTP_X_FORWARDED_PROTO", "https"]
    assert served["LVZHI_TRUSTED_PROXIES"] == ["127.0.0.1", "::1"]
    demo = settings_under({})
    assert demo["SESSION_COOKIE_SECURE"] is False and demo["SECURE_HSTS_SECONDS"] == 0
    assert demo["SECURE_PROXY_SSL_HEADER"] is None
    assert served["SESSION_COOKIE_AGE"] == demo["SESSION_COOKIE_AGE"] == 7200


@pytest.fixture
def https(settings):
    settings.SESSION_COOKIE_SECURE = settings.CSRF_COOKIE_SECURE = True
    settings.SECURE_HSTS_SECONDS = 31536000
    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    settings.LVZHI_TRUSTED_PROXIES = ["127.0.0.1"]


@pytest.mark.django_db
def test_behind_the_trusted_proxy_cookies_are_secure_and_hsts_is_sent(client, cast, https):
    response = client.post(
        "/login/",
        {"username": "jia1_filler", "password": cast.password},
        REMOTE_ADDR="127.0.0.1",
        HTTP_X_FORWARDED_PROTO="https",
    )
    assert response.status_code == 302
    assert response.cookies["sessionid"]["secure"] is True
    assert response["Strict-Transport-Security"].startswith("max-age=31536000")


@pytest.mark.django_db
def test_a_client_claiming_https_itself_is_not_believed(client, cast, https):
    response = client.get("/login/", REMOTE_ADDR="203.0.113.9", HTTP_X_FORWARDED_PROTO="https")
    assert "Strict-Transport-Security" not in response


@pytest.mark.django_db
def test_a_session_lasts_the_idle_time_and_moves_forward_with_use(client, cast):
    client.post("/login/", {"username": "jia1_filler", "password": cast.password})
    key = client.session.session_key
    expires = Session.objects.get(session_key=key).expire_date
    assert timedelta_close(expires - timezone.now(), 7200)
    session = client.session
    session["_lvzhi_seen"] = 0  # last refreshed long ago
    session.save()
    Session.objects.filter(session_key=key).update(expire_date=timezone.now() + timedelta(seconds=60))
    client.get("/")
    moved = Session.objects.get(session_key=key).expire_date
    assert timedelta_close(moved - timezone.now(), 7200)


@pytest.mark.django_db
def test_an_idle_session_is_over(client, cast):
    client.post("/login/", {"username": "jia1_filler", "password": cast.password})
    Session.objects.update(expire_date=timezone.now() - timedelta(seconds=1))
    assert client.get("/").status_code == 302


def timedelta_close(delta, seconds: int) -> bool:
    return abs(delta.total_seconds() - seconds) < 120


@pytest.mark.django_db
def test_the_report_preview_has_its_own_policy_framed_by_our_pages_only_and_without_script(client, cast):
    client.force_login(cast.prov_office)
    response = client.get(f"/e/{cast.jia1.pk}/report/preview/")
    assert response.status_code == 200
    policy = csp_of(response)
    assert policy["default-src"] == ["'none'"] and "script-src" not in policy
    assert policy["frame-ancestors"] == ["'self'"]
