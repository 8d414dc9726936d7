"""The web tests' demo fixtures (the browser fixtures are shared by every folder: tests/browser_fixtures.py)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

SMALL_DEMO = {"seed_keys": ["hlj"], "cities": 1, "counties_per_city": 8, "history_years": [2023]}


def build_small_demo() -> dict[str, object]:
    from lvzhi.demo.populate import build_demo

    return build_demo(log=lambda *a, **k: None, **SMALL_DEMO)  # type: ignore[arg-type]


@pytest.fixture(scope="module")
def small_demo_module(django_db_setup: None, django_db_blocker: object) -> Iterator[dict[str, object]]:
    """The small demo, built once per test module and committed; the tables are emptied after the module.

    Building it per test would cost seconds each; emptying afterwards keeps other modules (which build their
    own regions with the same codes) starting from an empty database, as they expect.
    """
    from django.core.management import call_command

    with django_db_blocker.unblock():  # type: ignore[attr-defined]
        manifest = build_small_demo()
    yield manifest
    with django_db_blocker.unblock():  # type: ignore[attr-defined]
        call_command("flush", interactive=False, verbosity=0)


@pytest.fixture
def small_demo(small_demo_module: dict[str, object], db: None) -> dict[str, object]:
    """The small demo (8 counties of 示范省甲市 over 2023–2024, and 黑龙江某县); each test's writes roll back."""
    return small_demo_module


@pytest.fixture
def fresh_demo(transactional_db: None) -> dict[str, object]:
    """The small demo built for one transactional (live-server) test; the tables are emptied afterwards."""
    return build_small_demo()
