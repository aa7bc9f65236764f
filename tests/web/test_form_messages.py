"""WTForms' own messages (a required field left empty, say) come in the page's language, from
their catalogue read once per process and language rather than for every request."""
from __future__ import annotations

from flask import session
from wtforms import StringField
from wtforms.validators import DataRequired

from gongyi import forms


class _Named(forms.Form):
    name = StringField("name", validators=[DataRequired()])


def _errors(app, locale: str) -> list[str]:
    with app.test_request_context("/", method="POST", data={}):
        session["locale"] = locale  # a visitor's choice of language
        form = _Named(meta={"csrf": False})
        assert not form.validate()
        return list(form.name.errors)


def test_wtforms_messages_follow_the_language_and_are_read_once(app):
    forms._wtforms_messages.cache_clear()
    assert _errors(app, "zh_CN") == ["该字段是必填字段。"]
    assert _errors(app, "en") == ["This field is required."]
    assert _errors(app, "zh_CN") == ["该字段是必填字段。"]
    assert forms._wtforms_messages.cache_info().misses == 2
