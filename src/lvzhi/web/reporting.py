"""From an evaluation in the database to the report writer's plain input (lvzhi.writer.ReportContext).

The writer never reads the database; this module gathers one evaluation — its statistics, last year's, the
manual judgements (reviewer's over the self-assessment) and their justifications as narrative — scores it
with its round's peers (rank rules need them) and hands the result to the writer.
"""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal
from typing import Any

from lvzhi.evaluations import engine, scoring
from lvzhi.evaluations.models import DataValue, Evaluation, ItemScore


def _inputs(evaluations: list[Evaluation]) -> dict[int, Any]:
    from lvzhi.scoring.model import ManualScore, RegionInput

    values: dict[int, dict[str, Decimal]] = defaultdict(dict)
    for ev_id, code, value in DataValue.objects.filter(
        evaluation__in=evaluations, value__isnull=False
    ).values_list("evaluation_id", "item_code", "value"):
        values[ev_id][code] = value
    manual: dict[int, dict[str, Any]] = defaultdict(dict)
    for s in ItemScore.objects.filter(evaluation__in=evaluations, rule_kind="manual"):
        chosen = s.review_score if s.review_score is not None else s.self_score
        if chosen is not None:
            manual[s.evaluation_id][s.indicator_code] = ManualScore(
                level=None if s.review_score is not None else (s.self_level or None),
                score=chosen,
                justification=s.self_justification,
            )
    return {
        e.pk: RegionInput(
            region=e.region.code,
            name=e.region.name,
            values=values[e.pk],
            previous=scoring.previous_values(e) if e.pk == evaluations[0].pk else {},
            manual=manual[e.pk],
        )
        for e in evaluations
    }


def report_context(evaluation: Evaluation) -> Any:
    """The writer's ReportContext for one evaluation, scored among its round's regions."""
    from lvzhi.scoring.engine import compile_scheme
    from lvzhi.writer.model import context_from

    text = evaluation.round.scheme_version.yaml_text
    scheme = engine.load(text)
    info = engine.scheme_info(text)
    peers = [evaluation]
    if info.has_rank:
        peers += list(
            Evaluation.objects.filter(round=evaluation.round)
            .exclude(pk=evaluation.pk)
            .select_related("region")
        )
    inputs = _inputs(peers)
    ordered = [inputs[e.pk] for e in peers]
    result = compile_scheme(scheme).score(ordered)[0]
    narratives: dict[str, list[str]] = defaultdict(list)
    for s in (
        ItemScore.objects.filter(evaluation=evaluation)
        .exclude(self_justification="")
        .order_by("indicator_code")
    ):
        top = s.indicator_code.split(".")[0]
        narratives[top].append(s.self_justification.strip().rstrip("。") + "。")
    return context_from(
        scheme,
        result,
        ordered[0],
        evaluation.round.year,
        narratives={k: "".join(v) for k, v in narratives.items()},
        addressee=evaluation.round.owner_region.name + "人民政府教育督导委员会办公室",
        signer=evaluation.region.name + "人民政府",
    )


def render(evaluation: Evaluation, fmt: str) -> bytes | str:
    """The self-evaluation report as html (str), docx or pdf (bytes)."""
    from lvzhi.writer.builder import build_report

    document = build_report(report_context(evaluation), charts=fmt != "html")
    if fmt == "html":
        from lvzhi.writer.html import render_html

        return render_html(document)
    if fmt == "docx":
        from lvzhi.writer.docx import render_docx

        return render_docx(document)
    if fmt == "pdf":
        from lvzhi.writer.pdf import render_pdf

        return render_pdf(document)
    raise ValueError(f"unknown report format {fmt!r}")
