"""Excel templates and imports for a round, through the scoping helper and the evaluation actions."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.db.models import Q, QuerySet

from lvzhi.accounts.scoping import Forbidden, NotFound, Perm, evaluations_for, get_round_for
from lvzhi.entry.workbook import (
    ITEM_LAYOUT,
    REGION_LAYOUT,
    ItemRule,
    ParsedWorkbook,
    RegionRow,
    TemplateSpec,
    WorkbookInvalid,
    build_template,
    parse_workbook,
)
from lvzhi.evaluations import gateway, rescoring
from lvzhi.evaluations.actions import do_import_values, do_save_value
from lvzhi.evaluations.bulk import gc_paused
from lvzhi.evaluations.errors import ValidationFailed
from lvzhi.evaluations.models import DataValue, Evaluation, Round, Source


@dataclass(frozen=True)
class ImportResult:
    regions: int
    values_written: int
    # Values far from last year's, stored unconfirmed: "地区：说明" each, for the person to check on the rows.
    doubtful: tuple[str, ...] = ()


def item_rules(rnd: Round, codes: list[str] | None = None) -> list[ItemRule]:
    """The catalogue items a person enters for this round's scheme (or these codes), with their limits."""
    cat = gateway.catalogue()
    items = (
        gateway.asked_items(rnd.scheme_version.yaml_text)
        if codes is None
        else [cat[c] for c in codes if c in cat and cat[c].formula is None]
    )
    return [ItemRule(it.code, it.name, it.unit, it.min, it.max, it.integer) for it in items]


def item_codes_for(evaluation: Evaluation) -> list[str]:
    """The statistics one evaluation asks for, in page order: the scheme's entered items (every enterable
    catalogue item when the scheme reads none), then any other item that already holds a value.

    The data page and the one-region Excel template both list exactly these.
    """
    cat = gateway.catalogue()
    codes = [item.code for item in gateway.asked_items(evaluation.round.scheme_version.yaml_text)]
    have = set(DataValue.objects.filter(evaluation=evaluation).values_list("item_code", flat=True))
    return codes + sorted(c for c in have - set(codes) if c in cat and not cat[c].formula)


def fillable_evaluations(user: Any, rnd: Round) -> QuerySet[Evaluation]:
    """The round's evaluations this user may enter data for (its own region, or the office's)."""
    fill = evaluations_for(user, Perm.FILL).filter(round=rnd).values("pk")
    manage = evaluations_for(user, Perm.MANAGE).filter(round=rnd).values("pk")
    return (
        Evaluation.objects.filter(round=rnd)
        .filter(Q(pk__in=fill) | Q(pk__in=manage))
        .select_related("region")
        .order_by("region__code")
    )


def template_for(user: Any, round_id: Any, region_code: str | None = None) -> tuple[bytes, str]:
    """The .xlsx template (bytes, file name) for a round: one region's item rows, or all the user's regions."""
    rnd = get_round_for(user, round_id)
    evaluations = list(fillable_evaluations(user, rnd))
    if region_code is not None:
        evaluations = [e for e in evaluations if e.region.code == region_code]
        if not evaluations:
            raise NotFound("本轮次中可填报的地区")
    if not evaluations:
        raise Forbidden(f"您在评价轮次“{rnd}”中没有可填报的地区")
    current: dict[str, dict[str, Any]] = {}
    notes: dict[str, dict[str, str]] = {}
    by_pk = {e.pk: e.region.code for e in evaluations}
    for ev_id, item, value, note in DataValue.objects.filter(evaluation_id__in=list(by_pk)).values_list(
        "evaluation_id", "item_code", "value", "note"
    ):
        code = by_pk[ev_id]
        current.setdefault(code, {})[item] = value
        if note:
            notes.setdefault(code, {})[item] = note
    # 上年数值 as the pages show it: stored beside this year's value, else last year's evaluation.
    previous: dict[str, dict[str, Any]] = {
        by_pk[pk]: dict(values) for pk, values in rescoring.previous_values_many(evaluations).items()
    }
    layout = ITEM_LAYOUT if region_code is not None else REGION_LAYOUT
    spec = TemplateSpec(
        round_id=rnd.pk,
        round_name=rnd.name,
        year=rnd.year,
        items=item_rules(rnd, item_codes_for(evaluations[0]) if layout == ITEM_LAYOUT else None),
        regions=[RegionRow(e.region.code, e.region.name) for e in evaluations],
        layout=layout,
        current=current,
        previous=previous,
        notes=notes,
    )
    suffix = evaluations[0].region.name if layout == ITEM_LAYOUT else "各地区"
    return build_template(spec), f"{rnd.name}-{suffix}-填报模板.xlsx"


@gc_paused
def parse_for_round(user: Any, rnd: Round, data: bytes, name: str) -> ParsedWorkbook:
    """Validate a filled workbook against the round and the regions this user may fill (nothing written)."""
    regions = {e.region.code: e.region.name for e in fillable_evaluations(user, rnd)}
    rules = item_rules(rnd)
    scheme_codes = {r.code for r in rules}
    # A one-region template lists what that region's page shows, which may go beyond the scheme's items.
    others = [c for c, spec in gateway.catalogue().items() if not spec.formula and c not in scheme_codes]
    return parse_workbook(
        data,
        round_id=rnd.pk,
        items=rules,
        regions=regions,
        name=name,
        single_region_items=rules + item_rules(rnd, others),
    )


def import_workbook(
    user: Any,
    round_id: Any,
    data: bytes,
    name: str = "工作簿",
    progress: Callable[[int, int, str], None] | None = None,
) -> ImportResult:
    """Validate everything, then store all values in one transaction through do_import_values.

    `progress(done, total, phase)` (the background job's) hears of each phase: regions checked, then written.
    """
    rnd = get_round_for(user, round_id)
    if progress is not None:
        progress(0, 0, "校验工作簿")
    parsed = parse_for_round(user, rnd, data, name)
    codes = set(parsed.current) | set(parsed.previous)
    rows = {code: parsed.current.get(code, {}) for code in sorted(codes)}
    if progress is not None:
        progress(0, len(rows), "写入数据并重新计分")
    try:
        # One transaction for the values and the notes: a refused note undoes the values too.
        with transaction.atomic():
            imported = do_import_values(
                acting_user=user, round=rnd, rows=rows, previous=parsed.previous, source_document=name[:255]
            )
            written = imported.written + _save_notes(user, rnd, parsed.notes, name)
            if progress is not None:
                # Last chance to cancel: still inside the transaction, so a cancel undoes every write.
                progress(len(rows), len(rows), "写入数据并重新计分")
    except ValidationFailed as exc:
        # The workbook's cells passed; what remains is about the evaluations (e.g. locked after submission).
        raise WorkbookInvalid([f"{name}: {issue}" for issue in exc.issues]) from exc
    return ImportResult(len(rows), written, tuple(i.message for i in imported.doubtful))


def _save_notes(user: Any, rnd: Round, notes: dict[str, dict[str, str]], name: str) -> int:
    """Store changed notes (item-row templates) through do_save_value, keeping each value as imported."""
    changed = 0
    for code, by_item in notes.items():
        ev = Evaluation.objects.select_related("round", "region").get(round=rnd, region__code=code)
        stored = {
            dv.item_code: dv for dv in DataValue.objects.filter(evaluation=ev, item_code__in=list(by_item))
        }
        for item, note in by_item.items():
            dv = stored.get(item)
            if dv is not None and dv.note == note:
                continue
            do_save_value(
                acting_user=user,
                evaluation=ev,
                item_code=item,
                value=dv.value if dv else None,
                expected_version=dv.version if dv else None,
                source=dv.source if dv else Source.IMPORT,
                source_document=name[:255],
                note=note,
            )
            changed += 1
    return changed
