"""A survey's results per region and group: respondents n, satisfaction rate and its Wilson 95 % interval,
with each group's quota (the sample its margin needs) beside what arrived. One query for the responses."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from lvzhi.accounts.scoping import survey_regions_visible_to
from lvzhi.regions.models import Region
from lvzhi.surveys.models import ResponseToken, Survey, SurveyRegion, SurveyResponse
from lvzhi.surveys.questionnaire import satisfied_share
from lvzhi.surveys.stats import Rate, rate_of, sample_size


@dataclass(frozen=True)
class GroupResult:
    code: str
    name: str
    quota: int
    links: int
    rate: Rate | None

    @property
    def n(self) -> int:
        return self.rate.n if self.rate else 0


@dataclass(frozen=True)
class RegionResult:
    region: Region
    groups: tuple[GroupResult, ...]
    total: Rate | None


def survey_results(survey: Survey, user: Any = None) -> list[RegionResult]:
    """Every region's results, or with `user` only those of the regions the user may read."""
    q = survey.questionnaire()
    shares: dict[tuple[int, str], list[tuple[int, int]]] = defaultdict(list)
    for region_id, group, answers in SurveyResponse.objects.filter(survey=survey).values_list(
        "region_id", "group", "answers"
    ):
        shares[(region_id, group)].append(satisfied_share(q, group, answers))
    links: dict[tuple[int, str], int] = defaultdict(int)
    for region_id, group in ResponseToken.objects.filter(survey=survey).values_list("region_id", "group"):
        links[(region_id, group)] += 1
    need = sample_size(float(survey.margin))
    out: list[RegionResult] = []
    regions = SurveyRegion.objects.filter(survey=survey).select_related("region")
    if user is not None:
        regions = regions.filter(pk__in=survey_regions_visible_to(user).values("pk"))
    for sr in regions:
        groups = tuple(
            GroupResult(
                g.code, g.name, need, links[(sr.region_id, g.code)], rate_of(shares[(sr.region_id, g.code)])
            )
            for g in q.groups
        )
        total = rate_of(s for g in q.groups for s in shares[(sr.region_id, g.code)])
        out.append(RegionResult(sr.region, groups, total))
    return out
