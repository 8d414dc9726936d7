"""A value save in a ranked round re-scores only the peers whose outcome moves (the engine's incremental
re-score, in the request), and leaves the database exactly as a full re-score of the round would.

Two web processes are played by two stores of held results, swapped between saves: each must catch up
with the saves the other made (or rebuild) before using its own copy.
"""

from __future__ import annotations

import random
from collections import OrderedDict
from pathlib import Path

import pytest
from django.db import transaction
from django.urls import reverse

from lvzhi.accounts.models import Role, RoleAssignment, User
from lvzhi.evaluations import actions, rescoring
from lvzhi.evaluations.models import DataValue, Evaluation, ItemScore, Round
from lvzhi.scoring.explain import PEERS

pytestmark = pytest.mark.django_db

SCHEME = Path(__file__).parent / "schemes" / "rank-county.yaml"


class Rollback(Exception):
    pass


def snapshot(rnd):
    """The round's scores as a reader sees them: explanations with the round's shared part put back."""
    rows = list(ItemScore.objects.filter(evaluation__round=rnd).order_by("evaluation_id", "indicator_code"))
    rescoring.shown_explanations(Round.objects.get(pk=rnd.pk), rows)
    evs = Evaluation.objects.filter(round=rnd).order_by("pk")
    return (
        [
            (r.evaluation_id, r.indicator_code, r.auto_score, r.auto_status, r.explanation, r.final_score)
            for r in rows
        ],
        list(evs.values_list("pk", "total", "grade", "result")),
    )


def full_rescore_snapshot(rnd):
    """What a full re-score of the round would store, without keeping it."""
    try:
        with transaction.atomic():
            rescoring.rescore_round(rnd)
            raise Rollback(snapshot(rnd))
    except Rollback as done:
        return done.args[0]


BY_RANK = SCHEME.read_text(encoding="utf-8")
# The same leaf against the peers' average: the average is named in every peer's explanation.
BY_AVERAGE = BY_RANK.replace("points_by_rank: [10, 6]", "mode: peer_average, below: 0.6")


# Below the average loses nothing: a peer's score never moves, yet above/below in its explanation does.
BY_AVERAGE_NO_LOSS = BY_AVERAGE.replace("below: 0.6", "below: 1")


@pytest.fixture(
    params=[BY_RANK, BY_AVERAGE, BY_AVERAGE_NO_LOSS], ids=["points-by-rank", "peers-average", "no-loss"]
)
def ranked(cast, request):
    assert BY_RANK != BY_AVERAGE != BY_AVERAGE_NO_LOSS
    sv = actions.do_create_scheme_version(
        acting_user=cast.prov_office, yaml_text=request.param, source_name=SCHEME.name
    )
    r = cast.regions
    counties = [r["甲市一县"], r["甲市二县"], r["乙市一县"]]
    rnd = actions.do_open_round(
        acting_user=cast.prov_office,
        scheme_version=sv,
        year=2024,
        name="支出进度排名",
        owner_region=r["示范省"],
        regions=counties,
    )
    yi_filler = User.objects.create(username="yi1_filler", full_name="乙市一县填报员")
    RoleAssignment.objects.create(user=yi_filler, role=Role.FILLER, region=r["乙市一县"])
    fillers = [cast.jia1_filler, cast.jia2_filler, yi_filler]
    evaluations = [rnd.evaluations.get(region=c) for c in counties]
    for ev, filler in zip(evaluations, fillers, strict=True):
        actions.do_start_filling(acting_user=filler, evaluation=ev)
    return rnd, list(zip(evaluations, fillers, strict=True))


def save(ev, filler, value):
    """do_save_value as a request runs it: its on-commit work (keeping the round's results) runs after."""
    from django.test import TestCase

    dv = DataValue.objects.filter(evaluation=ev, item_code="edu_budget_progress").first()
    with TestCase.captureOnCommitCallbacks(execute=True):
        actions.do_save_value(
            acting_user=filler,
            evaluation=ev,
            item_code="edu_budget_progress",
            value=value,
            expected_version=dv.version if dv else None,
        )


@pytest.mark.parametrize("seed", range(3))
def test_any_sequence_of_saves_from_two_processes_stores_what_a_full_re_score_stores(
    ranked, seed, monkeypatch
):
    rnd, counties = ranked
    rng = random.Random(seed)
    processes = [OrderedDict(), OrderedDict()]
    rebuilds = []
    real = rescoring.gateway.RoundScores
    monkeypatch.setattr(rescoring.gateway, "RoundScores", lambda *a: rebuilds.append(1) or real(*a))
    for step in range(24):
        monkeypatch.setattr(rescoring, "_PEERS", processes[rng.randrange(2)])
        held = {pk: peers.stamp for pk, peers in rescoring._PEERS.items()}
        ev, filler = counties[rng.randrange(len(counties))]
        # Few distinct values: ties and moves across the others (a county's first save adds it to the ranking).
        save(ev, filler, rng.choice(["80", "85", "85", "90", "95.5", "60"]))
        saves_rebuilt = len(rebuilds)  # the full re-score below builds the round's results too
        assert snapshot(rnd) == full_rescore_snapshot(rnd), f"seed {seed}, step {step}, held {held}"
        del rebuilds[saves_rebuilt:]
    assert all(rnd.pk in p for p in processes)  # both processes held the round's results by the end
    assert len(rebuilds) <= 8, "most saves went the incremental way"


@pytest.mark.parametrize("ranked", [BY_RANK], ids=["points-by-rank"], indirect=True)
def test_a_save_with_results_held_touches_only_the_county_and_the_peers_it_moves(ranked):
    rnd, counties = ranked
    (one, _), (two, _), (three, f3) = counties
    for (ev, f), v in zip(counties, ("90", "80", "70"), strict=True):
        save(ev, f, v)
    assert [e.total for e in Evaluation.objects.filter(round=rnd).order_by("pk")] == [10, 6, 6]
    assert rnd.pk in rescoring._PEERS  # held after the first save of the round in this process
    before = dict(Evaluation.objects.filter(round=rnd).values_list("pk", "scored_at"))
    save(three, f3, "75")  # still last: nobody else moves
    after = dict(Evaluation.objects.filter(round=rnd).values_list("pk", "scored_at"))
    assert [
        pk for pk in before if before[pk] != after[pk]
    ] == []  # same total for everyone: nothing rewritten
    save(three, f3, "95")  # first now: the old first drops to 6
    totals = dict(Evaluation.objects.filter(round=rnd).values_list("pk", "total"))
    assert (totals[one.pk], totals[two.pk], totals[three.pk]) == (6, 6, 10)


@pytest.mark.parametrize("ranked", [BY_AVERAGE], ids=["peers-average"], indirect=True)
def test_a_save_that_moves_the_peers_average_rewrites_no_peer_whose_score_stays(ranked, client):
    rnd, counties = ranked
    (one, f1), _, (three, f3) = counties
    for (ev, f), v in zip(counties, ("90", "80", "70"), strict=True):
        save(ev, f, v)
    rows = ItemScore.objects.filter(evaluation=one, indicator_code="1")
    before = list(rows.values_list("explanation", "version", "updated_at"))
    save(three, f3, "72")  # the average moves from 80 to 80.67; county one stays above it
    assert list(rows.values_list("explanation", "version", "updated_at")) == before
    shown = list(rows)
    rescoring.shown_explanations(Round.objects.get(pk=rnd.pk), shown)
    assert "3 个地区平均 80.67" in shown[0].explanation, shown[0].explanation
    # The county's score page shows the average as it is now, and never the stand-in.
    client.force_login(f1)
    page = client.get(reverse("web:scores", args=[one.pk])).content.decode()
    assert "3 个地区平均 80.67" in page and PEERS not in page


@pytest.mark.parametrize("ranked", [BY_RANK], ids=["points-by-rank"], indirect=True)
def test_a_county_added_to_a_ranked_round_after_saves_is_ranked_with_its_peers(ranked, cast):
    from lvzhi.evaluations.actions import office
    from lvzhi.regions.models import Region

    rnd, counties = ranked
    for (ev, f), v in zip(counties, ("90", "80", "70"), strict=True):
        save(ev, f, v)
    assert rnd.pk in rescoring._PEERS  # this process holds the round's results, without the new county
    Round.objects.filter(pk=rnd.pk).update(level="县")
    new = Region.objects.create(code="990202", name="乙市二县", level="县", parent=cast.regions["乙市"])
    new.path = cast.regions["乙市"].path + "990202/"
    new.save()
    with commits_run():
        opened = office.do_open_year_round(
            acting_user=cast.prov_office,
            scheme_version=rnd.scheme_version,
            year=rnd.year,
            owner_region=cast.regions["示范省"],
            level="县",
        )
    assert opened.round.pk == rnd.pk and opened.added == 1
    added = rnd.evaluations.get(region=new)
    filler = User.objects.create(username="yi2_filler", full_name="乙市二县填报员")
    RoleAssignment.objects.create(user=filler, role=Role.FILLER, region=new)
    actions.do_start_filling(acting_user=filler, evaluation=added)
    save(added, filler, "99")  # was a KeyError: the held results did not know the new evaluation
    assert snapshot(rnd) == full_rescore_snapshot(rnd)
    totals = dict(Evaluation.objects.filter(round=rnd).values_list("pk", "total"))
    assert totals[added.pk] == 10 and totals[counties[0][0].pk] == 6


@pytest.mark.parametrize("ranked", [BY_RANK], ids=["points-by-rank"], indirect=True)
def test_results_held_for_a_round_row_that_was_recreated_are_not_used(ranked):
    # A recreated or restored database can give a round the id, the stamp and the evaluations' ids of one
    # a process still holds, with other figures behind them.
    from datetime import timedelta

    rnd, counties = ranked
    (_, _), (two, _), (three, f3) = counties
    for (ev, f), v in zip(counties, ("90", "80", "70"), strict=True):
        save(ev, f, v)
    held = rescoring._PEERS[rnd.pk]
    DataValue.objects.filter(evaluation=two, item_code="edu_budget_progress").update(value="99")
    Round.objects.filter(pk=rnd.pk).update(created_at=rnd.created_at + timedelta(days=1))
    rnd.refresh_from_db()
    three.refresh_from_db()
    save(three, f3, "75")
    assert snapshot(rnd) == full_rescore_snapshot(rnd)
    assert rescoring._PEERS[rnd.pk] is not held
    assert Evaluation.objects.get(pk=two.pk).total == 10  # ranked first on the figure the database holds


def commits_run():
    """Run what the block schedules on commit, as a request's transaction would."""
    from django.test import TestCase

    return TestCase.captureOnCommitCallbacks(execute=True)
