"""WSGI entry point: `flask --app app run`, `gunicorn app:app`."""
from gongyi import create_app

app = create_app()
