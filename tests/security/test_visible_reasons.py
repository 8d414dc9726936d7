"""Item 8: a reason a person must write needs visible characters; spaces and zero-width characters are not one."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from lvzhi.evaluations import actions as eval_actions
from lvzhi.evaluations.errors import ActionError, ValidationFailed, written_text
from lvzhi.evaluations.models import State
from lvzhi.rectification import actions as rect_actions
from lvzhi.rectification.models import ProblemState

INVISIBLE = ["\u200b", "\ufeff\u200d", " \u3000\t", "\u2060\u180e", "\u0301", "\n\u200c\n"]
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@given(st.text(alphabet=st.characters(categories=["Cf", "Zs", "Zl", "Zp", "Cc", "Mn"])))
def test_text_of_only_invisible_characters_counts_as_not_written(text):
    assert written_text(text) == ""


@given(st.text(), st.characters(categories=["L", "N", "P", "S"]), st.text())
def test_text_with_a_visible_character_is_kept(before, ch, after):
    assert ch in written_text(before + ch + after)


@pytest.mark.django_db
@pytest.mark.parametrize("reason", INVISIBLE)
def test_returning_an_evaluation_with_an_invisible_reason_is_refused(cast, reason):
    ev = cast.advance(cast.jia1, State.REVIEWING)
    with pytest.raises(ActionError, match="原因"):
        eval_actions.do_return(acting_user=cast.prov_office, evaluation=ev, reasons=reason)
    ev.refresh_from_db()
    assert ev.state == State.REVIEWING


@pytest.mark.django_db
@pytest.mark.parametrize("reason", INVISIBLE)
def test_refusing_a_closure_with_an_invisible_reason_is_refused(cast, problem, reason):
    p = problem
    rect_actions.do_add_measure(
        acting_user=cast.jia1_filler,
        problem=p,
        text="新建公办园2所",
        responsible_unit="县教育局",
        owner="王某某",
        deadline=p.deadline,
    )
    rect_actions.do_request_closure(
        acting_user=cast.jia1_filler, problem=p, summary="已竣工", files=[("验收报告.pdf", PDF)]
    )
    with pytest.raises(ValidationFailed):
        rect_actions.do_refuse_closure(acting_user=cast.jia_office, problem=p, reason=reason)
    p.refresh_from_db()
    assert p.state == ProblemState.CLOSURE_REQUESTED
