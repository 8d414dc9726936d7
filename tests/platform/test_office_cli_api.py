"""A whole year through the CLI and the API, without the demo builder: the office adds a scheme version and
opens the round with the CLI, assigns experts; counties fill through the API, one misses the deadline and
is refused until the office extends it; the expert reviews; the completeness gate refuses a gap, then the
office approves and publishes in a batch; the results are exported and the round closed."""

from __future__ import annotations

import json
from datetime import timedelta
from io import BytesIO
from pathlib import Path

import pytest
from django.test import Client
from django.utils import timezone
from openpyxl import load_workbook
from typer.testing import CliRunner

from lvzhi.accounts.actions import do_create_api_token
from lvzhi.audit.services import verify_chain
from lvzhi.cli.main import app
from lvzhi.evaluations import actions
from lvzhi.evaluations.models import Evaluation, ExpertAssignment, Round, State

pytestmark = pytest.mark.django_db


def cli(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(app, list(args))
    return result.exit_code, result.output


def api(cast, user):
    _, raw = do_create_api_token(acting_user=cast.admin, user=user, name="year")
    return Client(HTTP_AUTHORIZATION=f"Bearer {raw}")


def put(client, url, body):
    return client.put(url, data=json.dumps(body), content_type="application/json")


def post(client, url, body):
    return client.post(url, data=json.dumps(body), content_type="application/json")


def fill(client, ev, cast):
    """A county's filler enters every statistic and self-assesses the manual items, through the API."""
    for item in ("kg_public_share", "kg_inclusive_coverage", "disabled_enrolment_rate", "edu_gpb_spending"):
        r = put(client, f"/api/v1/evaluations/{ev.pk}/values/{item}", {"value": "96", "prev_value": "90"})
        assert r.status_code == 200, r.content
    versions = {
        s["indicator"]: s["version"]
        for s in client.get(f"/api/v1/evaluations/{ev.pk}/scores").json()["items"]
    }
    for code, level in (("1.1", "优"), ("J1", "差")):
        body = {"level": level, "justification": "按方案自评。", "expected_version": versions.get(code)}
        r = put(client, f"/api/v1/evaluations/{ev.pk}/scores/{code}/self", body)
        assert r.status_code == 200, r.content


def test_the_year_runs_through_the_cli_and_the_api(cast, tmp_path: Path):
    scheme = tmp_path / "small-2025.yaml"
    scheme.write_text(cast.scheme_version.yaml_text.replace("year: 2024", "year: 2025"), encoding="utf-8")
    code, out = cli("scheme", "add", str(scheme), "--as", "prov_office")
    assert code == 0, out
    version = int(out.split()[0])
    deadline = (timezone.localdate() + timedelta(days=10)).isoformat()
    code, out = cli(
        "round", "open", "--scheme", str(version), "--year", "2025", "--region", "990000", "--level", "county",
        "--fill-deadline", deadline, "--review-deadline", deadline, "--as", "prov_office",
    )  # fmt: skip
    assert code == 0, out
    rnd = Round.objects.get(pk=int(out.split()[0]))
    evs = {e.region.code: e for e in Evaluation.objects.filter(round=rnd).select_related("region", "round")}
    assert set(evs) == {"990101", "990102", "990201"}
    assert evs["990101"].previous_id == cast.jia1.pk
    # Re-running adds nothing; the city office may not open a round for the province.
    assert cli(
        "round",
        "open",
        "--scheme",
        str(version),
        "--year",
        "2025",
        "--region",
        "990000",
        "--as",
        "prov_office",
    )[1].startswith(str(rnd.pk))
    assert (
        cli(
            "round",
            "open",
            "--scheme",
            str(version),
            "--year",
            "2025",
            "--region",
            "990000",
            "--as",
            "jia_office",
        )[0]
        == 1
    )

    code, out = cli(
        "round",
        "assign",
        str(rnd.pk),
        "--expert",
        "expert",
        "--region",
        "990101",
        "--region",
        "990102",
        "--as",
        "prov_office",
    )
    assert code == 0 and out.count("✓") == 2, out

    office = api(cast, cast.prov_office)
    jia1, jia2 = api(cast, cast.jia1_filler), api(cast, cast.jia2_filler)
    for client, ev in ((jia1, evs["990101"]), (jia2, evs["990102"])):
        assert (
            post(client, f"/api/v1/evaluations/{ev.pk}/transition", {"to_state": "填报中"}).status_code == 200
        )
        fill(client, ev, cast)
    assert (
        post(jia1, f"/api/v1/evaluations/{evs['990101'].pk}/transition", {"to_state": "已提交"}).status_code
        == 200
    )

    # The deadline passes before 甲市二县 submits: refused, until the office extends it.
    actions.do_update_round(
        acting_user=cast.prov_office, round=rnd, fill_deadline=timezone.now() - timedelta(minutes=1)
    )
    late = post(jia2, f"/api/v1/evaluations/{evs['990102'].pk}/transition", {"to_state": "已提交"})
    assert late.status_code in (409, 422) and "截止" in late.json()["detail"], late.content
    progress = office.get(f"/api/v1/rounds/{rnd.pk}/progress").json()
    assert progress["total"]["overdue"] == 2  # 甲市二县 and 乙市一县, which never started
    until = (timezone.localdate() + timedelta(days=3)).isoformat()
    code, out = cli(
        "round",
        "extend",
        str(rnd.pk),
        "--region",
        "990102",
        "--until",
        until,
        "--reason",
        "系统故障",
        "--as",
        "prov_office",
    )
    assert code == 0, out
    assert (
        post(jia2, f"/api/v1/evaluations/{evs['990102'].pk}/transition", {"to_state": "已提交"}).status_code
        == 200
    )

    # The expert reviews 甲市一县 (and scores 1.1 lower); the office starts the review of both.
    expert = api(cast, cast.expert)
    ids = [evs["990101"].pk, evs["990102"].pk]
    items = post(
        office, f"/api/v1/rounds/{rnd.pk}/batch", {"step": "start_review", "evaluations": ids}
    ).json()
    assert all(i["ok"] for i in items), items
    versions = {
        s["indicator"]: s["version"]
        for s in expert.get(f"/api/v1/evaluations/{ids[0]}/scores").json()["items"]
    }
    body = {"score": "4", "comment": "会议纪要不全。", "expected_version": versions["1.1"]}
    r = put(expert, f"/api/v1/evaluations/{ids[0]}/scores/1.1/review", body)
    assert r.status_code == 200, r.content

    # A gap: 甲市二县's total is gone (e.g. a re-score pending) — approval refused with the gap named.
    Evaluation.objects.filter(pk=ids[1]).update(total=None)
    items = post(office, f"/api/v1/rounds/{rnd.pk}/batch", {"step": "approve", "evaluations": ids}).json()
    assert [i["ok"] for i in items] == [True, False] and "总分尚未算出" in items[1]["message"]
    items = post(office, f"/api/v1/rounds/{rnd.pk}/batch", {"step": "publish", "evaluations": ids[:1]}).json()
    assert items[0]["ok"], items
    assert Evaluation.objects.get(pk=ids[0]).state == State.PUBLISHED

    out_file = tmp_path / "results.xlsx"
    code, out = cli("round", "export", str(rnd.pk), "--as", "jia_office", "--out", str(out_file))
    assert code == 0, out
    sheet = load_workbook(BytesIO(out_file.read_bytes())).worksheets[0]
    assert [sheet.cell(row=i, column=2).value for i in range(2, sheet.max_row + 1)] == [
        "甲市一县",
        "甲市二县",
    ]
    assert sheet.cell(row=2, column=7).value == 1  # the only published county ranks first
    csv = office.get(f"/api/v1/rounds/{rnd.pk}/export.csv").content.decode("utf-8")
    assert "乙市一县" in csv

    assert cli("round", "close", str(rnd.pk), "--as", "jia_office")[0] == 1
    assert cli("round", "close", str(rnd.pk), "--as", "prov_office")[0] == 0
    assert (
        post(office, f"/api/v1/rounds/{rnd.pk}/batch", {"step": "publish", "evaluations": ids}).json()[1][
            "ok"
        ]
        is False
    )
    assert ExpertAssignment.objects.filter(round=rnd).count() == 2
    assert verify_chain() is None


def test_the_api_adds_a_scheme_and_refuses_a_broken_one_line_by_line(cast):
    office = api(cast, cast.prov_office)
    from django.core.files.uploadedfile import SimpleUploadedFile

    bad = office.post("/api/v1/schemes/", {"file": SimpleUploadedFile("bad.yaml", b"id: [\n")})
    assert bad.status_code == 422 and "bad.yaml:" in json.dumps(bad.json(), ensure_ascii=False)
    text = cast.scheme_version.yaml_text.replace("year: 2024", "year: 2026").encode("utf-8")
    good = office.post("/api/v1/schemes/?activate=false", {"file": SimpleUploadedFile("v.yaml", text)})
    assert good.status_code == 200 and good.json()["active"] is False
    assert post(office, f"/api/v1/schemes/{good.json()['id']}/activate", {}).json()["active"] is True


def test_the_rectification_ledger_is_listed_and_exported_within_the_users_scope(cast, tmp_path):
    from lvzhi.rectification.actions import do_raise_problem

    for ev, text in ((cast.jia1, "甲一的问题"), (cast.yi1, "乙一的问题")):
        do_raise_problem(
            acting_user=cast.prov_office,
            evaluation=ev,
            source="专家评审",
            description=text,
            required_measure="整改",
            deadline=timezone.localdate() + timedelta(days=5),
        )
    code, out = cli("rectification", "list", "--as", "jia_office")
    assert code == 0 and "甲一的问题" in out and "乙一的问题" not in out
    code, out = cli("rectification", "list", "--region", "990201", "--as", "prov_office")
    assert "乙一的问题" in out and "甲一的问题" not in out
    target = tmp_path / "ledger.xlsx"
    assert cli("rectification", "export", "--as", "prov_office", "--out", str(target))[0] == 0
    sheet = load_workbook(BytesIO(target.read_bytes())).worksheets[0]
    assert sheet.cell(row=1, column=1).value == "问题编号" and sheet.max_row == 3
