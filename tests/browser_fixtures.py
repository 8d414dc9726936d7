"""Browser fixtures for every test folder: headless Debian chromium through Playwright, with a guard on every
request and console. Registered once, in tests/conftest.py: a second copy of the session-scoped `browser`
would start a second Playwright in the same worker, which Playwright's sync API refuses."""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest

ROOT = Path(__file__).resolve().parents[1]
SCREENSHOTS = ROOT / "test-artifacts" / "screenshots"
CHROMIUM = os.environ.get("LVZHI_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
LOCAL_HOSTS = {"127.0.0.1", "localhost", "::1", "[::1]"}

# Playwright's sync API runs an event loop in this thread; the ORM calls the tests make between browser steps
# are still plain synchronous code, so Django's async-safety guard would refuse them without this.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


@pytest.fixture(scope="session")
def browser() -> Iterator[object]:
    from playwright.sync_api import sync_playwright

    if not Path(CHROMIUM).exists():
        pytest.fail(f"chromium not found at {CHROMIUM}: run scripts/setup.sh (installs the Debian package)")
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield browser
        browser.close()


class PageGuard:
    """Collects what must fail a test: console errors, uncaught exceptions and requests to other hosts."""

    def __init__(self, allow: tuple[str, ...] = ()) -> None:
        self.console_errors: list[str] = []
        self.foreign_requests: list[str] = []
        self.allow = allow  # console messages a test provokes on purpose (e.g. the 404 of a refused page)

    def problems(self) -> list[str]:
        errors = [e for e in self.console_errors if not any(a in e for a in self.allow)]
        return [f"console: {e}" for e in errors] + [
            f"request to a non-local host: {u}" for u in self.foreign_requests
        ]


def _new_page(browser: object, guard: PageGuard, *, tablet: bool = False) -> object:
    size = {"width": 1024, "height": 1366} if tablet else {"width": 1366, "height": 768}
    context = browser.new_context(  # type: ignore[attr-defined]
        viewport=size, locale="zh-CN", timezone_id="Asia/Shanghai", accept_downloads=True
    )

    def guard_route(route: object) -> None:
        url = route.request.url  # type: ignore[attr-defined]
        host = urlsplit(url).hostname or ""
        if url.startswith(("data:", "blob:", "about:")) or host in LOCAL_HOSTS:
            route.continue_()  # type: ignore[attr-defined]
        else:
            guard.foreign_requests.append(url)
            route.abort()  # type: ignore[attr-defined]

    context.route("**/*", guard_route)
    page = context.new_page()
    page.on("console", lambda msg: msg.type == "error" and guard.console_errors.append(msg.text))
    page.on("pageerror", lambda exc: guard.console_errors.append(str(exc)))
    page.set_default_timeout(10_000)
    return page


@pytest.fixture
def open_page(browser: object) -> Iterator[object]:
    """Factory of guarded pages (one browser context each, so each role has its own session)."""
    guards: list[PageGuard] = []
    pages: list[object] = []

    def make(tablet: bool = False, allow: tuple[str, ...] = ()) -> object:
        guard = PageGuard(allow)
        page = _new_page(browser, guard, tablet=tablet)
        guards.append(guard)
        pages.append(page)
        return page

    yield make
    for page in pages:
        page.context.close()  # type: ignore[attr-defined]
    problems = [p for g in guards for p in g.problems()]
    assert not problems, "the browser reported problems:\n" + "\n".join(problems)


def screenshot(page: object, name: str) -> Path:
    """Save a full-page screenshot into test-artifacts/screenshots (kept by the run)."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / (re.sub(r"[^\w.-]+", "_", name) + ".png")
    page.screenshot(path=str(path), full_page=True)  # type: ignore[attr-defined]
    return path


@pytest.fixture
def shot() -> object:
    """The screenshot function, as a fixture (test modules do not import conftest)."""
    return screenshot


@pytest.fixture
def unchecked_page(browser: object) -> Iterator[tuple[object, PageGuard]]:
    """A guarded page whose problems the test reads itself: to prove that the guard catches them."""
    guard = PageGuard()
    page = _new_page(browser, guard)
    yield page, guard
    page.context.close()  # type: ignore[attr-defined]
