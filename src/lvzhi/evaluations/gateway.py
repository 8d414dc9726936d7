"""The platform's only door to the pure engines (lvzhi.schemes, lvzhi.scoring).

Everything the platform needs from a scheme — its metadata, leaves, the catalogue items it uses — and
every scoring call passes through these few functions, so an engine API change is absorbed here.
"""

from __future__ import annotations

import functools
import hashlib
import re
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

from lvzhi.evaluations.bulk import gc_paused
from lvzhi.schemes import names
from lvzhi.schemes.model import DataItem as DataItem  # re-exported: the catalogue's item type
from lvzhi.scoring.explain import PEERS
from lvzhi.scoring.explain import sample_text as sample_text  # re-exported: a sample as explanations state it
from lvzhi.scoring.explain import with_peers as with_peers  # re-exported: a stored explanation as shown
from lvzhi.scoring.model import Sample as Sample  # re-exported: a value's sample (n, interval)


class SchemeInvalid(ValueError):
    """The scheme text failed the engine's validation; the message lists file:line errors."""


@dataclass(frozen=True)
class Leaf:
    code: str
    name: str
    points: Decimal | None
    kind: str  # manual / threshold / linear / ladder / all / any / rank / per_item_deduction / formula
    levels: dict[str, Decimal] = field(default_factory=dict)
    section: str = "indicators"  # indicators / bonus / deductions
    evidence_required: bool = False  # manual rules with `evidence: required`


@dataclass(frozen=True)
class SchemeInfo:
    scheme_id: str
    title: str
    year: int | None
    level: str
    leaves: tuple[Leaf, ...]
    item_codes: tuple[str, ...]  # catalogue items the scheme's rules and formulas read
    has_rank: bool
    prev_item_codes: tuple[str, ...] = ()  # of those, the items whose last-year value a rule reads
    years_read: int = 0  # how many years before the evaluated one the scheme reads (prev(x, n), windows)
    layer_codes: tuple[str, ...] = ()  # the score layers the scheme declares (self, expert …)
    leaf_items: dict[str, tuple[str, ...]] = field(default_factory=dict)  # leaf code → the items it reads
    # The first `credibility` rule's comparison (layer, reference layers, tolerance), else None.
    credibility: tuple[str, tuple[str, ...], Decimal] | None = None


def sample_json(sample: Sample) -> dict[str, Any]:
    """A sample as DataValue.sample stores it (exact decimals as text)."""
    return {
        "n": sample.n,
        "low": format(sample.low, "f"),
        "high": format(sample.high, "f"),
        "level": sample.level,
        "method": sample.method,
    }


def sample_of(data: Mapping[str, Any] | None) -> Sample | None:
    """The sample a DataValue stores (None: the value was not measured on a sample)."""
    if not data:
        return None
    return Sample(
        int(data["n"]),
        Decimal(str(data["low"])),
        Decimal(str(data["high"])),
        int(data.get("level", 95)),
        str(data.get("method", "wilson")),
    )


def content_hash(text: str) -> str:
    """sha256 of the scheme text, the identity of a scheme version."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def catalogue() -> Mapping[str, DataItem]:
    """The statistics catalogue shipped with the engine, by item code."""
    from lvzhi.schemes import builtin_catalogue

    return builtin_catalogue().items


@functools.lru_cache(maxsize=64)
def asked_items(text: str) -> tuple[DataItem, ...]:
    """The catalogue items an evaluation under this scheme asks a person to enter.

    Those the scheme's rules read (computed items expanded to the items they are computed from); a scheme
    that reads none (manual indicators only) asks for every enterable item, so its data page and Excel
    template still collect the statistics its report quotes.
    """
    cat = catalogue()
    asked = [cat[c] for c in scheme_info(text).item_codes if c in cat and cat[c].formula is None]
    return tuple(asked or (item for item in cat.values() if item.formula is None))


@functools.lru_cache(maxsize=64)
def load(text: str, source_name: str = "<scheme>") -> Any:
    """The engine's validated Scheme object for a scheme text (cached by text: versions are immutable)."""
    from lvzhi.schemes import SchemeError, load_scheme

    # The engine loads from files (its errors carry file:line); give it one, named after the source.
    with tempfile.TemporaryDirectory(prefix="lvzhi-scheme-") as tmp:
        safe = re.sub(r"[^\w.-]+", "_", Path(source_name).name).strip("_") or "scheme.yaml"
        path = Path(tmp) / safe
        path.write_text(text, encoding="utf-8")
        try:
            return load_scheme(path)
        except SchemeError as exc:
            raise SchemeInvalid(str(exc).replace(str(path), source_name)) from exc


def _leaves(nodes: Any, section: str) -> list[Leaf]:
    out: list[Leaf] = []
    for top in nodes:
        for node in top.walk():
            if not node.is_leaf or node.rule is None:
                continue
            levels = dict(node.rule.levels) if node.rule.kind == "manual" else {}
            required = node.rule.kind == "manual" and node.rule.evidence == "required"
            out.append(Leaf(node.code, node.name, node.points, node.rule.kind, levels, section, required))
    return out


def _leaf_items(scheme: Any) -> dict[str, tuple[str, ...]]:
    """Per scored leaf: the entered items its rule reads (so a data problem can be shown under its indicator)."""
    return {
        node.code: tuple(sorted(names.entered_items(scheme, node.rule.formulas())))
        for top in (*scheme.indicators, *scheme.bonus, *scheme.deductions)
        for node in top.walk()
        if node.is_leaf and node.rule is not None
    }


@functools.lru_cache(maxsize=64)
def scheme_info(text: str, source_name: str = "<scheme>") -> SchemeInfo:
    """Validate a scheme text with the engine and describe it for the platform."""
    scheme = load(text, source_name)
    leaves = _leaves(scheme.indicators, "indicators") + _leaves(scheme.bonus, "bonus")
    leaves += _leaves(scheme.deductions, "deductions")
    return SchemeInfo(
        scheme_id=scheme.id,
        title=scheme.title,
        year=scheme.year,
        level=scheme.level,
        leaves=tuple(leaves),
        item_codes=tuple(sorted(names.entered_items(scheme))),
        has_rank=any(leaf.kind == "rank" for leaf in leaves),
        prev_item_codes=tuple(sorted(names.entered_items_of_earlier_years(scheme))),
        years_read=names.years_read(scheme),
        layer_codes=tuple(layer.code for layer in scheme.score_layers.layers) if scheme.score_layers else (),
        leaf_items=_leaf_items(scheme),
        credibility=next(
            (
                (node.rule.layer, node.rule.against, node.rule.tolerance)
                for top in (*scheme.indicators, *scheme.bonus, *scheme.deductions)
                for node in top.walk()
                if node.is_leaf and node.rule is not None and node.rule.kind == "credibility"
            ),
            None,
        ),
    )


@dataclass(frozen=True)
class Judgement:
    """A manual indicator's judgement: a rubric level or points, its justification and evidence file names."""

    level: str | None
    score: Decimal | None
    justification: str
    evidence: tuple[str, ...] = ()


@dataclass
class EvaluationInput:
    """One region's inputs to scoring; `key` identifies it in the results (the evaluation id)."""

    key: int
    region: str
    name: str
    values: dict[str, Decimal]
    previous: dict[str, Decimal]
    manual: dict[str, Judgement]  # leaf code → the reviewer's judgement, else the self-assessment
    # The years before last (two years ago first), for schemes reading further back than prev(x).
    earlier: list[dict[str, Decimal]] = field(default_factory=list)
    # Scores per score layer the scheme declares: layer code → leaf code → points.
    layers: dict[str, dict[str, Decimal]] = field(default_factory=dict)
    # This year's values measured on a sample (a survey's rate): item code → its sample.
    samples: dict[str, Sample] = field(default_factory=dict)


@dataclass
class LeafResult:
    score: Decimal | None
    status: str  # scored / unscored / manual-pending
    explanation: str
    inputs: list[dict[str, Any]]


@dataclass
class EvaluationResult:
    total: Decimal | None
    grade: str
    leaves: dict[str, LeafResult]
    summary: dict[str, Any]  # bonus, deductions, vetoes, caps, subtotals — JSON-ready


@functools.lru_cache(maxsize=16)
def _scorer(text: str) -> Any:
    from lvzhi.scoring.engine import compile_scheme

    return compile_scheme(load(text))


def _plain(v: Decimal | None) -> str | None:
    return None if v is None else format(v, "f")


def _engine_input(inp: EvaluationInput) -> Any:
    from lvzhi.scoring.model import RegionInput as EngineInput

    return EngineInput(
        region=inp.region,
        name=inp.name,
        values=inp.values,
        previous=inp.previous,
        manual={code: _manual(j) for code, j in inp.manual.items()},
        earlier=inp.earlier,
        layers=inp.layers,
        samples=inp.samples,
    )


def _manual(j: Judgement) -> Any:
    from lvzhi.scoring.model import ManualScore

    return ManualScore(level=j.level, score=j.score, justification=j.justification, evidence=j.evidence)


@gc_paused
def score_regions(text: str, inputs: list[EvaluationInput]) -> dict[int, EvaluationResult]:
    """Score regions of one round together with the scoring engine; results keyed by EvaluationInput.key."""
    results = _scorer(text).score([_engine_input(inp) for inp in inputs])
    return {inp.key: _converted(res) for inp, res in zip(inputs, results, strict=True)}


def engine_scores(text: str, inputs: list[EvaluationInput]) -> list[tuple[Any, Any]]:
    """The engine's own (input, result) pairs for these regions, for readers that need its full results
    (the report writer); the platform stores what score_regions returns for the same inputs."""
    engine_inputs = [_engine_input(inp) for inp in inputs]
    return list(zip(engine_inputs, _scorer(text).score(engine_inputs), strict=True))


def _converted(
    res: Any, leaves: frozenset[str] | None = None, peers: Mapping[str, str] | None = None
) -> EvaluationResult:
    """The engine's result as the platform stores it, with only `leaves` (all if None); the part of a
    leaf's explanation every peer shares (`peers`, by leaf code) is stored as PEERS, kept once per round."""
    leaves_out: dict[str, LeafResult] = {}
    groups: dict[str, str | None] = {}
    for item in res.items:
        if item.kind == "group":
            groups[item.code] = _plain(item.score)
            continue
        if leaves is not None and item.code not in leaves:
            continue
        leaves_out[item.code] = LeafResult(
            score=item.score,
            status=item.status,
            explanation=_stored(item, peers),
            inputs=[
                {
                    "code": iv.code,
                    "name": iv.name,
                    "value": _plain(iv.value),
                    "unit": iv.unit,
                    "previous": iv.previous,
                    "years": iv.years,  # how many years before the evaluated one (0, 1, 2 …)
                }
                for iv in item.inputs
            ],
        )
    about = {
        "grade_code": res.grade,
        "grade_name": res.grade_name,
        "grade_explanation": res.grade_explanation,
        "complete": res.complete,
        "bonus": _plain(res.bonus),
        "deductions": _plain(res.deductions),
        "subtotals": groups,
        "conditions": [
            {
                "code": c.code,
                "name": c.name,
                "kind": c.kind,
                "triggered": c.triggered,
                "explanation": c.explanation,
            }
            for c in res.conditions
        ],
    }
    return EvaluationResult(res.total, res.grade_name or res.grade or "", leaves_out, about)


def _stored(item: Any, peers: Mapping[str, str] | None) -> str:
    shared = peers.get(item.code) if peers else None
    text: str = item.explanation
    return text.replace(shared, PEERS, 1) if shared else text


class RoundScores:
    """A ranked round's results held in memory, changed one evaluation at a time by the engine's incremental
    re-score (only the peers whose outcome moves are touched) instead of scoring every region again."""

    def __init__(self, text: str, inputs: list[EvaluationInput]) -> None:
        self.text = text
        self.scorer = _scorer(text)
        self.inputs = {inp.key: inp for inp in inputs}
        self.keys = [inp.key for inp in inputs]
        self.results: list[Any] = gc_paused(self.scorer.score)([_engine_input(inp) for inp in inputs])
        self.position = {key: i for i, key in enumerate(self.keys)}
        self.rank = frozenset(leaf.code for leaf in scheme_info(text).leaves if leaf.kind == "rank")
        first = self.results[0].items if self.results else []
        self.rank_items = [i for i, item in enumerate(first) if item.code in self.rank]
        # The rank leaves whose stored text can move while a peer's score stays: not a peers'-average leaf,
        # whose stored text (its own value, above or below PEERS, its score) moves only with its score
        # (unless scoring below the average loses nothing: then above/below moves alone).
        moving = {
            node.code
            for top in load(text).indicators
            for node in top.walk()
            if node.is_leaf
            and node.rule is not None
            and node.rule.kind == "rank"
            and (node.rule.mode != "peer_average" or node.rule.below * node.points == node.points)
        }
        self.text_items = [i for i in self.rank_items if first[i].code in moving]
        # Per peers'-average leaf, the part of its explanation every peer shares (stored once per round).
        self.peers: dict[str, str] = self.scorer.peer_texts(self.results)
        self.texts = [self._texts(r) for r in self.results]  # the rank explanations as last handed out

    def _scores(self, res: Any) -> tuple[Any, ...]:
        """A result's total, grade and rank scores: a peer whose these change is re-totalled."""
        items = res.items
        return (res.total, res.grade, *(items[i].score for i in self.rank_items))

    def _texts(self, res: Any) -> tuple[str, ...]:
        # Explanations are formatted when read: each is formatted once per change and kept.
        items, peers = res.items, self.peers
        return tuple(_stored(items[i], peers) for i in self.text_items)

    def all(self) -> dict[int, EvaluationResult]:
        return {
            key: _converted(res, None, self.peers) for key, res in zip(self.keys, self.results, strict=True)
        }

    def change(self, new: EvaluationInput) -> tuple[dict[int, EvaluationResult], dict[int, dict[str, str]]]:
        """Take one evaluation's new inputs: (the results of it and of every peer one of whose scores changed,
        the new rank explanations of the peers whose scores stayed but whose explanation moved).

        A peer's result holds only its rank leaves. A peers'-average rule's stored explanations hold PEERS
        in place of the average (self.peers holds it, once per round), so a moved average moves no peer's
        stored text; the texts that do move (ranks) are handed back alone, converting whole results each
        time would cost more than all the rest of the save."""
        old = self.inputs[new.key]
        values = {
            k: new.values.get(k)
            for k in old.values.keys() | new.values.keys()
            if old.values.get(k) != new.values.get(k)
        }
        previous = {
            k: new.previous.get(k)
            for k in old.previous.keys() | new.previous.keys()
            if old.previous.get(k) != new.previous.get(k)
        }
        manual = {
            k: (_manual(new.manual[k]) if k in new.manual else None)
            for k in old.manual.keys() | new.manual.keys()
            if old.manual.get(k) != new.manual.get(k)
        }
        samples = {
            k: new.samples.get(k)
            for k in old.samples.keys() | new.samples.keys()
            if old.samples.get(k) != new.samples.get(k)
        }
        self.inputs[new.key] = new
        before = [self._scores(r) for r in self.results]
        if old.earlier != new.earlier:
            # Older years are not re-scored incrementally (they change rarely): the round is scored again.
            self.results = gc_paused(self.scorer.score)([_engine_input(self.inputs[k]) for k in self.keys])
        elif values or previous or manual or samples or old.layers != new.layers:
            self.scorer.rescore(
                self.results,
                new.region,
                values=values,
                previous=previous,
                manual=manual,
                layers=new.layers if old.layers != new.layers else None,
                samples=samples,
            )
        self.peers = self.scorer.peer_texts(self.results)
        out = {new.key: _converted(self.results[self.position[new.key]], None, self.peers)}
        explained: dict[int, dict[str, str]] = {}
        for i, res in enumerate(self.results):
            key = self.keys[i]
            texts = self._texts(res)
            if key == new.key:
                pass
            elif self._scores(res) != before[i]:
                out[key] = _converted(res, self.rank, self.peers)
            elif texts != self.texts[i]:
                explained[key] = dict(zip((res.items[j].code for j in self.text_items), texts, strict=True))
            self.texts[i] = texts
        return out, explained
