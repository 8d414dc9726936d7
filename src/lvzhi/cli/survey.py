"""CLI of satisfaction surveys: `lvzhi survey open/list/results/links/add-links/import/feed`.

Every command acts as the user named by `--as`, through the scoping helper and the surveys actions the web
pages use; a refusal prints the action's Chinese message and exits with code 1.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Annotated, Any

import typer

from lvzhi.cli.acting import django_setup, operator_named, refuse, run_action
from lvzhi.cli.office import AS, deadline

SURVEY = Annotated[int, typer.Option("--survey", help="调查编号 (survey id)")]


def register(app: typer.Typer) -> None:
    survey = typer.Typer(
        help="满意度调查 (surveys)：开启、结果、链接、导入答卷、写入数据。", no_args_is_help=True
    )
    survey.command("open")(survey_open)
    survey.command("list")(survey_list)
    survey.command("results")(survey_results)
    survey.command("links")(survey_links)
    survey.command("add-links")(survey_add_links)
    survey.command("import")(survey_import)
    survey.command("feed")(survey_feed)
    app.add_typer(survey, name="survey")


def _survey(user: Any, survey_id: int, perm: str = "view") -> Any:
    from lvzhi.accounts.scoping import get_survey_for

    return run_action(get_survey_for, user=user, survey_id=survey_id, perm=perm)


def _survey_region(survey: Any, code: str) -> Any:
    """The survey's region of this code, or a refusal naming it."""
    from lvzhi.surveys.models import SurveyRegion

    sr = SurveyRegion.objects.filter(survey=survey, region__code=code).select_related("region").first()
    if sr is None:
        raise refuse(f"区划 {code} 不在本次调查中")
    return sr


def survey_open(
    acting: AS,
    round_id: Annotated[int, typer.Option("--round", help="评价轮次编号")],
    questionnaire: Annotated[
        str,
        typer.Option(
            "--questionnaire",
            help="问卷：文件路径 (.yaml)，或已有问卷 CODE[@VERSION]（上传的问卷及其版本）或内置问卷文件名",
        ),
    ],
    name: Annotated[str, typer.Option("--name", help="调查名称")],
    opens: Annotated[str, typer.Option("--opens", help="开始时间，如 2026-05-01T08:00")],
    closes: Annotated[str, typer.Option("--closes", help="结束时间（只写日期为当天 23:59:59）")],
    margin: Annotated[str, typer.Option("--margin", help="允许误差（百分点，95% 置信水平）")] = "5",
    links: Annotated[int | None, typer.Option("--links", help="每类对象的链接数（默认为所需样本量）")] = None,
    regions: Annotated[str, typer.Option("--regions", help="区划代码，逗号分隔（默认为轮次全部区划）")] = "",
) -> None:
    """开启满意度调查 (open a survey for regions of a round)."""
    django_setup()
    from lvzhi.accounts.scoping import get_round_for
    from lvzhi.evaluations.models import Evaluation
    from lvzhi.surveys.actions import do_open_survey

    user = operator_named(acting)
    rnd = run_action(get_round_for, user=user, round_id=round_id, perm="manage")
    codes = [c.strip() for c in regions.split(",") if c.strip()]
    chosen = [e.region for e in Evaluation.objects.filter(round=rnd).select_related("region")]
    if codes:
        chosen = [r for r in chosen if r.code in codes]
        if len(chosen) != len(set(codes)):
            raise refuse("--regions 中有不属于该评价轮次的区划代码")
    file_name, text = _questionnaire(questionnaire)
    try:
        share = Decimal(margin) / 100
    except InvalidOperation:
        raise refuse("--margin 应为数字（百分点）") from None
    opens_at, closes_at = deadline(opens, "--opens"), deadline(closes, "--closes")
    if opens_at is None or closes_at is None:
        raise refuse("请给出 --opens 和 --closes")
    survey = run_action(
        do_open_survey,
        acting_user=user,
        round=rnd,
        regions=chosen,
        name=name,
        questionnaire_file=file_name,
        questionnaire_text=text,
        opens_at=opens_at,
        closes_at=closes_at,
        margin=share,
        tokens_per_group=links,
    )
    typer.echo(f"已开启满意度调查 {survey.pk}“{survey}”，{len(chosen)} 个区划。")


def _questionnaire(reference: str) -> tuple[str, str]:
    """(file name, text) of the questionnaire `--questionnaire` names: a file on disk, else a stored one
    (lvzhi.surveys.library.named: CODE, CODE@VERSION or a shipped file's name)."""
    from lvzhi.surveys import library

    path = Path(reference)
    if path.is_file():
        try:
            return path.name, path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise refuse(f"无法读取问卷文件 {path}：{exc}") from None
    found = library.named(reference)
    if found is None:
        raise refuse(
            f"没有问卷“{reference}”：请给出问卷文件路径，或已上传问卷的 代码@版本（如 jia-satisfaction@2）"
        )
    return found.file_name, found.text


def survey_list(acting: AS) -> None:
    """列出可见的满意度调查 (list visible surveys)."""
    django_setup()
    from lvzhi.accounts.scoping import surveys_for

    typer.echo("编号\t名称\t评价轮次\t开始\t结束")
    for s in surveys_for(operator_named(acting)).order_by("pk"):
        typer.echo(
            f"{s.pk}\t{s.name}\t{s.round.name}\t{s.opens_at:%Y-%m-%d %H:%M}\t{s.closes_at:%Y-%m-%d %H:%M}"
        )


def survey_results(acting: AS, survey_id: SURVEY) -> None:
    """各区划、各类对象的有效答卷数、满意度和 Wilson 95% 区间 (results per region and group)."""
    django_setup()
    from lvzhi.surveys import tally

    user = operator_named(acting)
    survey = _survey(user, survey_id)
    typer.echo("区划代码\t区划\t调查对象\tn\t配额\t满意度%\t区间下限%\t区间上限%")
    for r in tally.survey_results(survey, user):
        parts = [(g.name, g.rate, g.quota) for g in r.groups] + [("合计", r.total, None)]
        for label, rate, quota in parts:
            cells = (
                [str(rate.n), f"{rate.rate * 100:.1f}", f"{rate.low * 100:.1f}", f"{rate.high * 100:.1f}"]
                if rate is not None
                else ["0", "", "", ""]
            )
            typer.echo(
                "\t".join([r.region.code, r.region.name, label, cells[0], str(quota or ""), *cells[1:]])
            )


def survey_links(
    acting: AS,
    survey_id: SURVEY,
    region: Annotated[str, typer.Option("--region", help="区划代码")],
    base: Annotated[str, typer.Option("--base", help="网站地址，如 https://lvzhi.example.cn")],
) -> None:
    """打印某区划未使用的答卷链接 (print a region's unused response links)."""
    django_setup()
    from django.urls import reverse

    from lvzhi.surveys.models import ResponseToken

    survey = _survey(operator_named(acting), survey_id, "manage")
    tokens = ResponseToken.objects.filter(survey=survey, region__code=region, used_at__isnull=True)
    for t in tokens:
        typer.echo(f"{t.group}\t{base.rstrip('/')}{reverse('surveys:respond', args=[t.token])}")


def survey_add_links(
    acting: AS,
    survey_id: SURVEY,
    region: Annotated[str, typer.Option("--region", help="区划代码")],
    group: Annotated[str, typer.Option("--group", help="调查对象（问卷中的代码或名称，如 parent 或 家长）")],
    count: Annotated[int, typer.Option("--count", help="增发的链接数")],
) -> None:
    """为某区划的某类调查对象增发答卷链接（调查结束前）(add response links for a region's group)."""
    django_setup()
    from lvzhi.surveys.actions import do_add_tokens

    user = operator_named(acting)
    survey = _survey(user, survey_id, "manage")
    sr = _survey_region(survey, region)
    added = run_action(
        do_add_tokens, acting_user=user, survey=survey, region=sr.region, group=group, count=count
    )
    typer.echo(f"已为 {sr.region.name} 的{added.group_name}增发 {added.count} 个答卷链接。")


def survey_import(
    acting: AS,
    survey_id: SURVEY,
    workbook: Annotated[Path, typer.Argument(help="答卷 .xlsx（每行一份答卷）")],
    column: Annotated[list[str] | None, typer.Option("--column", help="字段=表头，如 group=您的身份")] = None,
) -> None:
    """导入答卷：先检查全部行，有错误则不导入 (import responses, all or nothing)."""
    django_setup()
    from lvzhi.entry.workbook import WorkbookInvalid
    from lvzhi.surveys.actions import do_import_responses

    user = operator_named(acting)
    survey = _survey(user, survey_id, "manage")
    columns: dict[str, str] = {}
    for pair in column or []:
        field, sep, header = pair.partition("=")
        if not sep or not field.strip() or not header.strip():
            raise refuse(f"--column 应写成 字段=表头：{pair}")
        columns[field.strip()] = header.strip()
    try:
        data = workbook.read_bytes()
    except OSError as exc:
        raise refuse(f"无法读取 {workbook}：{exc}") from None
    try:
        n = run_action(
            do_import_responses,
            acting_user=user,
            survey=survey,
            data=data,
            file_name=workbook.name,
            columns=columns,
        )
    except WorkbookInvalid as exc:
        raise refuse(str(exc)) from None
    typer.echo(f"已导入 {n} 份答卷。")


def survey_feed(
    acting: AS,
    survey_id: SURVEY,
    region: Annotated[str, typer.Option("--region", help="区划代码")],
) -> None:
    """把区划的满意度写入数据项（说明中注明 n 和误差）并重新计分 (feed a region's rate)."""
    django_setup()
    from lvzhi.surveys.actions import do_feed_rate

    user = operator_named(acting)
    survey = _survey(user, survey_id, "manage")
    sr = _survey_region(survey, region)
    dv = run_action(do_feed_rate, acting_user=user, survey=survey, region=sr.region)
    typer.echo(f"已写入 {sr.region.name} 的 {survey.statistic} = {dv.value}%：{dv.note}")
