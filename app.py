"""WSGI entry point: `flask --app app run`, `gunicorn app:app`."""
from gongyi import create_app
from gongyi.collector import settle_after_start

app = create_app()
settle_after_start()  # each gunicorn worker imports this module once, then serves for hours
