"""From an evaluation in the database to the report writer's plain input (lvzhi.writer.ReportContext).

The writer never reads the database; this module gathers one evaluation — its statistics, last year's, the
manual judgements and their justifications as narrative — and hands the writer the engine's result for the
very inputs the stored scores came from (lvzhi.evaluations.rescoring.engine_inputs), with the stored total,
grade and scores laid over it: a report never states a score the evaluation does not hold.
"""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal
from typing import Any

from lvzhi.evaluations import gateway, rescoring
from lvzhi.evaluations.models import DataValue, Evaluation, ItemScore


def _unconfirmed(evaluations: list[Evaluation]) -> dict[int, set[str]]:
    """Per evaluation, the prefilled values nobody has confirmed: scored as entered, never printed as facts."""
    out: dict[int, set[str]] = defaultdict(set)
    for ev_id, code in DataValue.objects.filter(evaluation__in=evaluations, confirmed=False).values_list(
        "evaluation_id", "item_code"
    ):
        out[ev_id].add(code)
    return out


# An average over fewer regions would let a reader work out a neighbour's figure.
PEERS_FOR_AVERAGE = 3


def _peer_averages(round_id: int) -> dict[str, Decimal]:
    """Per statistic, the average of the confirmed values of the round's regions (only where at least
    PEERS_FOR_AVERAGE regions have one): the 参评地区平均水平 a report compares with."""
    from django.db.models import Count

    rows = (
        DataValue.objects.filter(evaluation__round_id=round_id, value__isnull=False, confirmed=True)
        .values("item_code")
        .annotate(n=Count("evaluation_id", distinct=True))
        .filter(n__gte=PEERS_FOR_AVERAGE)
    )
    codes = {r["item_code"] for r in rows}
    sums: dict[str, list[Decimal]] = defaultdict(list)
    for code, value in DataValue.objects.filter(
        evaluation__round_id=round_id, item_code__in=codes, value__isnull=False, confirmed=True
    ).values_list("item_code", "value"):
        sums[code].append(value)
    return {code: sum(values, Decimal(0)) / len(values) for code, values in sums.items()}


def _narratives(evaluations: list[Evaluation]) -> dict[int, dict[str, str]]:
    """Staff's justifications per top-level indicator: the narrative of each 履职情况 section."""
    parts: dict[int, dict[str, list[str]]] = defaultdict(lambda: defaultdict(list))
    for ev_id, code, text in (
        ItemScore.objects.filter(evaluation__in=evaluations)
        .exclude(self_justification="")
        .order_by("evaluation_id", "indicator_code")
        .values_list("evaluation_id", "indicator_code", "self_justification")
    ):
        parts[ev_id][code.split(".")[0]].append(text.strip().rstrip("。") + "。")
    return {ev_id: {k: "".join(v) for k, v in by_top.items()} for ev_id, by_top in parts.items()}


def _stored(evaluation: Evaluation, ctx: Any) -> Any:
    """The context with the evaluation's STORED scores: its total, grade and each indicator's subtotal.

    The report states what the evaluation recorded (scored with its evidence, reviewed), never a
    re-scoring: re-scoring here would miss what only the stored scoring knows (evidence-gated items).
    """
    import dataclasses

    summary = evaluation.result or {}
    subtotals = summary.get("subtotals", {})
    final = dict(ItemScore.objects.filter(evaluation=evaluation).values_list("indicator_code", "final_score"))
    parts = []
    for part in ctx.indicators:
        scores = [v for code, v in final.items() if code == part.code or code.startswith(part.code + ".")]
        stored = subtotals.get(part.code)
        if stored is None and scores and all(v is not None for v in scores) and part.code in final:
            stored = final[part.code]
        complete = bool(scores) and all(v is not None for v in scores)
        leaves = tuple(
            dataclasses.replace(leaf, score=final.get(leaf.code), scored=final.get(leaf.code) is not None)
            for leaf in part.leaves
        )
        parts.append(
            dataclasses.replace(
                part,
                score=Decimal(str(stored)) if stored is not None else None,
                complete=complete,
                leaves=leaves,
            )
        )
    return dataclasses.replace(
        ctx,
        indicators=tuple(parts),
        score_total=evaluation.total,
        grade_name=summary.get("grade_name") or evaluation.grade or None,
        complete=bool(summary.get("complete")) and evaluation.total is not None,
    )


def report_contexts(evaluations: list[Evaluation]) -> dict[int, Any]:
    """The writer's ReportContext for each evaluation (by id), each scored among its round's regions."""
    from lvzhi.writer.model import FigureNote, context_from

    by_round: dict[int, list[Evaluation]] = defaultdict(list)
    for e in evaluations:
        by_round[e.round_id].append(e)
    out: dict[int, Any] = {}
    for wanted in by_round.values():
        rnd = wanted[0].round
        text = rnd.scheme_version.yaml_text
        scheme = gateway.load(text)
        peers = wanted
        if gateway.scheme_info(text).has_rank:
            # Ranks are among every region of the round, whether or not the caller may see them;
            # only the reports asked for (already scoped by the caller) are built.
            peers = list(Evaluation.objects.filter(round=rnd).select_related("region").order_by("pk"))
        # The same inputs the stored scores were computed from (one builder: evidence, earlier years, layers).
        scored = gateway.engine_scores(text, rescoring.engine_inputs(rnd, peers))
        narratives = _narratives(wanted)
        unconfirmed = _unconfirmed(wanted)
        averages = _peer_averages(rnd.pk)
        wanted_ids = {e.pk for e in wanted}
        for e, (inp, result) in zip(peers, scored, strict=True):
            if e.pk not in wanted_ids:
                continue
            ctx = context_from(
                scheme,
                result,
                inp,
                rnd.year,
                narratives=narratives.get(e.pk, {}),
                addressee=rnd.owner_region.name + "人民政府教育督导委员会办公室",
                office=rnd.owner_region.name + "人民政府教育督导委员会办公室",
                signer=e.region.name + "人民政府",
                notes={code: FigureNote(printed=False) for code in unconfirmed.get(e.pk, ())},
                peer_average=averages,
            )
            out[e.pk] = _stored(e, ctx)
    return out


def report_context(evaluation: Evaluation) -> Any:
    """The writer's ReportContext for one evaluation, scored among its round's regions."""
    return report_contexts([evaluation])[evaluation.pk]


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
