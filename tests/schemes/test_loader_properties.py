"""Property tests (hypothesis): whatever the file holds, the loader and the data readers fail only cleanly."""

from __future__ import annotations

import tempfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from lvzhi.schemes import SchemeError, load_catalogue, load_scheme
from lvzhi.scoring import read_data

FIXTURES = Path(__file__).resolve().parent / "fixtures"
CATALOGUE = load_catalogue(FIXTURES / "catalogue.yaml")
COMPLETE = (FIXTURES / "complete.yaml").read_text(encoding="utf-8")
YAML_BITS = [
    "\n",
    "  ",
    "- ",
    ": ",
    "{",
    "}",
    "[",
    "]",
    ",",
    "&a",
    "*a",
    "!!python/object",
    "'",
    '"',
    "#",
    "code",
    "kind",
    "rule",
    "points",
    "children",
    "1",
    "-3",
    "1e400",
    ".nan",
    "null",
    "true",
    "x",
]


def load_text(text: str, suffix: str = ".yaml") -> None:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / f"f{suffix}"
        path.write_text(text, encoding="utf-8")
        try:
            if suffix == ".yaml":
                load_scheme(path, CATALOGUE)
            else:
                read_data(path, CATALOGUE)
        except SchemeError as exc:
            assert exc.problems and all(p.zh and p.en for p in exc.problems)


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.sampled_from(YAML_BITS), max_size=80).map("".join))
def test_yaml_soup_is_rejected_with_problems_never_an_exception(text):
    load_text(text)


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.integers(min_value=0, max_value=len(COMPLETE) - 1),
    st.integers(min_value=1, max_value=40),
    st.text(max_size=20),
)
def test_a_damaged_scheme_fails_only_with_located_problems(start, length, junk):
    load_text(COMPLETE[:start] + junk + COMPLETE[start + length :])


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.lists(
        st.lists(
            st.sampled_from(
                [
                    "region",
                    "kg_gross_rate",
                    "falsified",
                    "A",
                    "",
                    "1",
                    "-2",
                    "是",
                    "x",
                    "1e9",
                    "NaN",
                    "120.5",
                    '"',
                    "，",
                ]
            ),
            max_size=6,
        ),
        max_size=6,
    )
)
def test_any_csv_table_reads_or_fails_with_located_problems(rows):
    load_text("\n".join(",".join(row) for row in rows), ".csv")


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.recursive(
        st.none() | st.booleans() | st.integers() | st.text(max_size=5),
        lambda inner: (
            st.lists(inner, max_size=3)
            | st.dictionaries(
                st.sampled_from(
                    [
                        "regions",
                        "region",
                        "values",
                        "previous",
                        "manual",
                        "kg_gross_rate",
                        "level",
                        "score",
                        "value",
                        "unit",
                        "year",
                    ]
                ),
                inner,
                max_size=4,
            )
        ),
        max_leaves=12,
    )
)
def test_any_json_document_reads_or_fails_with_located_problems(doc):
    import json

    load_text(json.dumps(doc, ensure_ascii=False), ".json")
