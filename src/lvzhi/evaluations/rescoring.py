"""Keeping scores current: after any change of data or manual scores, the engine re-scores.

Called inside the action's transaction, so scores never disagree with the data they came from. Schemes
with rank rules score a region against its peers, so a change re-scores the whole round.
"""

from __future__ import annotations

import dataclasses
from collections import OrderedDict, defaultdict
from collections.abc import Callable, Mapping
from datetime import datetime
from decimal import Decimal
from typing import Any, NamedTuple

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from lvzhi.evaluations import gateway
from lvzhi.evaluations.bulk import gc_paused, insert_many, update_many
from lvzhi.evaluations.models import DataValue, Evaluation, ItemScore, Round

EvidenceProvider = Callable[[list[int]], Mapping[tuple[int, str], tuple[str, ...]]]
_evidence_providers: list[EvidenceProvider] = []


def register_evidence_provider(provider: EvidenceProvider) -> None:
    """Let the evidence app tell scoring which files back each (evaluation id, indicator code).

    Manual indicators whose rule requires evidence stay pending until a file is attached, so the evidence
    app registers a provider in its AppConfig.ready(); evaluations does not import it (no cycle).
    """
    if provider not in _evidence_providers:
        _evidence_providers.append(provider)


def evidence_files(evaluation_ids: list[int]) -> dict[tuple[int, str], tuple[str, ...]]:
    """File names backing each (evaluation id, indicator code), from the registered evidence providers."""
    found: dict[tuple[int, str], tuple[str, ...]] = {}
    for provider in _evidence_providers:
        for key, names in provider(evaluation_ids).items():
            found[key] = found.get(key, ()) + tuple(names)
    return found


class Verified(NamedTuple):
    """What inspectors verified on site in one evaluation: figures by item code and their own scores of
    leaves by leaf code (the latest finding of each wins)."""

    figures: dict[str, Decimal]
    scores: dict[str, Decimal]


VerifiedProvider = Callable[[list[int]], Mapping[int, Verified]]
_verified_providers: list[VerifiedProvider] = []


def register_verified_provider(provider: VerifiedProvider) -> None:
    """Let the inspections app tell scoring what was verified on site in each evaluation (by id).

    Registered in its AppConfig.ready(), as the evidence provider is: evaluations does not import it.
    """
    if provider not in _verified_providers:
        _verified_providers.append(provider)


def verified_on_site(evaluation_ids: list[int]) -> dict[int, Verified]:
    """Per evaluation id, the figures and scores verified on site, from the registered providers."""
    found: dict[int, Verified] = {}
    for provider in _verified_providers:
        for key, v in provider(evaluation_ids).items():
            have = found.setdefault(key, Verified({}, {}))
            have.figures.update(v.figures)
            have.scores.update(v.scores)
    return found


def previous_values(evaluation: Evaluation) -> dict[str, Decimal]:
    """Last year's values: stored beside this year's, else from the region's evaluation of the year before."""
    return previous_values_many([evaluation]).get(evaluation.pk, {})


def previous_values_many(evaluations: list[Evaluation]) -> dict[int, dict[str, Decimal]]:
    """previous_values() of many evaluations (by evaluation id) in three queries."""
    out: dict[int, dict[str, Decimal | None]] = {e.pk: {} for e in evaluations}
    current: dict[tuple[int, int], int] = {(e.region_id, e.round.year - 1): e.pk for e in evaluations}
    earlier_to_current: dict[int, int] = {}
    years = {year for _, year in current}
    regions = [region for region, _ in current]
    for pk, region_id, year in (
        Evaluation.objects.filter(region_id__in=regions, round__year__in=years)
        .order_by("round__created_at")
        .values_list("pk", "region_id", "round__year")
    ):
        if (region_id, year) in current:
            earlier_to_current[pk] = current[(region_id, year)]  # the latest round of that year wins
    for e in evaluations:
        # The stored link to last year's evaluation wins: it follows a region into its new code.
        if e.previous_id is not None and e.previous_id not in earlier_to_current:
            earlier_to_current = {k: v for k, v in earlier_to_current.items() if v != e.pk}
            earlier_to_current[e.previous_id] = e.pk
    for ev_id, code, value in DataValue.objects.filter(
        evaluation_id__in=list(earlier_to_current), value__isnull=False
    ).values_list("evaluation_id", "item_code", "value"):
        out[earlier_to_current[ev_id]][code] = value
    for ev_id, code, prev in DataValue.objects.filter(
        evaluation_id__in=list(out), prev_value__isnull=False
    ).values_list("evaluation_id", "item_code", "prev_value"):
        out[ev_id][code] = prev
    return {pk: {k: v for k, v in values.items() if v is not None} for pk, values in out.items()}


def judgement(row: Any, files: tuple[str, ...]) -> gateway.Judgement | None:
    """What the scoring engine counts for a manual leaf: the reviewer's score overrides the self-assessment.

    The one place the platform decides score precedence; the stored final score of every leaf is then the
    engine's score for it (so a leaf still waiting for evidence has none, as the total says).
    """
    if row.review_score is not None:
        # The reviewer's comment is the justification of the reviewer's score.
        return gateway.Judgement(None, row.review_score, row.review_comment or row.self_justification, files)
    if row.self_score is not None:
        level = row.self_level or None
        return gateway.Judgement(level, None if level else row.self_score, row.self_justification, files)
    return None


def disagree(self_score: Decimal | None, review_score: Decimal | None) -> bool:
    """Whether the reviewer scored a manual leaf differently from its self-assessment (flagged for review)."""
    return self_score is not None and review_score is not None and self_score != review_score


def rescore(evaluation: Evaluation) -> None:
    """Re-score one evaluation; with rank rules, also the peers whose rank outcome its change moves.

    Must run under the round lock (the actions take it first), which also makes the peer results held by
    this process safe to use: nobody else changes the round's scores meanwhile.
    """
    info = gateway.scheme_info(evaluation.round.scheme_version.yaml_text)
    if info.has_rank:
        _rescore_with_peers(evaluation, info)
    else:
        _score(evaluation.round, [evaluation])


class _Peers:
    """A round's results in this process, current at the round's `stamp`, and the ids of its rank rows."""

    def __init__(
        self,
        scores: gateway.RoundScores,
        stamp: int,
        rank_rows: dict[tuple[int, str], int],
        created_at: datetime,
    ) -> None:
        self.scores = scores
        self.created_at = created_at
        self.stamp = stamp
        self.rank_rows = rank_rows


# Ranked rounds' results held by this process (a few rounds: a national round's take tens of MB).
_PEERS: OrderedDict[int, _Peers] = OrderedDict()
_PEERS_KEPT = 4
# Beyond this many evaluations changed by other processes, rebuilding is cheaper than catching up.
_CATCH_UP_LIMIT = 64


def shown_explanations(round: Round, rows: Any) -> None:
    """Put the round's shared part back into these score rows' explanations, as a reader shows them (in
    memory only): a peers'-average rule's rows store PEERS in its place (see Round.peer_texts)."""
    peers = round.peer_texts or {}
    if peers:
        for row in rows:
            row.explanation = gateway.with_peers(row.explanation, peers.get(row.indicator_code))


def _next_stamp(round: Round, peers: dict[str, str]) -> int:
    Round.objects.filter(pk=round.pk).update(score_stamp=F("score_stamp") + 1, peer_texts=peers)
    round.peer_texts = peers
    return int(Round.objects.filter(pk=round.pk).values_list("score_stamp", flat=True).get())


def _caught_up(round: Round, text: str, saving: int) -> _Peers | None:
    """This process's results of the round brought up to the database's stamp, or None (build anew).

    Evaluations other processes changed since are caught up in memory (their rows are written already), so
    the change being saved is measured against what the database shows.
    """
    stamp = int(Round.objects.filter(pk=round.pk).values_list("score_stamp", flat=True).get())
    # Taken out while in use: if the transaction rolls back, the changed copy is simply dropped.
    held = _PEERS.pop(round.pk, None)
    # Held results belong to this very round row (a restored or recreated database can reuse its id and
    # even its stamp) and must know the evaluation being saved (one added to the round since is rebuilt).
    if (
        held is None
        or held.scores.text != text
        or held.created_at != round.created_at
        or saving not in held.scores.position
    ):
        return None
    if held.stamp != stamp:
        changed = list(
            Evaluation.objects.filter(round=round, score_stamp__gt=held.stamp).select_related("region")[
                : _CATCH_UP_LIMIT + 1
            ]
        )
        # The county being saved changed elsewhere too: its in-between state, which the peers' rows show,
        # is gone from the database (this save replaced it), so the moved peers cannot be told: rebuild.
        if len(changed) > _CATCH_UP_LIMIT or any(
            e.pk == saving or e.pk not in held.scores.position for e in changed
        ):
            return None
        for inp in _inputs(round, changed)[0] if changed else []:
            held.scores.change(inp)
    return held


@gc_paused
def _rescore_with_peers(evaluation: Evaluation, info: gateway.SchemeInfo) -> None:
    round = evaluation.round
    text = round.scheme_version.yaml_text
    held = _caught_up(round, text, evaluation.pk)
    rank = tuple(leaf for leaf in info.leaves if leaf.kind == "rank")
    if held is None:
        # First save of this round in this process (or after a full re-score): score the whole round once,
        # write what differs, and keep the results (and the rank rows' ids) for the next saves.
        everyone = list(Evaluation.objects.filter(round=round).select_related("region"))
        inputs, rows = _inputs(round, everyone, whole_round=True)
        scores = gateway.RoundScores(text, inputs)
        _store(everyone, scores.all(), rows, {e.pk: info.leaves for e in everyone})
        rank_rows = {
            (ev_id, code): pk
            for ev_id, code, pk in ItemScore.objects.filter(
                evaluation__round=round, indicator_code__in=[leaf.code for leaf in rank]
            ).values_list("evaluation_id", "indicator_code", "pk")
        }
        held = _Peers(scores, 0, rank_rows, round.created_at)
    else:
        inputs, rows = _inputs(round, [evaluation])
        results, explained = held.scores.change(inputs[0])
        # Peers whose scores stayed: only their rank explanation is rewritten, by row id, without reading
        # the rows (they hold what this copy held before the change: the stamps guarantee it).
        update_many(
            ItemScore,
            ["explanation"],
            [
                (text_, held.rank_rows[(pk, code)])
                for pk, by_code in explained.items()
                for code, text_ in by_code.items()
            ],
        )
        others = [pk for pk in results if pk != evaluation.pk]
        for t in ItemScore.objects.filter(
            evaluation_id__in=others, indicator_code__in=[leaf.code for leaf in rank]
        ).values_list(*_Row._fields):
            row = _Row(*t)
            rows[row.evaluation_id][row.indicator_code] = row
        changed = [evaluation, *Evaluation.objects.filter(pk__in=others)]
        _store(
            changed, results, rows, {e.pk: (info.leaves if e.pk == evaluation.pk else rank) for e in changed}
        )
    held.stamp = _next_stamp(round, held.scores.peers)
    Evaluation.objects.filter(pk=evaluation.pk).update(score_stamp=held.stamp)

    def keep() -> None:
        _PEERS[round.pk] = held
        while len(_PEERS) > _PEERS_KEPT:
            _PEERS.popitem(last=False)

    transaction.on_commit(keep)


def rescore_round(round: Round) -> None:
    """Re-score every evaluation of a round together."""
    _score(round, list(Evaluation.objects.filter(round=round).select_related("region")), whole_round=True)


@gc_paused
def _score(round: Round, evaluations: list[Evaluation], whole_round: bool = False) -> None:
    if not evaluations:
        return
    text = round.scheme_version.yaml_text
    inputs, rows = _inputs(round, evaluations, whole_round)
    info = gateway.scheme_info(text)
    scores = gateway.RoundScores(text, inputs) if info.has_rank and whole_round else None
    results = scores.all() if scores is not None else gateway.score_regions(text, inputs)
    _store(evaluations, results, rows, {e.pk: info.leaves for e in evaluations})
    if scores is not None:
        # Every evaluation may have changed: peer results held by web processes are rebuilt, not caught up.
        stamp = _next_stamp(round, scores.peers)
        Evaluation.objects.filter(round=round).update(score_stamp=stamp)


def engine_inputs(round: Round, evaluations: list[Evaluation]) -> list[gateway.EvaluationInput]:
    """The scoring inputs of these evaluations exactly as the stored scores were computed from them (values,
    earlier years, judgements with their evidence, score layers) — for reports, which must not build their own."""
    return _inputs(round, evaluations)[0]


def score_layers(evaluations: list[Evaluation]) -> dict[int, dict[str, dict[str, Decimal]]]:
    """Per evaluation id, every score layer the platform keeps (self, expert, verified), exactly as scoring
    reads them for a scheme declaring them all — for the credibility table and the risk list, which must
    compare the same scores the `credibility` rule compares."""
    by_round: dict[int, list[Evaluation]] = defaultdict(list)
    rounds: dict[int, Round] = {}
    for e in evaluations:
        by_round[e.round_id].append(e)
        rounds[e.round_id] = e.round
    out: dict[int, dict[str, dict[str, Decimal]]] = {}
    for round_id, evs in by_round.items():
        for inp in _inputs(rounds[round_id], evs, layer_codes=tuple(PLATFORM_LAYERS))[0]:
            out[inp.key] = inp.layers
    return out


def _inputs(
    round: Round,
    evaluations: list[Evaluation],
    whole_round: bool = False,
    layer_codes: tuple[str, ...] | None = None,
) -> tuple[list[gateway.EvaluationInput], dict[int, dict[str, _Row]]]:
    """The engine inputs of these evaluations (values, last year's, manual judgements, the score layers the
    scheme declares, or `layer_codes`) and their score rows."""
    ids = [e.pk for e in evaluations]
    # For a whole round, filter by round (one join) rather than by thousands of ids.
    by_eval = {"evaluation__round_id": round.pk} if whole_round else {"evaluation_id__in": ids}
    values: dict[int, dict[str, Decimal]] = defaultdict(dict)
    prev: dict[int, dict[str, Decimal]] = defaultdict(dict)
    for ev_id, code, value, prev_value in DataValue.objects.filter(**by_eval).values_list(
        "evaluation_id", "item_code", "value", "prev_value"
    ):
        if value is not None:
            values[ev_id][code] = value
        if prev_value is not None:
            prev[ev_id][code] = prev_value
    # Few values were measured on a sample: read those alone (decoding a JSON column for every value of a
    # national round cost more than the rest of reading them).
    samples: dict[int, dict[str, gateway.Sample]] = defaultdict(dict)
    for ev_id, code, sample in DataValue.objects.filter(
        **by_eval, sample__isnull=False, value__isnull=False
    ).values_list("evaluation_id", "item_code", "sample"):
        measured = gateway.sample_of(sample)
        if measured is not None:
            samples[ev_id][code] = measured
    # Last year's values from the previous year's round fill what was not stored beside this year's.
    current_of_region = {e.region_id: e.pk for e in evaluations}
    earlier_to_current: dict[int, int] = {}
    earlier = Evaluation.objects.filter(round__year=round.year - 1)
    if not whole_round:
        earlier = earlier.filter(region_id__in=list(current_of_region))
    for pk, region_id in earlier.order_by("round__created_at").values_list("pk", "region_id"):
        if region_id in current_of_region:
            earlier_to_current[pk] = current_of_region[region_id]
    if earlier_to_current:
        for ev_id, code, value in DataValue.objects.filter(
            evaluation_id__in=list(earlier_to_current), value__isnull=False
        ).values_list("evaluation_id", "item_code", "value"):
            prev[earlier_to_current[ev_id]].setdefault(code, value)
    # Plain tuples, not model instances: building 100,000 instances costs more than the scoring itself.
    rows: dict[int, dict[str, _Row]] = defaultdict(dict)
    for t in ItemScore.objects.filter(**by_eval).values_list(*_Row._fields):
        row = _Row(*t)
        rows[row.evaluation_id][row.indicator_code] = row
    evidence = evidence_files(ids)
    manual: dict[int, dict[str, gateway.Judgement]] = defaultdict(dict)
    for ev_id, by_code in rows.items():
        for code, row in by_code.items():
            if row.rule_kind != "manual":
                continue
            chosen = judgement(row, evidence.get((ev_id, code), ()))
            if chosen is not None:
                manual[ev_id][code] = chosen
    text = round.scheme_version.yaml_text
    info = gateway.scheme_info(text)
    years = info.years_read
    years_before = _earlier_years(round.year, evaluations, years) if years > 1 else {}
    codes = info.layer_codes if layer_codes is None else layer_codes
    layers = _layers(rows, manual, codes) if codes else {}
    inputs = [
        gateway.EvaluationInput(
            key=e.pk,
            region=e.region.code,
            name=e.region.name,
            values=values[e.pk],
            previous=prev[e.pk],
            manual=manual[e.pk],
            earlier=years_before.get(e.pk, []),
            layers=layers.get(e.pk, {}),
            samples=samples[e.pk],
        )
        for e in evaluations
    ]
    if VERIFIED in codes:
        _add_verified(text, info, inputs, verified_on_site(ids), codes)
    return inputs, rows


# The platform's score layers, by the codes a scheme's `score_layers` declares them with: two are score
# fields of a leaf's row; `verified` comes from what inspectors verified on site (see _add_verified).
LAYER_SCORES = {"self": "self_score", "expert": "review_score"}
VERIFIED = "verified"
PLATFORM_LAYERS = (*LAYER_SCORES, VERIFIED)
# Leaves whose score is not recomputed from verified figures: judged by people, or ranked among peers.
_NOT_RECOMPUTED = frozenset({"manual", "rank"})


def _add_verified(
    text: str,
    info: gateway.SchemeInfo,
    inputs: list[gateway.EvaluationInput],
    found: Mapping[int, Verified],
    codes: tuple[str, ...],
) -> None:
    """The `verified` layer (实地核查) of each input, per tree leaf: the inspector's verified score when given;
    else, for a leaf whose rule reads an item with a verified figure, the engine's score of the leaf with
    the verified figures in place of the reported ones. Such a computed leaf is compared with what the
    region's own figures gave it, its self-assessed score: that score joins the `self` layer."""
    tree = {leaf.code: leaf for leaf in info.leaves if leaf.section == "indicators"}
    wanted: list[tuple[gateway.EvaluationInput, dict[str, Decimal], set[str]]] = []
    for inp in inputs:
        v = found.get(inp.key)
        if v is None:
            continue
        given = {code: score for code, score in v.scores.items() if code in tree}
        recomputed = {
            code
            for code, leaf in tree.items()
            if code not in given
            and leaf.kind not in _NOT_RECOMPUTED
            and not v.figures.keys().isdisjoint(info.leaf_items.get(code, ()))
        }
        if given or recomputed:
            wanted.append((inp, given, recomputed))
    if not wanted:
        return
    # One engine run (layers left out: each leaf by its own rule), the reported and the verified figures
    # of every inspected evaluation side by side, keyed 2i and 2i + 1.
    runs: list[gateway.EvaluationInput] = []
    for i, (inp, _, _) in enumerate(wanted):
        verified_values = {**inp.values, **found[inp.key].figures}
        runs.append(dataclasses.replace(inp, key=2 * i, layers={}))
        runs.append(dataclasses.replace(inp, key=2 * i + 1, values=verified_values, layers={}))
    results = gateway.score_regions(text, runs)
    for i, (inp, given, recomputed) in enumerate(wanted):
        reported, verified = results[2 * i].leaves, results[2 * i + 1].leaves
        layer = dict(given)
        for code in recomputed:
            res = verified.get(code)
            if res is not None and res.score is not None and res.status == "scored":
                layer[code] = res.score
        if not layer:
            continue
        inp.layers = {**inp.layers, VERIFIED: layer}
        if "self" in codes:
            claimed = {
                code: res.score
                for code in layer
                if tree[code].kind not in _NOT_RECOMPUTED
                and (res := reported.get(code)) is not None
                and res.score is not None
                and res.status == "scored"
            }
            if claimed:
                inp.layers["self"] = {**inp.layers.get("self", {}), **claimed}


def _layers(
    rows: dict[int, dict[str, _Row]],
    manual: dict[int, dict[str, gateway.Judgement]],
    declared: tuple[str, ...],
) -> dict[int, dict[str, dict[str, Decimal]]]:
    """For schemes declaring score layers: per evaluation, the self-scores and reviewer scores of the
    manual leaves the engine counts (a leaf still waiting for its justification or evidence has no
    judgement and gives no layer score); the scheme's `final` rule then chooses among them."""
    out: dict[int, dict[str, dict[str, Decimal]]] = {}
    for ev_id, by_code in rows.items():
        layers: dict[str, dict[str, Decimal]] = {}
        for code, row in by_code.items():
            if code not in manual.get(ev_id, {}) or manual[ev_id][code].justification == "":
                continue
            for layer in declared:
                field = LAYER_SCORES.get(layer)
                score = getattr(row, field) if field else None
                if score is not None:
                    layers.setdefault(layer, {})[code] = score
        out[ev_id] = layers
    return out


def _earlier_years(
    year: int, evaluations: list[Evaluation], years: int
) -> dict[int, list[dict[str, Decimal]]]:
    """Per evaluation, the values its region reported in the years before last (two years ago first, up to
    `years` back), each from the region's latest round of that year; a year without one is empty."""
    regions = {e.region_id: e.pk for e in evaluations}
    wanted = range(year - 2, year - years - 1, -1)
    latest: dict[tuple[int, int], int] = {}  # (current evaluation, years back − 2) → earlier evaluation
    for pk, region_id, y in (
        Evaluation.objects.filter(region_id__in=list(regions), round__year__in=list(wanted))
        .order_by("round__created_at")
        .values_list("pk", "region_id", "round__year")
    ):
        latest[(regions[region_id], year - 2 - y)] = pk  # a later round of the same year replaces an earlier
    source = {pk: slot for slot, pk in latest.items()}
    out: dict[int, list[dict[str, Decimal]]] = {e.pk: [{} for _ in wanted] for e in evaluations}
    for ev_id, code, value in DataValue.objects.filter(
        evaluation_id__in=list(source), value__isnull=False
    ).values_list("evaluation_id", "item_code", "value"):
        current, k = source[ev_id]
        out[current][k][code] = value
    return out


def _store(
    evaluations: list[Evaluation],
    results: Mapping[int, gateway.EvaluationResult],
    rows: dict[int, dict[str, _Row]],
    leaves: Mapping[int, tuple[gateway.Leaf, ...] | list[gateway.Leaf]],
) -> None:
    """Write what changed: new or different score rows of `leaves` (by evaluation), totals, grades."""
    now = timezone.now()
    to_create: list[tuple[Any, ...]] = []
    row_updates: list[tuple[Any, ...]] = []
    ev_updates: list[tuple[Any, ...]] = []
    for e in evaluations:
        res = results[e.pk]
        for leaf in leaves[e.pk]:
            leaf_res = res.leaves.get(leaf.code)
            row = rows[e.pk].get(leaf.code)
            final = status = explanation = None
            inputs_json: Any = []
            if leaf_res is not None:
                final = leaf_res.score
                status, explanation, inputs_json = leaf_res.status, leaf_res.explanation, leaf_res.inputs
            auto = final if leaf.kind != "manual" else None  # manual leaves keep their self/review scores
            if row is None:
                to_create.append(
                    (
                        e.pk,
                        leaf.code,
                        leaf.points,
                        leaf.kind,
                        auto,
                        status or "",
                        explanation or "",
                        inputs_json,
                        final,
                        "",
                        "",
                        "",
                        False,
                        0,
                        now,
                    )
                )
                continue
            flagged = leaf.kind == "manual" and disagree(row.self_score, row.review_score)
            new = (leaf.points, leaf.kind, auto, status or "", explanation or "", inputs_json, final, flagged)
            old = (
                row.points,
                row.rule_kind,
                row.auto_score,
                row.auto_status,
                row.explanation,
                row.inputs,
                row.final_score,
                row.discrepancy,
            )
            if new != old:
                row_updates.append((*new, row.pk))
        summary = res.summary
        if (e.total, e.grade, e.result) != (res.total, res.grade, summary) or e.scored_at is None:
            ev_updates.append((res.total, res.grade, summary, now, e.pk))
        e.total, e.grade, e.result, e.scored_at = res.total, res.grade, summary, now
    insert_many(ItemScore, _CREATE_FIELDS, to_create)
    # One prepared UPDATE per changed row (executemany): bulk_update's CASE WHEN grows quadratically.
    update_many(ItemScore, [*_SCORED_FIELDS, "discrepancy"], row_updates)
    update_many(Evaluation, ["total", "grade", "result", "scored_at"], ev_updates)


# What scoring writes on a leaf's row; a new row has these between its keys and its person-entered fields.
_SCORED_FIELDS = ["points", "rule_kind", "auto_score", "auto_status", "explanation", "inputs", "final_score"]
_CREATE_FIELDS = [
    "evaluation",
    "indicator_code",
    *_SCORED_FIELDS,
    "self_level",
    "self_justification",
    "review_comment",
    "discrepancy",
    "version",
    "updated_at",
]


class _Row(NamedTuple):
    pk: int
    evaluation_id: int
    indicator_code: str
    points: Decimal | None
    rule_kind: str
    auto_score: Decimal | None
    auto_status: str
    explanation: str
    inputs: Any
    final_score: Decimal | None
    self_level: str
    self_score: Decimal | None
    self_justification: str
    review_score: Decimal | None
    review_comment: str
    discrepancy: bool


def summary_for(evaluation: Evaluation) -> dict[str, Any]:
    """Total, grade and the engine's summary (bonus, deductions, vetoes, caps) of an evaluation."""
    return {"total": evaluation.total, "grade": evaluation.grade, **(evaluation.result or {})}
