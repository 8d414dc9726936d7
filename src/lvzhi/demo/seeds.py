"""Statistics of the five seed regions for the demo: read from their self-evaluation reports.

The report reader (lvzhi.reader) finds the figures in each report and maps them to catalogue items; each
value keeps the sentence it came from, so the data-entry page can show it beside the prefilled number.
When the reports are not beside the repository (../shared/seeds) or the reader cannot map them, the
figures come from the curated seed data files (src/lvzhi/data/seeds), which carry the same sentences; the
demo says which source it used.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

from lvzhi.evaluations.gateway import catalogue


@dataclass(frozen=True)
class SeedValue:
    code: str
    value: Decimal
    previous: Decimal | None
    sentence: str
    document: str


def default_report_dir() -> Path | None:
    """../shared/seeds beside the repository, if present."""
    here = Path(__file__).resolve()
    for parent in here.parents:
        candidate = parent.parent / "shared" / "seeds"
        if (parent / "pyproject.toml").is_file() and candidate.is_dir():
            return candidate
    return None


def _from_data_file(data: dict[str, Any]) -> list[SeedValue]:
    cat = catalogue()
    region = data["regions"][0]
    out = []
    for code, value in region["values"].items():
        spec = cat.get(code)
        if spec is None or spec.formula:
            continue
        src = region.get("sources", {}).get(code, {})
        prev = region.get("previous", {}).get(code)
        out.append(
            SeedValue(
                code=code,
                value=Decimal(str(value)),
                previous=None if prev is None else Decimal(str(prev)),
                sentence=str(src.get("sentence", "")),
                document=str(src.get("file", "")),
            )
        )
    return out


def values_for(
    seed: dict[str, Any], data: dict[str, Any], report_dir: Path | None
) -> tuple[str, list[SeedValue]]:
    """(where the figures came from, the figures) for one seed region."""
    found = _from_reader(seed, int(data["year"]), report_dir or default_report_dir())
    if found:
        return (
            "种子地区的统计数据由报告阅读器从自评报告（../shared/seeds）中读出并预填，附原句，待填报员逐项核对确认。",
            found,
        )
    return (
        "未找到 ../shared/seeds 中的自评报告：种子地区的统计数据取自整理好的种子数据文件 src/lvzhi/data/seeds，附报告原句。",
        _from_data_file(data),
    )


def _from_reader(seed: dict[str, Any], year: int, report_dir: Path | None) -> list[SeedValue]:
    """Figures the report reader finds in the seed's report (see lvzhi.entry.prefill); [] without the report."""
    if report_dir is None:
        return []
    reports = sorted(report_dir.glob(f"{seed['report']}*.txt"))
    if not reports:
        return []
    from lvzhi.entry.prefill import figures, report_title
    from lvzhi.reader.extract import extract

    text = extract(reports[0]).text
    title = report_title(text, reports[0].name)
    return [SeedValue(f.code, f.value, None, f.sentence, title) for f in figures(text, year)]
