"""Every change to a survey: open it, answer it through a token, import answers, feed its rate to the data.

Each is one transaction with its audit record. Refusals say in Chinese what is wrong and write nothing.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.db import transaction
from django.utils import timezone

from lvzhi.accounts.scoping import Forbidden, Perm, rounds_for, surveys_for
from lvzhi.audit.services import acting_user_or_none, record
from lvzhi.evaluations.actions.values import do_save_value
from lvzhi.evaluations.errors import ActionError, Issue, ValidationFailed, clean_text
from lvzhi.evaluations.gateway import Sample
from lvzhi.evaluations.models import DataValue, Evaluation, Round, Source
from lvzhi.regions.models import Region
from lvzhi.schemes.errors import SchemeError
from lvzhi.surveys import tally
from lvzhi.surveys.imports import parse_responses
from lvzhi.surveys.models import (
    QuestionnaireVersion,
    ResponseSource,
    ResponseToken,
    Survey,
    SurveyRegion,
    SurveyResponse,
)
from lvzhi.surveys.questionnaire import Questionnaire, check_answers, parse_questionnaire
from lvzhi.surveys.stats import sample_size

MAX_TOKENS_PER_GROUP = 2000
MAX_QUESTIONNAIRE_BYTES = 256 * 1024  # a questionnaire is a page of questions, not a data file
FIRST_YEAR, LAST_YEAR = 2000, 2100  # a survey's window lies within these years
TOKEN_BYTES = 16  # 128 random bits: a token cannot be guessed, only handed out


@dataclass(frozen=True)
class AddedLinks:
    count: int
    group_name: str  # the group as the questionnaire names it (家长 …)


class SurveyRefused(ActionError):
    """A response the survey does not accept (bad or spent token, outside the window)."""


def _local(moment: datetime) -> str:
    return timezone.localtime(moment).strftime("%Y-%m-%d %H:%M")


def parse_or_refuse(text: str, file_name: str) -> Questionnaire:
    """The questionnaire, or ValidationFailed listing every problem with file:line."""
    try:
        return parse_questionnaire(text, file_name)
    except SchemeError as exc:
        issues = [Issue("questionnaire", f"{p.file}:{p.line}:{p.column}: {p.zh}") for p in exc.problems]
        raise ValidationFailed(issues) from None


def do_upload_questionnaire(*, acting_user: Any, file_name: str, data: bytes) -> QuestionnaireVersion:
    """Store an office's questionnaire file as a new version of its questionnaire (by its code), once the
    pure loader accepts it; any problem refuses it with file:line and stores nothing. The identical text
    uploaded again is the version already stored."""
    if not rounds_for(acting_user, Perm.MANAGE).exists():
        raise Forbidden("只有可以开启满意度调查的督导办可以上传调查问卷")
    file_name = clean_text(file_name).replace("/", "_").replace("\\", "_")[:200] or "问卷.yaml"
    if not file_name.lower().endswith((".yaml", ".yml")):
        raise ValidationFailed([Issue("file", f"{file_name}：问卷文件应为 .yaml 文件")])
    if len(data) > MAX_QUESTIONNAIRE_BYTES:
        raise ValidationFailed(
            [Issue("file", f"{file_name}：文件超过 {MAX_QUESTIONNAIRE_BYTES // 1024} KB，不像一份问卷")]
        )
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise ValidationFailed([Issue("file", f"{file_name}:{line}: 不是 UTF-8 编码的文字")]) from None
    questionnaire = parse_or_refuse(text, file_name)
    digest = hashlib.sha256(text.encode("utf-8")).hexdigest()
    with transaction.atomic():
        existing = QuestionnaireVersion.objects.filter(content_hash=digest).first()
        if existing is not None:
            return existing
        last = (
            QuestionnaireVersion.objects.select_for_update()
            .filter(code=questionnaire.code)
            .order_by("-version")
            .first()
        )
        stored = QuestionnaireVersion.objects.create(
            code=questionnaire.code,
            version=last.version + 1 if last else 1,
            name=questionnaire.name,
            file_name=file_name,
            text=text,
            content_hash=digest,
            uploaded_by=acting_user_or_none(acting_user),
        )
        record(
            actor=acting_user,
            action="survey.upload_questionnaire",
            obj=stored,
            object_repr=str(stored),
            after={
                "name": stored.name,
                "version": stored.version,
                "file_name": file_name,
                "sha256": digest,
            },
        )
    return stored


def _manage(acting_user: Any, survey: Survey) -> Survey:
    found = surveys_for(acting_user, Perm.MANAGE).filter(pk=survey.pk).first()
    if found is None:
        raise Forbidden(f"您没有管理满意度调查“{survey}”的权限")
    return found


def quota(survey: Survey) -> int:
    """Respondents each group of each region needs for the survey's margin at 95 %."""
    return sample_size(float(survey.margin))


def _new_tokens(survey: Survey, region: Region, group: str, count: int) -> list[ResponseToken]:
    return [
        ResponseToken(survey=survey, region=region, group=group, token=secrets.token_urlsafe(TOKEN_BYTES))
        for _ in range(count)
    ]


def do_open_survey(
    *,
    acting_user: Any,
    round: Round,
    regions: Sequence[Region],
    name: str,
    questionnaire_file: str,
    questionnaire_text: str,
    opens_at: datetime,
    closes_at: datetime,
    margin: Decimal,
    tokens_per_group: int | None = None,
) -> Survey:
    """Open a survey of `regions` (all in the round) with one set of response links per region and group.

    Each group of each region gets `tokens_per_group` links, by default its quota: the sample size the
    margin needs at 95 %.
    """
    if not rounds_for(acting_user, Perm.MANAGE).filter(pk=round.pk).exists():
        raise Forbidden(f"您没有管理评价轮次“{round}”的权限")
    questionnaire = parse_or_refuse(questionnaire_text, questionnaire_file)
    issues: list[Issue] = []
    name = clean_text(name)
    if not name:
        issues.append(Issue("name", "请填写调查名称"))
    if round.closed_at is not None:
        issues.append(Issue("round", f"评价轮次“{round}”已结束，不能再开启调查"))
    outside_years = [
        f"{what} {moment:%Y-%m-%d}"
        for what, moment in (("开始时间", opens_at), ("结束时间", closes_at))
        if not FIRST_YEAR <= moment.year <= LAST_YEAR
    ]
    if outside_years:
        issues.append(
            Issue(
                "opens_at", f"调查时间应在 {FIRST_YEAR} 年至 {LAST_YEAR} 年之间：{'、'.join(outside_years)}"
            )
        )
    elif closes_at <= opens_at:
        issues.append(Issue("closes_at", "结束时间应晚于开始时间"))
    if not Decimal("0.005") <= margin <= Decimal("0.5"):
        issues.append(Issue("margin", "允许误差应在 0.5% 到 50% 之间"))
    if not regions:
        issues.append(Issue("regions", "请至少选择一个区划"))
    in_round = set(Evaluation.objects.filter(round=round).values_list("region_id", flat=True))
    outside = [r.name for r in regions if r.pk not in in_round]
    if outside:
        issues.append(Issue("regions", f"以下区划不在评价轮次“{round}”中：{'、'.join(outside)}"))
    if issues:
        raise ValidationFailed(issues)
    with transaction.atomic():
        survey = Survey.objects.create(
            round=round,
            name=name,
            questionnaire_file=questionnaire_file,
            questionnaire_text=questionnaire_text,
            opens_at=opens_at,
            closes_at=closes_at,
            margin=margin,
            opened_by=acting_user_or_none(acting_user),
        )
        count = tokens_per_group if tokens_per_group is not None else quota(survey)
        if not 1 <= count <= MAX_TOKENS_PER_GROUP:
            raise ValidationFailed(
                [Issue("tokens", f"每类调查对象的链接数应在 1 到 {MAX_TOKENS_PER_GROUP} 之间")]
            )
        unique = list({r.pk: r for r in regions}.values())
        SurveyRegion.objects.bulk_create([SurveyRegion(survey=survey, region=r) for r in unique])
        ResponseToken.objects.bulk_create(
            [t for r in unique for g in questionnaire.groups for t in _new_tokens(survey, r, g.code, count)]
        )
        record(
            actor=acting_user,
            action="survey.open",
            obj=survey,
            object_repr=str(survey),
            after={
                "round": str(round),
                "questionnaire": questionnaire_file,
                "regions": [r.code for r in unique],
                "opens_at": opens_at,
                "closes_at": closes_at,
                "margin": margin,
                "links_per_group": count,
            },
        )
    return survey


def do_add_tokens(
    *, acting_user: Any, survey: Survey, region: Region, group: str, count: int, now: datetime | None = None
) -> AddedLinks:
    """More response links for one group of one region of a survey still open (a quota not reached with the
    first ones). `group` is the group's code or its name as the questionnaire gives it."""
    survey = _manage(acting_user, survey)
    now = now or timezone.now()
    if now > survey.closes_at:
        raise ValidationFailed([Issue("survey", f"调查已于 {_local(survey.closes_at)} 结束，不能再增发链接")])
    if not SurveyRegion.objects.filter(survey=survey, region=region).exists():
        raise ValidationFailed([Issue("region", f"区划“{region.name}”不在本次调查中")])
    asked = next((g for g in survey.questionnaire().groups if group in (g.code, g.name)), None)
    if asked is None:
        raise ValidationFailed([Issue("group", f"问卷中没有调查对象“{group}”")])
    if not 1 <= count <= MAX_TOKENS_PER_GROUP:
        raise ValidationFailed([Issue("count", f"链接数应在 1 到 {MAX_TOKENS_PER_GROUP} 之间")])
    with transaction.atomic():
        ResponseToken.objects.bulk_create(_new_tokens(survey, region, asked.code, count))
        record(
            actor=acting_user,
            action="survey.add_tokens",
            obj=survey,
            region_code=region.code,
            # The group by its name: the audit log is read by people (the code is the questionnaire's).
            after={"region": region.code, "group": asked.name, "count": count},
        )
    return AddedLinks(count, asked.name)


def submit_response(*, token: str, answers: Mapping[str, str], now: datetime | None = None) -> SurveyResponse:
    """Record the one response a token allows; refused (nothing written) for an unknown, altered or spent
    token, outside the survey's window, or with answers the questionnaire does not ask for."""
    now = now or timezone.now()
    with transaction.atomic():
        row = (
            ResponseToken.objects.select_for_update()
            .select_related("survey", "region")
            .filter(token=str(token)[:64])
            .first()
        )
        if row is None:
            raise SurveyRefused("答卷链接无效：链接不存在或已被改动，请使用调查组织方提供的完整链接或二维码")
        if row.used_at is not None:
            raise SurveyRefused("该链接已经提交过答卷，每个链接只能提交一次")
        survey = row.survey
        if now < survey.opens_at:
            raise SurveyRefused(f"调查尚未开始，开始时间为 {_local(survey.opens_at)}")
        if now > survey.closes_at:
            raise SurveyRefused(f"调查已于 {_local(survey.closes_at)} 结束，不再接受答卷")
        questionnaire = survey.questionnaire()
        clean = {k: str(v).strip() for k, v in answers.items() if str(v).strip()}
        problems = check_answers(questionnaire, row.group, clean)
        if problems:
            raise ValidationFailed([Issue(code, message) for code, message in problems.items()])
        row.used_at = now
        row.save(update_fields=["used_at"])
        response = SurveyResponse.objects.create(
            survey=survey,
            region=row.region,
            group=row.group,
            token=row,
            answers=clean,
            source=ResponseSource.WEB,
            submitted_at=now,
        )
        record(
            actor=None,
            action="survey.respond",
            obj=response,
            region_code=row.region.code,
            after={"group": row.group, "answers": len(clean)},
        )
    return response


def do_import_responses(
    *, acting_user: Any, survey: Survey, data: bytes, file_name: str, columns: Mapping[str, str]
) -> int:
    """Import an .xlsx of responses (one row each). Every row is checked first; any problem refuses the whole
    file (WorkbookInvalid, sheet!cell) and nothing is written."""
    survey = _manage(acting_user, survey)
    regions = list(Region.objects.filter(pk__in=SurveyRegion.objects.filter(survey=survey).values("region")))
    rows = parse_responses(data, file_name, survey.questionnaire(), regions, columns)
    now = timezone.now()
    with transaction.atomic():
        by_code = {r.code: r for r in regions}
        SurveyResponse.objects.bulk_create(
            [
                SurveyResponse(
                    survey=survey,
                    region=by_code[r.region_code],
                    group=r.group,
                    answers=r.answers,
                    source=ResponseSource.IMPORT,
                    submitted_at=now,
                )
                for r in rows
            ]
        )
        counts: dict[str, int] = {}
        for r in rows:
            counts[r.region_code] = counts.get(r.region_code, 0) + 1
        record(
            actor=acting_user,
            action="survey.import",
            obj=survey,
            after={"file": file_name, "responses": len(rows), "by_region": counts},
        )
    return len(rows)


def percent(share: float) -> Decimal:
    """A share (0..1) as the statistic stores it: in %, two decimals (the rate and its interval alike)."""
    return (Decimal(repr(share)) * 100).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def explanation(survey: Survey, rate: tally.RegionResult) -> str:
    """The note the fed value carries: where it comes from, n and the margin."""
    assert rate.total is not None
    return (
        f"满意度调查“{survey.name}”：有效答卷 n={rate.total.n}，满意度 {rate.total.rate * 100:.1f}%，"
        f"95% 置信区间 {rate.total.low * 100:.1f}%–{rate.total.high * 100:.1f}%"
        f"（±{rate.total.margin * 100:.1f} 个百分点，Wilson 区间）；"
        + "；".join(f"{g.name} n={g.rate.n}" for g in rate.groups if g.rate is not None)
    )


def do_feed_rate(*, acting_user: Any, survey: Survey, region: Region) -> DataValue:
    """Save the region's satisfaction rate (in %) as its statistic through the value-saving action, with its
    sample as data (n and the Wilson 95 % interval: every explanation of a rule reading the rate states them)
    and a note stating them for the data page."""
    survey = _manage(acting_user, survey)
    result = next((r for r in tally.survey_results(survey) if r.region.pk == region.pk), None)
    if result is None:
        raise ValidationFailed([Issue("region", f"区划“{region.name}”不在本次调查中")])
    if result.total is None:
        raise ValidationFailed([Issue("region", f"区划“{region.name}”还没有有效答卷")])
    evaluation = Evaluation.objects.select_related("round", "region").get(round=survey.round, region=region)
    current = DataValue.objects.filter(evaluation=evaluation, item_code=survey.statistic).first()
    total = result.total
    dv, _ = do_save_value(
        acting_user=acting_user,
        evaluation=evaluation,
        item_code=survey.statistic,
        value=percent(total.rate),
        expected_version=current.version if current else None,
        source=Source.SURVEY,
        note=explanation(survey, result),
        sample=Sample(total.n, percent(total.low), percent(total.high), level=95, method="wilson"),
        # The figure is measured, not typed: a change from last year is the survey's finding to keep.
        confirm_change=True,
    )
    return dv


def tokens_of(survey: Survey, region: Region | None = None) -> Iterable[ResponseToken]:
    qs = ResponseToken.objects.filter(survey=survey).select_related("region")
    return qs.filter(region=region) if region is not None else qs
