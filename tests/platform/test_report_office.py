"""Reports and feedback letters built from the database print in LibreOffice as our PDF does (the same
checks as the seed documents, tests/office_suite.py), all converted in one soffice call."""

from __future__ import annotations

from typing import Any

import pytest

import office_suite as office  # tests/office_suite.py
from lvzhi.evaluations.models import Evaluation, State
from lvzhi.evaluations.reporting import report_contexts
from lvzhi.writer.builder import build_report
from lvzhi.writer.feedback import build_feedback

pytestmark = pytest.mark.skipif(
    office.soffice() is None, reason="LibreOffice 未安装（scripts/setup.sh 安装）"
)


def test_the_rounds_reports_and_letters_print_alike_in_libreoffice(cast: Any, tmp_path: Any) -> None:
    from test_report_build import fill  # tests/platform: 甲市一县's figures, one below its target

    fill(cast, cast.jia1)
    cast.advance(cast.jia2, State.REVIEWING)
    evaluations = list(Evaluation.objects.filter(round=cast.round).select_related("region").order_by("pk"))
    contexts = report_contexts(evaluations)
    documents = {}
    for e in evaluations:
        documents[f"{e.region.code}-自评报告"] = build_report(contexts[e.pk])
        documents[f"{e.region.code}-反馈意见"] = build_feedback(contexts[e.pk])
    assert any(b.kind == "attachment" for d in documents.values() for b in d.blocks)
    printed = office.print_both(documents, tmp_path)
    assert office.all_problems(printed, documents) == []
