"""Root of the `lvzhi` command: gathers the commands each domain module registers."""

from __future__ import annotations

import typer

from lvzhi.cli import admin, inspection, jobs, office, platform, reader, report, schemes, survey

app = typer.Typer(
    name="lvzhi",
    help="履职 — 政府履行教育职责评价平台 (Lüzhi: evaluation of how governments perform their education duties).",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)


@app.callback()
def main() -> None:
    """履职 — 政府履行教育职责评价平台。"""


@app.command()
def version() -> None:
    """打印版本号 (print the version)."""
    from lvzhi import __version__

    typer.echo(f"lvzhi {__version__}")


for module in (schemes, reader, report, platform, admin, jobs, office, inspection, survey):
    module.register(app)


if __name__ == "__main__":
    app()
