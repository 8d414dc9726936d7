from lvzhi.cli.main import app

app()
