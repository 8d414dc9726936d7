"""The API fuzzed from its own OpenAPI schema (schemathesis): as an office user and as a 查看 user, no server
error, no response that breaks the schema, and the 查看 run leaves the database exactly as it was.

Bounded for CI: LVZHI_FUZZ_EXAMPLES examples per operation (default 8), derandomized so a run is repeatable.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
import schemathesis
from django.core import signals
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, Phase, given
from hypothesis import settings as hypothesis_settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance

from lvzhi.accounts.actions import do_create_api_token
from lvzhi.ops.backup import dump_objects

pytestmark = [pytest.mark.django_db, pytest.mark.slow]

EXAMPLES = int(os.environ.get("LVZHI_FUZZ_EXAMPLES", "8"))


def token_for(user: Any) -> str:
    _, raw = do_create_api_token(acting_user=user, user=user, name="fuzz")
    return raw


@contextmanager
def database_kept_open() -> Iterator[None]:
    """As Django's test client does: requests must not close the connection that holds the test transaction."""
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    try:
        yield
    finally:
        signals.request_started.connect(close_old_connections)
        signals.request_finished.connect(close_old_connections)


def fuzz(token: str) -> tuple[list[str], int]:
    """Every operation of the schema with generated requests under `token`; the problems found, requests sent."""
    with database_kept_open():
        return _fuzz(token)


def _fuzz(token: str) -> tuple[list[str], int]:
    app = get_wsgi_application()
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)
    headers = {"Authorization": f"Bearer {token}"}
    problems: list[str] = []
    sent = 0
    for result in schema.get_all_operations():
        operation = result.ok()

        @hypothesis_settings(
            max_examples=EXAMPLES,
            deadline=None,
            derandomize=True,
            database=None,
            phases=[Phase.explicit, Phase.generate],
            suppress_health_check=list(HealthCheck),
        )
        @given(case=operation.as_strategy())
        def run(case: Any) -> None:
            nonlocal sent
            sent += 1
            response = case.call(headers=headers)
            try:
                case.validate_response(response, checks=[not_a_server_error, response_schema_conformance])
            except Exception as exc:  # every failure is collected, then reported together
                problems.append(f"{case.method} {case.formatted_path}: {str(exc).splitlines()[0][:200]}")

        run()
    return problems, sent


def test_as_an_office_user_no_request_breaks_the_server_or_the_schema(cast):
    problems, sent = fuzz(token_for(cast.prov_office))
    assert sent > 50
    assert not problems, "\n".join(sorted(set(problems)))


def test_as_a_viewer_nothing_breaks_and_nothing_in_the_database_changes(cast):
    token = token_for(cast.viewer)
    before = dump_objects()
    problems, sent = fuzz(token)
    assert sent > 50
    assert not problems, "\n".join(sorted(set(problems)))
    after = dump_objects()
    changed = [o for o in after if o not in before] + [o for o in before if o not in after]
    assert not changed, changed[:5]
