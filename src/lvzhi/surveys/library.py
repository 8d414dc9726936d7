"""The questionnaires a survey can be opened with: the reviewed files shipped with the platform and the ones
offices uploaded (QuestionnaireVersion, the latest version of each first). One place decides what the
opening form offers and what a chosen entry stands for.
"""

from __future__ import annotations

from dataclasses import dataclass
from importlib.resources import files

from lvzhi.site.errors import parse_id
from lvzhi.surveys.models import QuestionnaireVersion
from lvzhi.surveys.questionnaire import parse_questionnaire

UPLOADED = "upload-"  # the form value of an uploaded version: "upload-<id>"; a shipped file's is its name


@dataclass(frozen=True)
class Choice:
    value: str  # the form's value
    label: str  # what a person reads: the questionnaire's own name (and the version of an upload)
    file_name: str
    text: str


def builtin_questionnaires() -> dict[str, str]:
    """The reviewed questionnaire files shipped with the platform: file name → text."""
    folder = files("lvzhi.surveys") / "questionnaires"
    return {
        p.name: p.read_text(encoding="utf-8")
        for p in sorted(folder.iterdir(), key=lambda p: p.name)
        if p.name.endswith(".yaml")
    }


def choices() -> list[Choice]:
    """Every questionnaire a survey can be opened with: shipped files first, then uploads (newest first)."""
    shipped = [
        Choice(name, parse_questionnaire(text, name).name, name, text)
        for name, text in builtin_questionnaires().items()
    ]
    uploaded = [_uploaded(q) for q in QuestionnaireVersion.objects.order_by("-created_at", "-pk")[:200]]
    return shipped + uploaded


def chosen(value: str) -> Choice | None:
    """The questionnaire a form's value names (None: no such questionnaire)."""
    if value.startswith(UPLOADED):
        pk = value.removeprefix(UPLOADED)
        pk_n = parse_id(pk)
        q = QuestionnaireVersion.objects.filter(pk=pk_n).first() if pk_n is not None else None
        return _uploaded(q) if q is not None else None
    text = builtin_questionnaires().get(value)
    return None if text is None else Choice(value, parse_questionnaire(text, value).name, value, text)


def named(reference: str) -> Choice | None:
    """The questionnaire a person names (the API and the command line): a form's value (a shipped file's name,
    upload-<id>), or CODE@VERSION for that uploaded version, or CODE for the latest uploaded version of the
    code — else the shipped questionnaire of that code. None: no such questionnaire."""
    reference = (reference or "").strip()
    found = chosen(reference)
    if found is not None or not reference:
        return found
    code, sep, version = reference.rpartition("@")
    if not sep:
        code, version = reference, ""
    uploads = QuestionnaireVersion.objects.filter(code=code)
    if sep:
        n = parse_id(version)
        q = uploads.filter(version=n).first() if n is not None else None
        return _uploaded(q) if q is not None else None
    latest = uploads.order_by("-version").first()
    if latest is not None:
        return _uploaded(latest)
    return next(
        (
            Choice(name, parse_questionnaire(text, name).name, name, text)
            for name, text in builtin_questionnaires().items()
            if parse_questionnaire(text, name).code == code
        ),
        None,
    )


def _uploaded(q: QuestionnaireVersion) -> Choice:
    return Choice(f"{UPLOADED}{q.pk}", f"{q.name}（上传，第 {q.version} 版）", q.file_name, q.text)
