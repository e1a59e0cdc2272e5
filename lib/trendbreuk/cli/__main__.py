from trendbreuk.cli import app

app()
