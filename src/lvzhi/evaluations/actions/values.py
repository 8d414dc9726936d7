"""The statistics of an evaluation: save one, prefill from a report, confirm prefills, import many."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any, NamedTuple

from django.db import transaction
from django.utils import timezone

from lvzhi.accounts.scoping import Forbidden, Perm, evaluations_for
from lvzhi.audit.services import acting_user_or_none, record, record_many
from lvzhi.evaluations import gateway, rescoring
from lvzhi.evaluations.actions.guards import UNSET, actor_name, require_editable
from lvzhi.evaluations.bulk import gc_paused, insert_many, update_many
from lvzhi.evaluations.errors import (
    ActionError,
    EditConflict,
    ImplausibleChange,
    Issue,
    NotEditable,
    ValidationFailed,
    clean_text,
)
from lvzhi.evaluations.locks import lock_evaluation, lock_round_evaluations
from lvzhi.evaluations.models import DataValue, Evaluation, Round, Source
from lvzhi.evaluations.validation import check_item, check_values, cross_field_issues, implausible_change
from lvzhi.evaluations.workflow import EDITABLE_STATES


def _value_snapshot(dv: DataValue | None) -> dict[str, Any] | None:
    if dv is None:
        return None
    return {
        "value": dv.value,
        "prev_value": dv.prev_value,
        "source": dv.source,
        "confirmed": dv.confirmed,
        "version": dv.version,
        **({"sample": _sample_words(dv)} if dv.sample else {}),
    }


def _sample_words(dv: DataValue) -> str:
    """A stored sample as the audit log tells it: `样本 17 份，95% 置信区间 78.23%–96.09%，误差 ±8.93 个百分点`."""
    sample = gateway.sample_of(dv.sample)
    item = gateway.catalogue().get(dv.item_code)
    return gateway.sample_text(sample, item.unit if item else "") if sample is not None else ""


def sample_after(
    dv: DataValue | None, value: Decimal | None, source: str, sample: gateway.Sample | None
) -> Any:
    """The one rule of a value's stored sample: a survey's value carries the sample it was measured on; a
    save that keeps the survey's very value (e.g. a changed note) keeps it; any other value drops it."""
    if sample is not None:
        if source != Source.SURVEY:
            raise ActionError("只有满意度调查得出的数值可以附带样本")
        if sample.n < 1 or not sample.low <= sample.high:
            raise ValidationFailed([Issue("sample", "样本数应至少为 1，置信区间下限不应高于上限")])
        return gateway.sample_json(sample)
    if dv is not None and source == Source.SURVEY == dv.source and dv.value == value:
        return dv.sample
    return None


def do_save_value(
    *,
    acting_user: Any,
    evaluation: Evaluation,
    item_code: str,
    value: Any,
    expected_version: int | None,
    prev_value: Any = UNSET,
    source: str = Source.MANUAL,
    source_sentence: str = "",
    source_document: str = "",
    note: str | None = None,
    confirm_change: bool = False,
    sample: gateway.Sample | None = None,
) -> tuple[DataValue, list[Issue]]:
    """Save one statistic if nobody changed it since `expected_version` (None: it was empty); returns warnings.

    An item the scheme scores with cannot be emptied once filled; a value far from last year's (beyond the
    item's tolerance) is refused with ImplausibleChange until the caller passes `confirm_change` (a person
    checked it). A survey's value comes with its `sample` (n and the interval), stored beside it and stated
    by every explanation of a rule reading it; a value saved otherwise drops it (sample_after).
    """
    spec = gateway.catalogue().get(item_code)
    if spec is None:
        raise ValidationFailed([Issue(item_code, f"数据项目录中没有代码为 {item_code} 的数据项")])
    parsed, issues = check_item(spec, value)
    prev_parsed: Any = UNSET
    if prev_value is not UNSET:
        prev_parsed, prev_issues = check_item(spec, prev_value)
        issues += [Issue(i.code, "上年数值：" + i.message) for i in prev_issues]
    if issues:
        raise ValidationFailed(issues)
    if source not in Source.values:
        raise ActionError(f"未知的数据来源 {source!r}")
    with transaction.atomic():
        ev = lock_evaluation(evaluation)
        # A survey's result is the office's measurement of the region, not the region's own figure.
        require_editable(acting_user, ev, Perm.MANAGE if source == Source.SURVEY else Perm.FILL)
        dv = DataValue.objects.select_for_update().filter(evaluation=ev, item_code=item_code).first()
        current_version = dv.version if dv else None
        if (expected_version or None) != current_version:
            raise EditConflict(
                item_code=item_code,
                expected_version=expected_version,
                current_version=current_version or 0,
                current_value=dv.value if dv else None,
                changed_by=actor_name(dv.updated_by) if dv and dv.updated_by else "他人",
                changed_at=dv.updated_at if dv else None,
                your_value=value,
                item_name=spec.name,
            )
        # An item the scheme scores with (or a required one) is corrected, never emptied: an empty value
        # would silently unscore the indicators that read it.
        info = gateway.scheme_info(ev.round.scheme_version.yaml_text)
        scored_with = spec.required or item_code in info.item_codes
        if parsed is None and dv is not None and dv.value is not None and scored_with:
            raise ValidationFailed(
                [Issue(item_code, f"“{spec.name}”是评分需要的数据项，不能清空；如需更正，请直接填写新的数值")]
            )
        last_year = (
            prev_parsed
            if prev_parsed is not UNSET
            else dv.prev_value
            if dv is not None and dv.prev_value is not None
            else rescoring.previous_values(ev).get(item_code)
        )
        implausible = implausible_change(spec, parsed, last_year)
        if implausible is not None and not confirm_change:
            raise ImplausibleChange(implausible)
        before = _value_snapshot(dv)
        kept_sample = sample_after(dv, parsed, source, sample)
        if dv is None:
            dv = DataValue(evaluation=ev, item_code=item_code, version=0)
        dv.sample = kept_sample
        dv.value = parsed
        if prev_parsed is not UNSET:
            dv.prev_value = prev_parsed
        dv.source = source
        dv.confirmed = source != Source.PREFILL
        dv.source_sentence = clean_text(source_sentence) if source == Source.PREFILL else ""
        dv.source_document = source_document
        if note is not None:
            dv.note = clean_text(note)
        dv.version += 1
        dv.updated_by = acting_user_or_none(acting_user)
        dv.save()
        record(
            actor=acting_user,
            action="value.save",
            obj=dv,
            object_repr=f"{ev} · {spec.name}",
            region_code=ev.region.code,
            before=before,
            after={**(_value_snapshot(dv) or {}), **({"change_confirmed": True} if implausible else {})},
        )
        rescoring.rescore(ev)
        current = dict(DataValue.objects.filter(evaluation=ev).values_list("item_code", "value"))
        warnings = [
            Issue(i.code, i.message, blocking=False)
            for i in cross_field_issues(current, rescoring.previous_values(ev))
        ]
        return dv, warnings


def do_confirm_value(
    *, acting_user: Any, evaluation: Evaluation, item_code: str, expected_version: int
) -> DataValue:
    """Confirm a value prefilled from a report (a person vouches for it)."""
    return do_confirm_values(
        acting_user=acting_user, evaluation=evaluation, versions={item_code: expected_version}
    )[0]


def do_confirm_values(
    *, acting_user: Any, evaluation: Evaluation, versions: Mapping[str, int]
) -> list[DataValue]:
    """Confirm prefilled values the person reviewed, each at the version shown to them (all or none)."""
    cat = gateway.catalogue()
    with transaction.atomic():
        ev = lock_evaluation(evaluation)
        require_editable(acting_user, ev, Perm.FILL)
        rows = {
            dv.item_code: dv
            for dv in DataValue.objects.select_for_update().filter(
                evaluation=ev, item_code__in=list(versions)
            )
        }
        entries: list[dict[str, Any]] = []
        confirmed: list[DataValue] = []
        for item_code, expected_version in versions.items():
            dv = rows.get(item_code)
            name = cat[item_code].name if item_code in cat else item_code
            if dv is None:
                raise ActionError(f"“{name}”尚无数值，无需确认")
            if dv.version != expected_version:
                raise EditConflict(
                    item_code=item_code,
                    expected_version=expected_version,
                    current_version=dv.version,
                    current_value=dv.value,
                    changed_by=actor_name(dv.updated_by),
                    changed_at=dv.updated_at,
                    item_name=name,
                )
            if dv.confirmed:
                continue
            before = _value_snapshot(dv)
            dv.confirmed = True
            dv.version += 1
            dv.updated_by = acting_user
            dv.save()
            confirmed.append(dv)
            entries.append(
                {
                    "action": "value.confirm",
                    "obj": dv,
                    "object_repr": f"{ev} · {name}",
                    "region_code": ev.region.code,
                    "before": before,
                    "after": _value_snapshot(dv),
                }
            )
        record_many(actor=acting_user, entries=entries)
        return confirmed or [rows[c] for c in versions]


class _Stored(NamedTuple):
    """A stored value as the import compares it."""

    pk: int
    value: Decimal | None
    prev_value: Decimal | None
    version: int


class _NewValue(NamedTuple):
    """A DataValue row to insert; the field names are the model's, in the order of the bulk insert."""

    evaluation: int
    item_code: str
    value: Decimal | None
    prev_value: Decimal | None
    source: str
    source_sentence: str
    source_document: str
    confirmed: bool
    note: str
    version: int
    updated_by: int | None
    updated_at: datetime


class _ChangedValue(NamedTuple):
    """New contents of a stored DataValue row; the primary key last, as the bulk update takes it."""

    value: Decimal | None
    prev_value: Decimal | None
    source: str
    source_sentence: str
    source_document: str
    confirmed: bool
    sample: Any  # an imported value was not measured on a sample: always None (sample_after)
    version: int
    updated_by: int | None
    updated_at: datetime
    pk: int


@dataclass(frozen=True)
class _CheckedImport:
    """An import that passed every check: the evaluations by region code and their parsed values."""

    evaluations: dict[str, Evaluation]
    values: dict[str, dict[str, Decimal | None]]
    previous: dict[str, dict[str, Decimal | None]]


def _check_import(
    acting_user: Any,
    round: Round,
    rows: Mapping[str, Mapping[str, Any]],
    previous: Mapping[str, Mapping[str, Any]],
) -> _CheckedImport:
    """Permission, state and every value of every region, before anything is written."""
    evaluations = {
        ev.region.code: ev
        for ev in Evaluation.objects.filter(round=round, region__code__in=list(rows)).select_related(
            "region", "round"
        )
    }
    # One query per permission for the whole round, not two per region.
    allowed = set(evaluations_for(acting_user, Perm.FILL).filter(round=round).values_list("pk", flat=True))
    allowed |= set(evaluations_for(acting_user, Perm.MANAGE).filter(round=round).values_list("pk", flat=True))
    issues = [Issue(code, f"区划 {code} 不在评价轮次“{round}”中") for code in rows if code not in evaluations]
    values: dict[str, dict[str, Decimal | None]] = {}
    last_year: dict[str, dict[str, Decimal | None]] = {}
    for code, ev in evaluations.items():
        if ev.pk not in allowed:
            raise Forbidden(f"您没有填报“{ev}”的权限")
        if ev.state not in EDITABLE_STATES:
            issues.append(Issue(code, f"“{ev}”当前状态为“{ev.state}”，数据已锁定"))
        values[code], found = check_values(rows[code])
        issues += [Issue(f"{code}/{i.code}", i.message) for i in found]
        last_year[code], found = check_values(previous.get(code, {}))
        issues += [Issue(f"{code}/{i.code}", "上年数值：" + i.message) for i in found]
    if issues:
        raise ValidationFailed(issues)
    return _CheckedImport(evaluations, values, last_year)


@dataclass(frozen=True)
class Imported:
    """What an import stored: the values written, and those far from last year's (implausible_change)."""

    written: int
    # Stored unconfirmed, like a typed value awaiting 确认无误并保存: the row shows why and asks to confirm.
    doubtful: list[Issue]


@gc_paused
def do_import_values(
    *,
    acting_user: Any,
    round: Round,
    rows: Mapping[str, Mapping[str, Any]],
    previous: Mapping[str, Mapping[str, Any]] | None = None,
    source: str = Source.IMPORT,
    source_document: str = "",
) -> Imported:
    """Store many regions' values at once (Excel import): all checked first, nothing written on any error.

    A value far from last year's is stored but left unconfirmed, with its reason among `doubtful`: an import
    cannot stop to ask, as the page does for a typed value, and must not store it as if it were checked."""
    checked = _check_import(acting_user, round, rows, previous or {})
    user_id = acting_user.pk if getattr(acting_user, "pk", None) else None
    now = timezone.now()
    written = 0
    with transaction.atomic():
        locked = lock_round_evaluations(round, [e.pk for e in checked.evaluations.values()])
        if any(e.state not in EDITABLE_STATES for e in locked):
            raise NotEditable("导入期间有评价的状态已改变，请重新导入")
        existing = {
            (ev_id, item): _Stored(pk, value, prev, version)
            for pk, ev_id, item, value, prev, version in DataValue.objects.filter(
                evaluation__in=locked
            ).values_list("pk", "evaluation_id", "item_code", "value", "prev_value", "version")
        }
        to_create: list[_NewValue] = []
        to_update: list[_ChangedValue] = []
        entries: list[dict[str, Any]] = []
        doubtful: list[Issue] = []
        catalogue = gateway.catalogue()
        last_years = rescoring.previous_values_many(list(checked.evaluations.values()))
        for code, ev in checked.evaluations.items():
            values, last_year = checked.values[code], checked.previous[code]
            before: dict[str, Any] = {}
            after: dict[str, Any] = {}
            for item in sorted(set(values) | set(last_year)):
                old = existing.get((ev.pk, item))
                new_value = values.get(item, old.value if old else None)
                new_prev = last_year.get(item, old.prev_value if old else None)
                if old is not None and (old.value, old.prev_value) == (new_value, new_prev):
                    continue
                spec = catalogue.get(item)
                far = (
                    implausible_change(
                        spec, new_value, new_prev if new_prev is not None else last_years[ev.pk].get(item)
                    )
                    if spec is not None and item in values
                    else None
                )
                if far is not None:
                    doubtful.append(
                        Issue(f"{code}/{item}", f"{ev.region.name}：{far.message}", blocking=False)
                    )
                if old is None:
                    to_create.append(
                        _NewValue(
                            ev.pk,
                            item,
                            new_value,
                            new_prev,
                            source,
                            "",
                            source_document,
                            far is None,
                            "",
                            1,
                            user_id,
                            now,
                        )
                    )
                else:
                    before[item] = old.value
                    to_update.append(
                        _ChangedValue(
                            new_value,
                            new_prev,
                            source,
                            "",
                            source_document,
                            far is None,
                            sample_after(None, new_value, source, None),
                            old.version + 1,
                            user_id,
                            now,
                            old.pk,
                        )
                    )
                after[item] = new_value
            if after:
                written += len(after)
                entries.append(
                    {
                        "action": "value.import",
                        "obj": ev,
                        "region_code": ev.region.code,
                        "object_repr": f"{ev} · 导入 {len(after)} 项",
                        "before": before,
                        "after": after,
                    }
                )
        insert_many(DataValue, list(_NewValue._fields), list(to_create))
        update_many(DataValue, list(_ChangedValue._fields[:-1]), list(to_update))
        record_many(actor=acting_user, entries=entries)
        rescoring.rescore_round(round)
    return Imported(written, doubtful)


@dataclass(frozen=True)
class Prefill:
    """A figure read from a report for one catalogue item, with the sentence that states it."""

    item_code: str
    value: Decimal
    sentence: str
    doubt: str = ""  # the reader's reason to look twice, saved as the value's note


@dataclass(frozen=True)
class PrefillOutcome:
    written: list[str]  # item codes saved as unconfirmed prefills
    kept: list[str]  # item codes whose value a person entered or confirmed: never overwritten


def do_prefill_values(
    *, acting_user: Any, evaluation: Evaluation, figures: Sequence[Prefill], source_document: str
) -> PrefillOutcome:
    """Save the figures read from a report as unconfirmed prefills, in one transaction: all or none.

    A value a person entered or confirmed is kept. A figure far from last year's is saved (flagged on its
    row, the person confirms it); any figure refused otherwise writes nothing, and the error names each.
    """
    with transaction.atomic():
        ev = lock_evaluation(evaluation)
        require_editable(acting_user, ev, Perm.FILL)
        current = {dv.item_code: dv for dv in DataValue.objects.filter(evaluation=ev)}
        written: list[str] = []
        kept: list[str] = []
        problems: list[Issue] = []
        for f in figures:
            dv = current.get(f.item_code)
            if dv is not None and dv.value is not None and dv.confirmed:
                kept.append(f.item_code)
                continue
            try:
                do_save_value(
                    acting_user=acting_user,
                    evaluation=ev,
                    item_code=f.item_code,
                    value=f.value,
                    expected_version=dv.version if dv else None,
                    source=Source.PREFILL,
                    source_sentence=f.sentence,
                    source_document=source_document,
                    note=f"存疑：{f.doubt}" if f.doubt else None,
                    confirm_change=True,
                )
            except ValidationFailed as exc:
                problems += exc.issues
            except ActionError as exc:
                problems.append(Issue(f.item_code, str(exc)))
            else:
                written.append(f.item_code)
        if problems:
            raise ValidationFailed(problems)
        return PrefillOutcome(written, kept)
