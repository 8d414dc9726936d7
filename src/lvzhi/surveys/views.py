"""满意度调查 pages: the office's list and opening form, a survey's results, links, QR codes and import; and the
public response page a respondent reaches through a token (no login, no JavaScript, 360 px wide).

Reads go through the scoping helper (surveys_for / get_survey_for); every change is one surveys action.
"""

from __future__ import annotations

import io
from datetime import datetime, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

import segno
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.cache import cache
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from lvzhi.accounts.scoping import Perm, get_survey_for, rounds_for, surveys_for
from lvzhi.accounts.security import client_ip
from lvzhi.entry.workbook import MAX_FILE_BYTES, WorkbookInvalid
from lvzhi.evaluations.errors import ActionError, ValidationFailed
from lvzhi.evaluations.gateway import catalogue
from lvzhi.evaluations.models import Evaluation
from lvzhi.site.downloads import download
from lvzhi.surveys import actions, library, tally
from lvzhi.surveys.imports import default_columns
from lvzhi.surveys.models import QuestionnaireVersion, ResponseToken, SurveyRegion

# Submissions per client address per minute: enough for a family sharing one phone or a school's network,
# too few to flood a county's results from one machine.
RESPONSES_PER_MINUTE = 30
MAX_PRINTED = 2000  # links on one printed sheet (a quota at ±2.2 points is about 2000)
_TOKEN_CHARS = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")


def _explain(exc: Exception) -> str:
    if isinstance(exc, ValidationFailed):
        return "；".join(i.message for i in exc.issues)
    return str(exc)


def _moment(text: str, what: str) -> datetime:
    try:
        parsed = datetime.fromisoformat(text.strip())
    except ValueError:
        raise ActionError(f"{what}格式应为 年-月-日 时:分") from None
    return timezone.make_aware(parsed) if timezone.is_naive(parsed) else parsed


def _pct(share: float) -> str:
    return f"{share * 100:.1f}%"


def response_url(request: HttpRequest, token: str) -> str:
    return request.build_absolute_uri(reverse("surveys:respond", args=[token]))


@login_required
def survey_list(request: HttpRequest) -> HttpResponse:
    """The surveys the user may see, and for an office the form to open one for a round it manages."""
    manageable = list(rounds_for(request.user, Perm.MANAGE).filter(closed_at__isnull=True)[:200])
    if request.method == "POST":
        if not manageable:
            raise PermissionDenied("只有督导办可以开启满意度调查")
        rnd = next((r for r in manageable if str(r.pk) == request.POST.get("round")), None)
        try:
            if rnd is None:
                raise ActionError("请选择评价轮次")
            questionnaire = library.chosen(request.POST.get("questionnaire", ""))
            if questionnaire is None:
                raise ActionError("请选择问卷")
            codes = request.POST.get("regions", "").split()
            evaluations = Evaluation.objects.filter(round=rnd).select_related("region")
            regions = [e.region for e in evaluations if not codes or e.region.code in codes]
            if codes and len(regions) != len(set(codes)):
                raise ActionError("区划代码中有不属于该评价轮次的区划")
            try:
                margin = Decimal(request.POST.get("margin", "5")) / 100
            except InvalidOperation:
                raise ActionError("允许误差应为数字（百分点）") from None
            links = request.POST.get("links", "").strip()
            survey = actions.do_open_survey(
                acting_user=request.user,
                round=rnd,
                regions=regions,
                name=request.POST.get("name", ""),
                questionnaire_file=questionnaire.file_name,
                questionnaire_text=questionnaire.text,
                opens_at=_moment(request.POST.get("opens_at", ""), "开始时间"),
                closes_at=_moment(request.POST.get("closes_at", ""), "结束时间"),
                margin=margin,
                tokens_per_group=int(links) if links.isdigit() else None,
            )
        except (ActionError, PermissionDenied) as exc:
            messages.error(request, f"未能开启调查：{_explain(exc)}")
        else:
            messages.success(request, f"已开启{survey}。")
            return redirect("surveys:detail", survey.pk)
    surveys = list(surveys_for(request.user).order_by("-created_at")[:200])
    now = timezone.localtime()
    return render(
        request,
        "surveys/list.html",
        {
            "title": "满意度调查",
            "surveys": surveys,
            "rounds": manageable,
            # Offered by the questionnaire's own name (and an upload's version); the value names the entry.
            "questionnaires": [(c.value, c.label) for c in library.choices()] if manageable else [],
            "picked": request.GET.get("q", ""),
            "uploaded": list(
                QuestionnaireVersion.objects.select_related("uploaded_by").order_by("-created_at", "-pk")[:50]
            )
            if manageable
            else [],
            "max_kb": actions.MAX_QUESTIONNAIRE_BYTES // 1024,
            "opens": now.strftime("%Y-%m-%dT%H:%M"),
            "closes": (now + timedelta(days=14)).strftime("%Y-%m-%dT%H:%M"),
        },
    )


@login_required
@require_POST
def questionnaire_upload(request: HttpRequest) -> HttpResponse:
    """An office's questionnaire file, checked by the loader (errors at file:line, nothing stored on error)
    and stored as a new version, then offered when opening a survey."""
    upload = request.FILES.get("questionnaire")
    if upload is None:
        messages.error(request, "请选择要上传的问卷文件（YAML）")
        return redirect(reverse("surveys:list") + "#upload-questionnaire")
    data = upload.read(actions.MAX_QUESTIONNAIRE_BYTES + 1)
    try:
        stored = actions.do_upload_questionnaire(
            acting_user=request.user, file_name=upload.name or "问卷.yaml", data=data
        )
    except ValidationFailed as exc:
        messages.error(request, f"问卷有错误，未保存：{_explain(exc)}")
        return redirect(reverse("surveys:list") + "#upload-questionnaire")
    messages.success(request, f"已保存问卷“{stored}”，可在下方开启调查时选用。")
    return redirect(f"{reverse('surveys:list')}?q={library.UPLOADED}{stored.pk}#open-survey")


@login_required
def survey_detail(request: HttpRequest, survey_id: int) -> HttpResponse:
    """Results per region and group (n of the quota, rate, Wilson interval), links, import and feeding."""
    survey = get_survey_for(request.user, survey_id)
    manage = surveys_for(request.user, Perm.MANAGE).filter(pk=survey.pk).exists()
    questionnaire = survey.questionnaire()
    unused: dict[int, list[ResponseToken]] = {}
    if manage:
        for t in ResponseToken.objects.filter(survey=survey, used_at__isnull=True).select_related("region"):
            unused.setdefault(t.region_id, []).append(t)
    rows = [
        {
            "region": r.region,
            "groups": [(g.n, g.quota, _pct(g.rate.rate) if g.rate else "") for g in r.groups],
            "n": r.total.n if r.total else 0,
            "rate": _pct(r.total.rate) if r.total else "",
            "interval": f"{_pct(r.total.low)}–{_pct(r.total.high)}" if r.total else "",
            "margin": f"±{r.total.margin * 100:.1f}" if r.total else "",
            "unused": len(unused.get(r.region.pk, [])),
        }
        for r in tally.survey_results(survey, request.user)
    ]
    return render(
        request,
        "surveys/detail.html",
        {
            "title": survey.name,
            "survey": survey,
            "q": questionnaire,
            "rows": rows,
            "manage": manage,
            "quota": actions.quota(survey),
            "columns": [
                (f, {"region": "区划（代码或名称）", "group": "调查对象"}.get(f, f"题目 {f}"), h)
                for f, h in default_columns(questionnaire).items()
            ],
            "margin_points": f"{survey.margin * 100:g}",
            # The statistic by its catalogue name: a page shows no identifier.
            "statistic_name": getattr(catalogue().get(survey.statistic), "name", "满意度"),
            "max_mb": MAX_FILE_BYTES // 1048576,
        },
    )


def _unused_links(
    request: HttpRequest, survey_id: int, code: str
) -> tuple[Any, Any, list[tuple[str, str, str]]]:
    """A managed survey, one of its regions and that region's unused links as (group name, token, address)."""
    survey = get_survey_for(request.user, survey_id, Perm.MANAGE)
    sr = SurveyRegion.objects.filter(survey=survey, region__code=code).select_related("region").first()
    if sr is None:
        raise Http404("本次调查没有这个区划")
    groups = {g.code: g.name for g in survey.questionnaire().groups}
    tokens = ResponseToken.objects.filter(survey=survey, region=sr.region, used_at__isnull=True)[:MAX_PRINTED]
    return (
        survey,
        sr.region,
        [(groups.get(t.group, t.group), t.token, response_url(request, t.token)) for t in tokens],
    )


@login_required
def survey_links(request: HttpRequest, survey_id: int, code: str) -> HttpResponse:
    """A printable sheet of one region's unused links with their QR codes (one per respondent), and the
    form giving the region more links while the survey is open."""
    survey, region, links = _unused_links(request, survey_id, code)
    context = {
        "title": f"{survey} · {region.name}",
        "survey": survey,
        "region": region,
        "links": links,
        "groups": survey.questionnaire().groups,
        "open": timezone.now() <= survey.closes_at,
        "max_links": actions.MAX_TOKENS_PER_GROUP,
    }
    return render(request, "surveys/links.html", context)


@login_required
@require_POST
def survey_add_links(request: HttpRequest, survey_id: int, code: str) -> HttpResponse:
    """增发链接: more response links for one group of the region (the survey's office only)."""
    survey = get_survey_for(request.user, survey_id, Perm.MANAGE)
    sr = SurveyRegion.objects.filter(survey=survey, region__code=code).select_related("region").first()
    if sr is None:
        raise Http404("本次调查没有这个区划")
    group = request.POST.get("group", "")
    count = request.POST.get("count", "").strip()
    try:
        if not count.isdigit():
            raise ActionError("链接数应为正整数")
        added = actions.do_add_tokens(
            acting_user=request.user, survey=survey, region=sr.region, group=group, count=int(count)
        )
    except ActionError as exc:
        messages.error(request, f"未能增发链接：{_explain(exc)}")
    else:
        messages.success(request, f"已为{sr.region.name}的{added.group_name}增发 {added.count} 个答卷链接。")
    return redirect("surveys:links", survey.pk, sr.region.code)


@login_required
def survey_links_pdf(request: HttpRequest, survey_id: int, code: str) -> HttpResponse:
    """The same sheet as a PDF to print: each unused link as a QR code with its group and address."""
    from django.template.loader import render_to_string

    from lvzhi.writer.pdf import html_to_pdf

    survey, region, links = _unused_links(request, survey_id, code)
    cards = [
        (group, url, segno.make(url, error="m").png_data_uri(scale=4, border=2)) for group, _, url in links
    ]
    html = render_to_string("surveys/links_print.html", {"survey": survey, "region": region, "cards": cards})
    return download(html_to_pdf(html), f"{survey.name}-{region.name}-答卷二维码.pdf")


@login_required
def survey_qr(request: HttpRequest, survey_id: int, token: str) -> HttpResponse:
    """The QR code (PNG) of one response link of a survey the user manages."""
    survey = get_survey_for(request.user, survey_id, Perm.MANAGE)
    if not ResponseToken.objects.filter(survey=survey, token=token).exists():
        raise Http404("没有这个答卷链接")
    out = io.BytesIO()
    segno.make(response_url(request, token), error="m").save(out, kind="png", scale=6, border=2)
    return download(out.getvalue(), f"问卷二维码-{token[:6]}.png", inline=True)


@login_required
@require_POST
def survey_import(request: HttpRequest, survey_id: int) -> HttpResponse:
    survey = get_survey_for(request.user, survey_id, Perm.MANAGE)
    upload = request.FILES.get("workbook")
    if upload is None:
        messages.error(request, "请选择要导入的 .xlsx 文件")
    elif upload.size is not None and upload.size > MAX_FILE_BYTES:
        messages.error(request, f"文件超过 {MAX_FILE_BYTES // 1048576} MB，未导入")
    else:
        columns = {
            k.removeprefix("col_"): request.POST.get(k, "").strip()
            for k in request.POST
            if k.startswith("col_") and request.POST.get(k, "").strip()
        }
        try:
            n = actions.do_import_responses(
                acting_user=request.user,
                survey=survey,
                data=upload.read(),
                file_name=upload.name or "答卷.xlsx",
                columns=columns,
            )
        except WorkbookInvalid as exc:
            messages.error(request, "工作簿有错误，未导入任何答卷：" + "；".join(exc.errors[:20]))
        except (ActionError, PermissionDenied) as exc:
            messages.error(request, f"未能导入：{_explain(exc)}")
        else:
            messages.success(request, f"已导入 {n} 份答卷。")
    return redirect("surveys:detail", survey.pk)


@login_required
@require_POST
def survey_feed(request: HttpRequest, survey_id: int) -> HttpResponse:
    """Save a region's rate as its statistic (the value-saving action re-scores the evaluation)."""
    survey = get_survey_for(request.user, survey_id, Perm.MANAGE)
    sr = SurveyRegion.objects.filter(survey=survey, region__code=request.POST.get("region", "")).first()
    try:
        if sr is None:
            raise ActionError("请选择本次调查的区划")
        dv = actions.do_feed_rate(acting_user=request.user, survey=survey, region=sr.region)
    except (ActionError, PermissionDenied) as exc:
        messages.error(request, f"未能写入满意度：{_explain(exc)}")
    else:
        messages.success(request, f"已将{sr.region.name}的满意度 {dv.value}% 写入数据项：{dv.note}")
    return redirect("surveys:detail", survey.pk)


def _limited(request: HttpRequest) -> bool:
    key = f"lvzhi-survey-post:{client_ip(request)}"
    cache.add(key, 0, timeout=60)
    try:
        return cache.incr(key) > RESPONSES_PER_MINUTE
    except ValueError:  # expired between add and incr
        cache.set(key, 1, timeout=60)
        return False


def respond(request: HttpRequest, token: str) -> HttpResponse:
    """The public response page: a plain form, no login; only a valid token reaches the questionnaire."""
    row = None
    if len(token) <= 64 and set(token) <= _TOKEN_CHARS:
        row = ResponseToken.objects.select_related("survey", "region").filter(token=token).first()
    if row is None:
        return render(
            request,
            "surveys/respond_refused.html",
            {
                "title": "答卷链接无效",
                "reason": "链接不存在或已被改动，请使用调查组织方提供的完整链接或二维码。",
            },
            status=404,
        )
    survey = row.survey
    questionnaire = survey.questionnaire()
    questions = questionnaire.questions_for(row.group)
    answers: dict[str, str] = {}
    errors: dict[str, str] = {}
    status = 200
    if request.method == "POST":
        answers = {q.code: request.POST.get(q.code, "").strip() for q in questions}
        if _limited(request):
            errors[""] = "提交过于频繁，请稍后再试"
            status = 429
        else:
            try:
                actions.submit_response(token=token, answers=answers)
            except actions.SurveyRefused as exc:
                return render(
                    request,
                    "surveys/respond_refused.html",
                    {"title": "无法提交", "reason": str(exc)},
                    status=409,
                )
            except ValidationFailed as exc:
                errors = {i.code: i.message for i in exc.issues}
                status = 400
            else:
                return render(request, "surveys/respond_done.html", {"title": "提交成功", "survey": survey})
    elif row.used_at is not None:
        return render(
            request,
            "surveys/respond_refused.html",
            {"title": "已提交", "reason": "该链接已经提交过答卷，每个链接只能提交一次。感谢您的参与！"},
            status=409,
        )
    context: dict[str, Any] = {
        "title": survey.name,
        "survey": survey,
        "q": questionnaire,
        "region": row.region,
        "group": questionnaire.group(row.group),
        "questions": [(q, answers.get(q.code, ""), errors.get(q.code, "")) for q in questions],
        "form_error": errors.get(""),
        "has_errors": bool(errors),
    }
    return render(request, "surveys/respond.html", context, status=status)
