"""The 任务 page in headless chromium: an Excel import returns at once, and its job page follows the worker
to completion by itself (htmx polling), without a reload."""

from __future__ import annotations

import re
import threading

import pytest
from openpyxl import load_workbook

from lvzhi.demo.populate import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def run_worker_until(stop: threading.Event) -> None:
    """A worker in a thread of this process (it shares the live server's test database)."""
    from django.db import connection

    from lvzhi.jobs.worker import drain

    try:
        while not stop.wait(0.3):
            drain()
    finally:
        connection.close()


def test_the_import_page_returns_at_once_and_the_job_page_shows_progress_to_completion(
    live_server, fresh_demo, open_page, shot, tmp_path
):
    from lvzhi.evaluations.models import DataValue, Evaluation

    base = live_server.url
    ev = Evaluation.objects.select_related("round").get(region__code="239901", round__year=2023)
    page = open_page()
    page.goto(base + "/login/")
    page.fill("#id_username", "hlj_filler")
    page.fill("#id_password", PASSWORD)
    page.press("#id_password", "Enter")
    page.wait_for_url(re.compile(r".*/$"))
    page.goto(f"{base}/e/{ev.pk}/data/")
    with page.expect_download() as download:
        page.get_by_role("link", name="下载 Excel 填报模板").click()
    template = tmp_path / download.value.suggested_filename
    download.value.save_as(template)
    workbook = load_workbook(template)
    for row in workbook["数据填报"].iter_rows(min_row=2):
        if row[0].value == "kg_gross_enrolment_rate":
            row[4].value = 92.5
    filled = tmp_path / "某县填报.xlsx"
    workbook.save(filled)
    page.set_input_files("#wb-file", str(filled))
    page.get_by_role("button", name="导入", exact=True).click()
    # No worker runs yet: the page came back at once, on the job's own page, with the job waiting.
    page.wait_for_url(re.compile(r".*/jobs/[0-9a-f-]+/$"))
    assert "正在后台执行" in page.content()
    assert page.locator("#job-state").inner_text() == "排队中"
    assert not DataValue.objects.filter(
        evaluation=ev, item_code="kg_gross_enrolment_rate", value=92.5
    ).exists()
    shot(page, "jobs-01-import-queued")
    page.evaluate("window.stillTheSamePage = true")
    stop = threading.Event()
    worker = threading.Thread(target=run_worker_until, args=(stop,), daemon=True)
    worker.start()
    try:
        page.wait_for_selector("#job-state[data-status=succeeded]", timeout=30_000)
    finally:
        stop.set()
        worker.join(timeout=30)
    assert page.evaluate("window.stillTheSamePage") is True  # updated in place by polling, not reloaded
    assert page.locator("#job-progress").get_attribute("value") == "100"
    assert page.locator("#job-count").inner_text() == "1 / 1"
    assert "已导入“某县填报.xlsx”：1 个地区" in page.locator("#job-message").inner_text()
    shot(page, "jobs-02-import-done")
    page.get_by_role("link", name="任务", exact=True).click()
    assert "Excel 数据导入：某县填报.xlsx" in page.content() and "已完成" in page.content()
    page.goto(f"{base}/e/{ev.pk}/data/")
    assert page.locator("#v-kg_gross_enrolment_rate").input_value() == "92.5"
