"""The browser guard every page test runs under really catches console errors and requests off the host."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.browser


def test_a_console_error_and_an_uncaught_exception_are_caught(unchecked_page):
    page, guard = unchecked_page
    page.set_content("<script>console.error('数据加载失败'); throw new Error('未捕获')</script>")
    page.wait_for_timeout(100)
    problems = guard.problems()
    assert any("数据加载失败" in p for p in problems)
    assert any("未捕获" in p for p in problems)


def test_a_request_to_another_host_is_blocked_and_reported(unchecked_page):
    page, guard = unchecked_page
    page.set_content('<img src="https://cdn.example.com/echarts.min.js.png">')
    page.wait_for_timeout(200)
    assert guard.foreign_requests == ["https://cdn.example.com/echarts.min.js.png"]
    assert any("non-local host" in p for p in guard.problems())


def test_a_local_page_without_problems_passes(unchecked_page):
    page, guard = unchecked_page
    page.set_content("<p>公开结果</p>")
    assert guard.problems() == []
