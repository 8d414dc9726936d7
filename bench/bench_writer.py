"""Benchmark of the report writer: one county report as .docx and .pdf, and a batch of reports.

Input: the five seed regions' data files and reconstructed schemes (src/lvzhi/data/seeds), scored by the real
engine; the batch cycles through them under new region codes. Prints, from one run: the time to build and
write one county report (巴南区) as docx (target < 0.5 s) and as pdf (target < 2 s), the batch's time per
report, and — where LibreOffice is installed — LibreOffice headless converting the same .docx to PDF, as the
baseline, with the ratio ours / LibreOffice. No timed asserts: times and ratios measured here, on this machine.

    bash scripts/setup-bench.sh   # once: LibreOffice for the baseline (opt-in, not part of CI)
    .venv/bin/python bench/bench_writer.py [--batch 100]
"""

from __future__ import annotations

import argparse
import dataclasses
import os
import shutil
import statistics
import subprocess
import tempfile
import time
from collections.abc import Callable
from datetime import date
from pathlib import Path

from lvzhi.writer.builder import build_report
from lvzhi.writer.docx import render_docx
from lvzhi.writer.files import contexts_from_files
from lvzhi.writer.pdf import render_pdf

DATA = Path(__file__).resolve().parent.parent / "src" / "lvzhi" / "data" / "seeds"
SEEDS = {
    "chongqing-banan-2023": "chongqing-2023-county",
    "qinghai-haidong-2020": "qinghai-2020-city",
    "yunnan-zhaotong-2024": "yunnan-2024-city",
    "zhejiang-wuxing-2019": "zhejiang-2019-county",
    "heilongjiang-county-2024": "heilongjiang-2024-county",
}


def timed(fn: Callable[[], object], repeat: int) -> tuple[float, float]:
    """Median wall time and median CPU time of `repeat` calls (the first, warming caches, not counted).

    CPU time (this process only) is printed beside wall time because the CI machine is shared: under load
    the wall time grows with the queue, the CPU time much less.
    """
    fn()
    wall, cpu = [], []
    for _ in range(repeat):
        t, c = time.perf_counter(), time.process_time()
        fn()
        wall.append(time.perf_counter() - t)
        cpu.append(time.process_time() - c)
    return statistics.median(wall), statistics.median(cpu)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--batch", type=int, default=100)
    args = parser.parse_args()
    contexts = [
        contexts_from_files(s, DATA / f"{d}.json", when=date(2024, 5, 19))[0] for d, s in SEEDS.items()
    ]
    county = contexts[0]
    # Times depend on what else runs: the load average says how busy the machine was.
    print(
        f"负载（1/5/15 分钟平均）: {' / '.join(f'{x:.1f}' for x in os.getloadavg())}，CPU 核数 {os.cpu_count()}"
    )

    docx_wall, docx_cpu = timed(lambda: render_docx(build_report(county)), 5)
    pdf_wall, pdf_cpu = timed(lambda: render_pdf(build_report(county)), 3)
    print(
        f"一个区县报告（{county.region_name}）docx: {docx_wall:.3f} s（CPU {docx_cpu:.3f} s；目标 < 0.5 s）"
    )
    print(f"一个区县报告（{county.region_name}）pdf:  {pdf_wall:.3f} s（CPU {pdf_cpu:.3f} s；目标 < 2 s）")

    batch = [
        dataclasses.replace(contexts[i % len(contexts)], region_code=f"9{i:05d}") for i in range(args.batch)
    ]

    def docx_batch() -> None:
        for ctx in batch:
            render_docx(build_report(ctx))

    def both_batch() -> None:
        for ctx in batch:
            doc = build_report(ctx)
            render_docx(doc)
            render_pdf(doc)

    for label, fn in (("docx", docx_batch), ("docx+pdf", both_batch)):
        t, c = time.perf_counter(), time.process_time()
        fn()
        wall, cpu = time.perf_counter() - t, time.process_time() - c
        print(
            f"批量 {args.batch} 份 {label}: 共 {wall:.1f} s，每份 {wall / args.batch:.3f} s（CPU 每份 {cpu / args.batch:.3f} s）"
        )
    print(f"负载（1/5/15 分钟平均）: {' / '.join(f'{x:.1f}' for x in os.getloadavg())}")

    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    if soffice is None:
        print("基线：未安装 LibreOffice（soffice/libreoffice），无法对比 docx → pdf 转换")
        return
    with tempfile.TemporaryDirectory() as tmp:
        src = Path(tmp) / "report.docx"
        src.write_bytes(render_docx(build_report(county)))
        profile = Path(tmp) / "profile"  # a private profile: no interference with a running office

        def convert() -> None:
            subprocess.run(
                [
                    soffice,
                    f"-env:UserInstallation=file://{profile}",
                    "--headless",
                    "--convert-to",
                    "pdf",
                    "--outdir",
                    tmp,
                    str(src),
                ],
                check=True,
                capture_output=True,
            )

        lo_wall, _ = timed(convert, 3)  # LibreOffice runs in a child process: only wall time compares
    ours, _ = timed(lambda: render_pdf(build_report(county)), 3)
    print(
        f"基线：LibreOffice headless docx → pdf: {lo_wall:.3f} s；本项目 pdf: {ours:.3f} s；"
        f"比值 本项目/LibreOffice = {ours / lo_wall:.2f}"
    )


if __name__ == "__main__":
    main()
