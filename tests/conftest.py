"""Shared test configuration. Paths to the shared seed material live here, read in place (never copied)."""

from __future__ import annotations

from pathlib import Path

import pytest

from browser_fixtures import browser, open_page, shot, unchecked_page  # noqa: F401 - fixtures for every folder

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared"
SEEDS = SHARED / "seeds"


@pytest.fixture(scope="session")
def seeds_dir() -> Path:
    if not SEEDS.is_dir():
        pytest.skip(f"../shared/seeds not found beside the repository ({SEEDS})")
    return SEEDS


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Mark every test that touches the database `db`, however it asks for it (marker or fixture).

    The PostgreSQL pass of scripts/test.sh selects `-m db`: a test reaching the database only through a
    fixture such as `cast` must run there too, not only the ones that carry pytest.mark.django_db.
    """
    for item in items:
        names = getattr(item, "fixturenames", ())
        if item.get_closest_marker("django_db") or "db" in names or "transactional_db" in names:
            item.add_marker(pytest.mark.db)
