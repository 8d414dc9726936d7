"""Items 2 and 5: audit records are readable only as far as the objects they are about; reuse names no region
outside the reader's scope."""

from __future__ import annotations

import json

import pytest

from lvzhi.accounts import scoping
from lvzhi.accounts.models import Role, RoleAssignment, User
from lvzhi.audit.models import AuditRecord
from lvzhi.evaluations import actions
from lvzhi.evaluations.models import Evaluation, State
from lvzhi.evidence.services import do_attach_evidence

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
SECRET_NAME = "2023年度预算执行内部报告.pdf"


@pytest.fixture
def other_round(cast):
    """A 2023 round for 甲市一县 in which the cast's expert is not assigned, with a value and evidence in it."""
    rnd = actions.do_open_round(
        acting_user=cast.prov_office,
        scheme_version=cast.scheme_version,
        year=2023,
        name="示范省2023年县级履职评价",
        owner_region=cast.regions["示范省"],
        regions=[cast.regions["甲市一县"]],
    )
    ev = Evaluation.objects.get(round=rnd)
    actions.do_start_filling(acting_user=cast.jia1_filler, evaluation=ev)
    actions.do_save_value(
        acting_user=cast.jia1_filler,
        evaluation=ev,
        item_code="edu_gpb_spending",
        value="777123",
        expected_version=None,
    )
    do_attach_evidence(
        acting_user=cast.jia1_filler, evaluation=ev, indicator_code="1.1", name=SECRET_NAME, content=PDF
    )
    return ev


def test_an_expert_does_not_read_the_records_of_a_round_it_is_not_assigned_in(client, cast, other_round):
    client.force_login(cast.expert)
    assert client.get(f"/api/v1/evaluations/{other_round.pk}").status_code == 404
    api = client.get("/api/v1/audit/?limit=1000")
    assert api.status_code == 200
    text = json.dumps(api.json(), ensure_ascii=False)
    assert SECRET_NAME not in text and "777123" not in text
    page = client.get("/audit/?region=990101").content.decode()
    assert SECRET_NAME not in page and "777123" not in page
    assert not scoping.audit_records_for(cast.expert).filter(evaluation_id=other_round.pk).exists()


def test_the_expert_still_reads_the_records_of_its_assigned_evaluation(cast, other_round):
    ev = cast.advance(cast.jia1, State.FILLING)
    actions.do_save_value(
        acting_user=cast.jia1_filler,
        evaluation=ev,
        item_code="edu_gpb_spending",
        value="700001",
        expected_version=None,
        confirm_change=True,  # far below last year's 777123 (the other round): the clerk confirmed it
    )
    seen = scoping.audit_records_for(cast.expert)
    assert seen.filter(evaluation_id=ev.pk, action="value.save").exists()


def test_the_region_s_own_readers_read_every_round_of_it(cast, other_round):
    for user in (cast.viewer, cast.jia1_filler, cast.jia_office, cast.prov_office):
        assert scoping.audit_records_for(user).filter(evaluation_id=other_round.pk).count() >= 3


def test_readers_of_another_city_read_none_of_it(cast, other_round):
    yi_viewer = User.objects.create(username="yi_viewer")
    RoleAssignment.objects.create(user=yi_viewer, role=Role.VIEWER, region=cast.regions["乙市"])
    assert not scoping.audit_records_for(yi_viewer).filter(evaluation_id=other_round.pk).exists()
    assert not scoping.audit_records_for(yi_viewer).filter(region_code="990101").exists()


def test_each_record_about_an_evaluation_names_it(cast, other_round):
    about = AuditRecord.objects.filter(
        region_code="990101",
        object_type__in=["evaluations.datavalue", "evidence.evidence", "evaluations.evaluation"],
    )
    assert about.exists() and not about.filter(evaluation_id__isnull=True).exists()


def test_the_uploaders_record_of_a_reused_file_names_no_other_region(cast):
    yi_filler = User.objects.create(username="yi_filler")
    RoleAssignment.objects.create(user=yi_filler, role=Role.FILLER, region=cast.regions["乙市一县"])
    for filler, ev in ((yi_filler, cast.yi1), (cast.jia1_filler, cast.jia1)):
        actions.do_start_filling(acting_user=filler, evaluation=ev)
        do_attach_evidence(
            acting_user=filler, evaluation=ev, indicator_code="1.1", name="会议纪要.pdf", content=PDF
        )
    rec = AuditRecord.objects.filter(action="evidence.attach", actor=cast.jia1_filler).get()
    text = json.dumps(rec.after, ensure_ascii=False)
    assert "990201" not in text and "乙市" not in text
    assert rec.after["reused_elsewhere"] == 1
