"""Items 10 and 13: backups carry no live credentials, can be encrypted, and restore into a fresh directory."""

from __future__ import annotations

import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from django.contrib.sessions.models import Session
from typer.testing import CliRunner

from lvzhi.accounts import actions as account_actions
from lvzhi.accounts.models import ApiToken, UserSession
from lvzhi.accounts.security import hash_token
from lvzhi.cli.main import app
from lvzhi.evidence.services import do_attach_evidence
from lvzhi.ops import backup, encryption

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n%%EOF\n"
PASSPHRASE = "长口令 correct horse 2025"
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def live(cast, client):
    """A database with a logged-in browser session, an API token and an evidence file."""
    client.post("/login/", {"username": "jia1_filler", "password": cast.password})
    assert Session.objects.exists() and UserSession.objects.exists()
    token, raw = account_actions.do_create_api_token(
        acting_user=cast.jia1_filler, user=cast.jia1_filler, name="脚本"
    )
    cast.advance(cast.jia1, "填报中")
    do_attach_evidence(
        acting_user=cast.jia1_filler, evaluation=cast.jia1, indicator_code="1.1", name="纪要.pdf", content=PDF
    )
    return {
        "cast": cast,
        "session_key": client.session.session_key,
        "token": raw,
        "token_hash": token.key_hash,
    }


def test_a_backup_holds_no_session_key_and_no_api_token(live, tmp_path):
    backup.write_backup(tmp_path / "b.zip")
    with zipfile.ZipFile(tmp_path / "b.zip") as zf:
        data = zf.read("data.json").decode("utf-8")
    assert live["session_key"] not in data
    assert live["token_hash"] not in data and hash_token(live["token"]) not in data
    for label in ("sessions.session", "accounts.usersession", "accounts.apitoken", "accounts.loginfailure"):
        assert f'"model": "{label}"' not in data


def test_after_a_restore_the_old_session_and_token_are_not_accepted(live, tmp_path, client):
    backup.write_backup(tmp_path / "b.zip")
    backup.restore_backup(tmp_path / "b.zip", replace=True)
    assert not Session.objects.exists() and not ApiToken.objects.exists()
    client.cookies["sessionid"] = live["session_key"]
    assert client.get("/").status_code == 302  # to the login page
    api = client.get("/api/v1/regions/", HTTP_AUTHORIZATION=f"Bearer {live['token']}")
    assert api.status_code == 401


def test_an_encrypted_backup_is_not_a_readable_zip_and_round_trips_with_its_passphrase(live, tmp_path):
    path = tmp_path / "b.enc"
    summary = backup.write_backup(path, passphrase=PASSPHRASE)
    raw = path.read_bytes()
    assert encryption.is_encrypted(path) and not zipfile.is_zipfile(path)
    for visible in (b"data.json", "甲市一县".encode(), b"jia1_filler", PDF):
        assert visible not in raw
    assert not list(tmp_path.glob(".backup-*"))  # the plain zip it was made from is gone
    restored = backup.restore_backup(path, replace=True, passphrase=PASSPHRASE)
    assert restored == summary


@pytest.mark.parametrize(
    "damage", ["wrong passphrase", "cut short", "one byte changed", "last chunk dropped"]
)
def test_a_damaged_encrypted_backup_or_a_wrong_passphrase_is_refused_and_nothing_changes(
    live, tmp_path, monkeypatch, damage
):
    monkeypatch.setattr(encryption, "CHUNK", 4096)  # several chunks even for a small backup
    path = tmp_path / "b.enc"
    backup.write_backup(path, passphrase=PASSPHRASE)
    raw = bytearray(path.read_bytes())
    phrase = PASSPHRASE
    if damage == "wrong passphrase":
        phrase = PASSPHRASE + "x"
    elif damage == "cut short":
        raw = raw[:-100]
    elif damage == "one byte changed":
        raw[len(raw) // 2] ^= 1
    else:
        header = len(encryption.MAGIC) + 26
        body = len(raw) - header
        full = encryption.CHUNK + encryption.TAG
        raw = raw[: header + (body - 1) // full * full]
    path.write_bytes(bytes(raw))
    before = backup.dump_objects()
    with pytest.raises(backup.BackupError, match=r"口令错误|损坏"):
        backup.restore_backup(path, replace=True, passphrase=phrase)
    assert backup.dump_objects() == before


def test_the_cli_encrypts_with_the_passphrase_from_the_environment(live, tmp_path, monkeypatch):
    monkeypatch.setenv("LVZHI_BACKUP_PASSPHRASE", PASSPHRASE)
    runner = CliRunner()
    made = runner.invoke(app, ["backup", str(tmp_path / "c.enc"), "--encrypt"])
    assert made.exit_code == 0 and "已加密" in made.output, made.output
    back = runner.invoke(app, ["restore", str(tmp_path / "c.enc"), "--force"])
    assert back.exit_code == 0, back.output


def lvzhi(var: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "DJANGO_SETTINGS_MODULE")}
    env.update(LVZHI_VAR_DIR=str(var), PYTHONPATH=str(ROOT / "src"))
    return subprocess.run(
        [sys.executable, "-m", "lvzhi", *args], env=env, capture_output=True, text=True, timeout=300, cwd=var
    )


@pytest.mark.slow
def test_restore_into_a_fresh_directory_just_works_with_or_without_init_first(live, tmp_path):
    backup.write_backup(tmp_path / "b.zip")
    fresh = tmp_path / "fresh"
    fresh.mkdir()
    done = lvzhi(fresh, "restore", str(tmp_path / "b.zip"))
    assert done.returncode == 0, done.stderr
    assert "Traceback" not in done.stderr and "已从" in done.stdout
    assert lvzhi(fresh, "audit", "verify").returncode == 0
    inited = tmp_path / "inited"
    inited.mkdir()
    assert lvzhi(inited, "init").returncode == 0
    again = lvzhi(inited, "restore", str(tmp_path / "b.zip"))
    assert again.returncode == 0, again.stderr
    refused = lvzhi(inited, "restore", str(tmp_path / "b.zip"))  # now it holds the restored data
    assert refused.returncode == 1 and "--force" in refused.stderr
