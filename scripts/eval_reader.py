"""Score the report reader against hand-made gold annotations, per split.

Usage: ``.venv/bin/python scripts/eval_reader.py [SEEDS_DIR] [--errors] [--split=seeds|train|heldout]``.

Three splits are printed separately:

* 种子 (seeds) — the five seed reports, gold in ``../shared/seeds/gold`` (never copied);
* 语料-训练 (corpus-train) — documents of ``../shared/corpus`` annotated in ``tests/reader/gold`` that rules
  may be written against;
* 语料-留出 (corpus-held-out) — the annotated corpus documents listed in ``tests/reader/gold/HELDOUT``,
  only measured.

A corpus file starts with a three-line header (SOURCE/TITLE/DOCTYPE) that is not part of the published
text: it is blanked (same length, so the gold offsets hold) before the reader sees the text.
Importable: ``evaluate(seeds_dir)`` and ``evaluate_corpus(split)`` return the figures the tests assert.
"""

from __future__ import annotations

import json
import sys
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

from lvzhi.reader.model import Analysis, Claim
from lvzhi.reader.pipeline import analyse

REPO = Path(__file__).resolve().parents[1]
DEFAULT_SEEDS = REPO / ".." / "shared" / "seeds"
DEFAULT_CORPUS = REPO / ".." / "shared" / "corpus"
CORPUS_GOLD = REPO / "tests" / "reader" / "gold"
FIELDS = ("qualifier", "kind", "year", "metric", "direction")


@dataclass
class Score:
    """Counts behind every figure the script prints."""

    headings_gold: int = 0
    headings_pred: int = 0
    headings_hit: int = 0
    titles_hit: int = 0
    boilerplate_gold: int = 0
    boilerplate_found: int = 0
    boilerplate_pred: int = 0
    claims_gold: int = 0
    claims_pred: int = 0
    claims_hit: int = 0
    field_hits: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    field_total: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    metric_partial: int = 0  # predicted metric contained in the gold one or vice versa
    checks_gold: int = 0
    checks_found: int = 0
    checks_right_verdict: int = 0
    checks_pred: int = 0
    inconsistent_gold: int = 0
    inconsistent_found: int = 0
    false_inconsistencies: int = 0
    unconfirmed: int = 0
    documents: int = 0
    prefill_gold: int = 0
    prefill_pred: int = 0
    prefill_hit: int = 0
    prefill_sure_pred: int = 0  # offered without a doubt
    prefill_sure_hit: int = 0
    errors: list[str] = field(default_factory=list)

    @staticmethod
    def _f1(hit: int, gold: int, pred: int) -> tuple[float, float, float]:
        p = hit / pred if pred else 1.0
        r = hit / gold if gold else 1.0
        return p, r, (2 * p * r / (p + r) if p + r else 0.0)

    @property
    def headings(self) -> tuple[float, float, float]:
        """Precision, recall and F1 of headings (same start, level and marker)."""
        return self._f1(self.headings_hit, self.headings_gold, self.headings_pred)

    @property
    def claims(self) -> tuple[float, float, float]:
        """Precision, recall and F1 of claims (overlapping span, equal value and unit)."""
        return self._f1(self.claims_hit, self.claims_gold, self.claims_pred)

    def field_accuracy(self, name: str) -> float:
        """Share of matched claims whose ``name`` equals the gold."""
        total = self.field_total[name]
        return self.field_hits[name] / total if total else 1.0


def _load(seeds: Path, name: str) -> dict[str, list[dict[str, Any]]]:
    by_file: dict[str, list[dict[str, Any]]] = defaultdict(list)
    with open(seeds / "gold" / name, encoding="utf-8") as fh:
        for line in fh:
            if line.strip():
                row = json.loads(line, parse_float=Decimal)
                by_file[row["file"]].append(row)
    return by_file


def _year(value: Any) -> Any:
    return int(value) if isinstance(value, Decimal) else value


def _score_claims(score: Score, name: str, text: str, gold: list[dict[str, Any]], pred: list[Claim]) -> None:
    used: set[int] = set()
    score.claims_gold += len(gold)
    score.claims_pred += len(pred)
    for g in gold:
        match = None
        for i, p in enumerate(pred):
            if i in used or p.end <= g["start"] or p.start >= g["end"]:
                continue
            if p.value == g["value"] and p.unit == g["unit"]:
                match = i
                break
        if match is None:
            ctx = text[max(0, g["start"] - 12) : g["end"] + 4].replace("\n", "⏎")
            score.errors.append(f"{name} 漏 {g['start']} {g['surface']} {g['value']} {g['unit']} «{ctx}»")
            continue
        used.add(match)
        score.claims_hit += 1
        p = pred[match]
        if p.metric and (p.metric in g["metric"] or g["metric"] in p.metric):
            score.metric_partial += 1
        for fname in FIELDS:
            if fname == "direction" and g["kind"] != "growth":
                continue
            score.field_total[fname] += 1
            want = _year(g.get(fname)) if fname == "year" else g.get(fname)
            got = getattr(p, fname)
            if got == want:
                score.field_hits[fname] += 1
            else:
                score.errors.append(f"{name} {fname} {g['start']} {g['surface']}: 得 {got!r} 应 {want!r}")
    for i, p in enumerate(pred):
        if i not in used:
            ctx = text[max(0, p.start - 12) : p.end + 4].replace("\n", "⏎")
            score.errors.append(f"{name} 多 {p.start} {p.surface} {p.value} {p.unit} «{ctx}»")


def _score_file(
    score: Score, name: str, text: str, a: Analysis, gold: dict[str, list[dict[str, Any]]]
) -> None:
    heads = [s for s in gold["sections"] if "marker" in s]
    spans = [s for s in gold["sections"] if s.get("kind") == "boilerplate"]
    score.headings_gold += len(heads)
    score.headings_pred += len(a.sections)
    pred_heads = {(s.start, s.level, s.marker): s for s in a.sections}
    for h in heads:
        key = (int(h["start"]), int(h["level"]), h["marker"])
        if key in pred_heads:
            score.headings_hit += 1
            if pred_heads[key].title == h["title"]:
                score.titles_hit += 1
            else:
                score.errors.append(f"{name} 标题 {key}: 得 {pred_heads.pop(key).title!r} 应 {h['title']!r}")
                continue
            pred_heads.pop(key)
        else:
            score.errors.append(f"{name} 漏标题 {key} {h['title']}")
    for key in pred_heads:
        score.errors.append(f"{name} 多标题 {key} {pred_heads[key].title}")
    score.boilerplate_gold += len(spans)
    score.boilerplate_pred += len(a.boilerplate)
    pred_spans = {(b.start, b.end) for b in a.boilerplate}
    for s in spans:
        if (int(s["start"]), int(s["end"])) in pred_spans:
            score.boilerplate_found += 1
        else:
            score.errors.append(f"{name} 漏样板 {s['start']}-{s['end']} 得 {sorted(pred_spans)}")
    _score_claims(score, name, text, gold["claims"], a.claims)
    checks = gold["checks"]
    score.checks_gold += len(checks)
    score.checks_pred += len(a.checks)
    gold_inconsistent = {int(k["start"]) for k in checks if not k["consistent"]}
    score.inconsistent_gold += len(gold_inconsistent)
    score.inconsistent_found += len(gold_inconsistent & {c.start for c in a.checks if c.alarm})
    score.unconfirmed += sum(1 for c in a.checks if c.doubt)
    for k in checks:
        hits = [c for c in a.checks if c.start == int(k["start"])]
        if hits:
            score.checks_found += 1
            # A check the reader cannot confirm is not a verdict against a gold inconsistency, nor an alarm.
            if any(c.consistent == k["consistent"] and (c.consistent or c.alarm) for c in hits):
                score.checks_right_verdict += 1
            else:
                score.errors.append(f"{name} 核验结论错 {k['start']} {k['quote']}")
        else:
            score.errors.append(f"{name} 漏核验 {k['start']} {k['kind']} {k['quote']}")
    for c in a.checks:
        if c.alarm and c.start not in gold_inconsistent:
            score.false_inconsistencies += 1
            score.errors.append(f"{name} 误报不一致 {c.start} {c.kind} {c.message}")


def evaluate(seeds_dir: Path = DEFAULT_SEEDS) -> Score:
    """Run the reader on every seed report and score it against the gold."""
    gold = {n: _load(seeds_dir, f"{n}.jsonl") for n in ("sections", "claims", "checks")}
    score = Score()
    statistics = _seed_statistics(seeds_dir)
    for path in sorted(seeds_dir.glob("*.txt")):
        text = path.read_text(encoding="utf-8")
        per_file = {n: gold[n].get(path.name, []) for n in gold}
        a = analyse(text)
        _score_file(score, path.name[:3], text, a, per_file)
        if path.name in statistics:
            year, values = statistics[path.name]
            _score_prefill(score, path.name[:3], text, a, values, year)
        score.documents += 1
    return score


def blank_header(text: str) -> str:
    """The corpus text with its SOURCE/TITLE/DOCTYPE header replaced by spaces (offsets unchanged)."""
    end = text.index("\n\n") + 2 if text.startswith("SOURCE:") else 0
    return "".join(ch if ch == "\n" else " " for ch in text[:end]) + text[end:]


def corpus_gold(name: str, gold_dir: Path = CORPUS_GOLD) -> dict[str, list[dict[str, Any]]]:
    """One corpus document's gold rows, split as the seeds' three files (a row's keys tell its kind)."""
    rows: dict[str, list[dict[str, Any]]] = {"sections": [], "claims": [], "checks": [], "statistics": []}
    with open(gold_dir / f"{Path(name).stem}.jsonl", encoding="utf-8") as fh:
        for line in fh:
            if line.strip():
                row = json.loads(line, parse_float=Decimal)
                kind = (
                    "checks"
                    if "quote" in row
                    else "claims"
                    if "surface" in row
                    else "statistics"
                    if "statistic" in row
                    else "sections"
                )
                rows[kind].append(row)
    return rows


def held_out(gold_dir: Path = CORPUS_GOLD) -> set[str]:
    """The held-out documents (file names), fixed before any rule was written against the corpus."""
    lines = (gold_dir / "HELDOUT").read_text(encoding="utf-8").splitlines()
    return {line.strip() for line in lines if line.strip() and not line.startswith("#")}


def corpus_split(split: str, gold_dir: Path = CORPUS_GOLD) -> list[str]:
    """Annotated corpus documents of ``split`` ("train" or "heldout"), by file name."""
    names = sorted(p.stem + ".txt" for p in gold_dir.glob("*.jsonl"))
    out = held_out(gold_dir)
    return [n for n in names if (n in out) == (split == "heldout")]


def _score_prefill(
    score: Score, name: str, text: str, a: Analysis, gold: dict[str, Decimal], year: int
) -> None:
    """Prefill against the statistics a person would enter: same item, same value in the item's unit."""
    from lvzhi.reader.statistics_map import prefill

    score.prefill_gold += len(gold)
    for cand in prefill(a, year=year):
        right = gold.get(cand.code) == cand.value
        score.prefill_pred += 1
        score.prefill_hit += right
        if not cand.doubt:
            score.prefill_sure_pred += 1
            score.prefill_sure_hit += right
        if not right:
            score.errors.append(
                f"{name} 预填错 {cand.code} {cand.value} «{cand.surface}» 应 {gold.get(cand.code)}"
            )
    found = {c.code for c in prefill(a, year=year)}
    for code in gold.keys() - found:
        score.errors.append(f"{name} 预填漏 {code} {gold[code]}")


def _seed_statistics(seeds_dir: Path) -> dict[str, tuple[int, dict[str, Decimal]]]:
    """Per seed report: the year evaluated and the statistics its seed data file read from its text."""
    out: dict[str, tuple[int, dict[str, Decimal]]] = {}
    for path in sorted((REPO / "src" / "lvzhi" / "data" / "seeds").glob("*.json")):
        data = json.loads(path.read_text(encoding="utf-8"), parse_float=Decimal)
        for region in data["regions"]:
            sources = region["sources"]
            if not sources:
                continue
            report = next(iter(sources.values()))["file"]
            values = {code: Decimal(str(region["values"][code])) for code in sources}
            out[report] = (int(data["year"]), values)
    return out


def evaluate_corpus(split: str, corpus_dir: Path = DEFAULT_CORPUS, gold_dir: Path = CORPUS_GOLD) -> Score:
    """Run the reader on the annotated corpus documents of one split and score them against their gold."""
    score = Score()
    years = {
        d["file"]: int(d["year"])
        for d in json.loads((corpus_dir / "manifest.json").read_text(encoding="utf-8"))
    }
    for name in corpus_split(split, gold_dir):
        text = blank_header((corpus_dir / name).read_text(encoding="utf-8"))
        gold = corpus_gold(name, gold_dir)
        a = analyse(text)
        _score_file(score, name[:3], text, a, gold)
        statistics = {row["statistic"]: Decimal(str(row["value"])) for row in gold["statistics"]}
        _score_prefill(score, name[:3], text, a, statistics, years[name])
        score.documents += 1
    return score


def report(score: Score) -> str:
    """The figures as printed lines (Chinese labels, as the CLI)."""
    hp, hr, hf = score.headings
    cp, cr, cf = score.claims
    lines = [
        f"标题 (headings)        P={hp:.3f} R={hr:.3f} F1={hf:.3f}  ({score.headings_hit}/{score.headings_gold}, 预测 {score.headings_pred}); 标题文字一致 {score.titles_hit}",
        f"样板 (boilerplate)     找到 {score.boilerplate_found}/{score.boilerplate_gold} (精确起止), 预测 {score.boilerplate_pred}",
        f"数字 (claims)          P={cp:.3f} R={cr:.3f} F1={cf:.3f}  (匹配 {score.claims_hit}, 标注 {score.claims_gold}, 预测 {score.claims_pred})",
        "字段准确率 (per field)  "
        + ", ".join(f"{n}={score.field_accuracy(n):.3f}" for n in FIELDS)
        + f"; metric 包含关系 (contained either way) {score.metric_partial / max(score.claims_hit, 1):.3f}",
        f"核验 (checks)          找到 {score.checks_found}/{score.checks_gold}, 结论正确 {score.checks_right_verdict}/{score.checks_gold}, 预测 {score.checks_pred}",
        f"不一致 (inconsistencies) 找到 {score.inconsistent_found}/{score.inconsistent_gold}",
        f"误报不一致 (false inconsistencies) {score.false_inconsistencies}; 无法确认 (unconfirmed, not alarms) {score.unconfirmed}",
        f"预填 (prefill)         P={score.prefill_hit / max(score.prefill_pred, 1):.3f} R={score.prefill_hit / max(score.prefill_gold, 1):.3f}"
        f"  (正确 {score.prefill_hit}, 预填 {score.prefill_pred}, 应填 {score.prefill_gold});"
        f" 无疑问者 P={score.prefill_sure_hit / max(score.prefill_sure_pred, 1):.3f} ({score.prefill_sure_hit}/{score.prefill_sure_pred})",
    ]
    return "\n".join(lines)


SPLITS = {
    "seeds": "种子 (seeds)",
    "train": "语料-训练 (corpus-train)",
    "heldout": "语料-留出 (corpus-held-out)",
}


def main(argv: list[str]) -> int:
    """Print the scores of every split (or of ``--split=NAME``); ``--errors`` also lists every miss."""
    args = [a for a in argv if not a.startswith("--")]
    chosen = [a.split("=", 1)[1] for a in argv if a.startswith("--split=")] or list(SPLITS)
    for split in chosen:
        if split == "seeds":
            score = evaluate(Path(args[0]) if args else DEFAULT_SEEDS)
        else:
            score = evaluate_corpus(split)
        print(f"== {SPLITS[split]}: {score.documents} 篇")
        print(report(score))
        if "--errors" in argv:
            print("\n".join(score.errors))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
