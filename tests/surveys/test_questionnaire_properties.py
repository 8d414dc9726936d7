"""Properties of the questionnaire reader: any well-formed questionnaire is read back as written, whatever
the order of keys and blank lines; any choice among the offered options is a valid answer; and the counted
share never exceeds the counted answers."""

from __future__ import annotations

import json

from hypothesis import given, settings
from hypothesis import strategies as st

from lvzhi.surveys.questionnaire import LIKERT, check_answers, parse_questionnaire, satisfied_share

CODES = st.text("abcdefghijklmnopqrstuvwxyz", min_size=1, max_size=6)
WORDS = st.text("满意好坏一般很不比较非常是否", min_size=1, max_size=5)


@st.composite
def questionnaires(draw):
    groups = draw(st.lists(CODES, min_size=1, max_size=4, unique=True))
    n = draw(st.integers(min_value=1, max_value=6))
    codes = draw(st.lists(CODES.map(lambda c: "q" + c), min_size=n, max_size=n, unique=True))
    questions = []
    for i, code in enumerate(codes):
        asked = draw(st.lists(st.sampled_from(groups), min_size=1, unique=True))
        # The first question is asked of everyone and counts, so every group has a counted question.
        q = {"code": code, "text": f"题目{i}", "kind": "likert", "counts": i == 0 or draw(st.booleans())}
        if i and draw(st.booleans()):
            options = draw(st.lists(WORDS, min_size=2, max_size=5, unique=True))
            q.update(kind="choice", options=options)
            if q["counts"]:
                q["satisfied"] = options[:1]
        if i:
            q["groups"] = asked
        questions.append(q)
    return {
        "code": "p",
        "name": "性质测试问卷",
        "groups": [{"code": g, "name": g} for g in groups],
        "questions": questions,
    }


def as_yaml(doc, reverse: bool, blank: bool) -> str:
    """The document as YAML in flow style per entry (JSON is YAML), keys in either order, blank lines or not."""

    def entry(d):
        items = list(d.items())[::-1] if reverse else list(d.items())
        return (
            "{" + ", ".join(f"{json.dumps(k)}: {json.dumps(v, ensure_ascii=False)}" for k, v in items) + "}"
        )

    sep = "\n\n" if blank else "\n"
    lines = [f"code: {doc['code']}", f"name: {doc['name']}", "groups:"]
    lines += [f"  - {entry(g)}" for g in doc["groups"]]
    lines.append("questions:")
    lines += [f"  - {entry(q)}" for q in doc["questions"]]
    return sep.join(lines) + "\n"


@settings(max_examples=60, deadline=None)
@given(questionnaires(), st.booleans(), st.booleans())
def test_a_questionnaire_reads_the_same_whatever_its_layout(doc, reverse, blank):
    plain = parse_questionnaire(as_yaml(doc, False, False), "p.yaml")
    assert parse_questionnaire(as_yaml(doc, reverse, blank), "p.yaml") == plain
    assert [q.code for q in plain.questions] == [q["code"] for q in doc["questions"]]
    assert all(set(q.satisfied) <= set(q.options) for q in plain.questions)


@settings(max_examples=60, deadline=None)
@given(questionnaires(), st.data())
def test_any_choice_among_the_options_is_valid_and_counted_within_bounds(doc, data):
    q = parse_questionnaire(as_yaml(doc, False, False), "p.yaml")
    group = data.draw(st.sampled_from([g.code for g in q.groups]))
    answers = {x.code: data.draw(st.sampled_from(x.options)) for x in q.questions_for(group)}
    assert check_answers(q, group, answers) == {}
    hits, total = satisfied_share(q, group, answers)
    assert 0 <= hits <= total == sum(1 for x in q.questions_for(group) if x.counts)
    likert_all_satisfied = {
        x.code: (LIKERT[0] if x.kind == "likert" else x.satisfied[0] if x.satisfied else x.options[0])
        for x in q.questions_for(group)
    }
    hits, total = satisfied_share(q, group, likert_all_satisfied)
    assert hits == total
