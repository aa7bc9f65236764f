"""A select of our forms (gongyi.forms._Select) writes its plain options directly; its HTML is
the one WTForms' own widget gives, attribute for attribute, whatever the choices."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import Form as PlainForm
from wtforms import SelectField, SelectMultipleField
from wtforms.fields.choices import SelectChoice

from gongyi import forms

FIELDS = {
    "a": lambda: SelectField("a", choices=[SelectChoice("", _l("请选择")), SelectChoice("x", 'A "q" <b>'), SelectChoice("y&z", "Y")],
                             render_kw={"data_x": "1"}),
    "b": lambda: SelectField("b", choices=[SelectChoice("1", "one", render_kw={"disabled": True}), SelectChoice("2", "two")]),
    "c": lambda: SelectMultipleField("c", choices=[SelectChoice("1", "one"), SelectChoice("2", "two")]),
    "d": lambda: SelectField("d", choices=[SelectChoice("1", "one", optgroup="G1"), SelectChoice("2", "<two>", optgroup="G2")]),
    "e": lambda: SelectField("e", choices=[SelectChoice(True, "yes"), SelectChoice(False, "no")], coerce=str),
    "f": lambda: SelectField("f", choices=[SelectChoice(1, "one"), SelectChoice(2, None)], coerce=int),
}


def test_our_selects_render_as_wtforms_does(app):
    ours = type("Ours", (forms.Form,), {k: make() for k, make in FIELDS.items()})
    theirs = type("Theirs", (PlainForm,), {k: make() for k, make in FIELDS.items()})
    data = {"a": "y&z", "c": ["2"], "e": "True", "f": 2}
    with app.test_request_context():
        mine, plain = ours(formdata=None, meta={"csrf": False}, data=data), theirs(data=data)
        for name in FIELDS:
            for attrs in ({}, {"aria_label": "L", "class_": "k", "required": True}):
                assert str(mine[name](**attrs)) == str(plain[name](**attrs)), name
        assert '<option selected value="y&amp;z">Y</option>' in str(mine["a"]())
        assert 'A &#34;q&#34; &lt;b&gt;' in str(mine["a"]())
