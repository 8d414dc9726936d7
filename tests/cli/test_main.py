from typer.testing import CliRunner

from lvzhi.cli.main import app


def test_lvzhi_help_lists_the_command():
    result = CliRunner().invoke(app, ["--help"])
    assert result.exit_code == 0
    assert "version" in result.output
