"""A request's translations are found once (gongyi.i18n), and a forced language (the mail's, in
the recipient's language) is still honoured in Python code and templates, and undone after."""
from __future__ import annotations

import flask_babel
from flask import render_template_string
from flask_babel import force_locale, gettext, lazy_gettext


def test_a_request_finds_its_translations_once(app, monkeypatch):
    found = []
    lookup = flask_babel.Domain.get_translations
    monkeypatch.setattr(flask_babel.Domain, "get_translations", lambda self: found.append(1) or lookup(self))
    with app.test_request_context():
        for _ in range(50):
            assert gettext("请选择") == "请选择" and str(lazy_gettext("请选择")) == "请选择"
        assert render_template_string("{{ _('请选择') }}" * 20) == "请选择" * 20
    assert len(found) == 1


def test_a_forced_language_is_honoured_and_undone(app):
    with app.test_request_context():
        assert gettext("请选择") == "请选择"
        with force_locale("en"):
            assert gettext("请选择") == "Please select"
            assert str(lazy_gettext("请选择")) == "Please select"
            assert render_template_string("{{ _('请选择') }}") == "Please select"
        assert gettext("请选择") == "请选择"
        assert render_template_string("{{ _('请选择') }}") == "请选择"
    with app.test_request_context():
        with force_locale("en"):
            assert gettext("请选择") == "Please select"  # a new request, forced before anything was looked up
        assert gettext("请选择") == "请选择"


def test_outside_the_app_messages_are_not_translated():
    assert gettext("请选择") == "请选择" and str(lazy_gettext("请选择")) == "请选择"
