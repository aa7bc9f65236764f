"""Our forms write plain inputs and text areas directly (gongyi.forms._input, _textarea); their
HTML is the one WTForms' own widgets give, attribute for attribute: for every field of every form
of the app, bound to awkward values, and for the attributes a template passes."""
from __future__ import annotations

import importlib

import pytest
from markupsafe import Markup
from wtforms import DateField, Form as PlainForm, HiddenField, IntegerField, StringField, TextAreaField
from wtforms.meta import DefaultMeta
from wtforms.validators import DataRequired, Length, Optional

from gongyi import forms

FORM_MODULES = ["audit.views", "auth.forms", "calls.forms", "calls.round_forms", "communities.forms",
                "execution.forms", "library.forms", "notices.forms", "orgs.forms", "results.admin_forms",
                "results.publication_forms", "review.forms", "submissions.admin_forms", "submissions.forms"]
ATTRS = ({}, {"aria_label": "名 \"称\"", "class_": "k", "required": True, "data_x": 1, "disabled": False},
         {"aria-describedby": "x-help", "value": "<b>&"}, {"maxlength": 5, "readonly": True})
AWKWARD = 'A "q" <b> & \'s\'\n第二行'


def _form_classes():
    for name in FORM_MODULES:
        importlib.import_module(f"gongyi.{name}")
    found, todo = [], [forms.Form]
    while todo:
        cls = todo.pop()
        todo += cls.__subclasses__()
        found.append(cls)
    return [cls for cls in found if cls.__module__.startswith("gongyi.") and cls is not forms.Form]


def _fields(form):
    for field in form:
        if field.type == "FormField":
            yield from _fields(field.form)
        elif field.type == "FieldList":
            for entry in field:
                yield from (_fields(entry.form) if entry.type == "FormField" else [entry])
        else:
            yield field


def _theirs(field, attrs):
    """What WTForms' own meta renders (its widgets, its html_params)."""
    return DefaultMeta.render_field(field.meta, field, dict(attrs))


def test_the_app_has_forms_and_their_text_fields_are_rendered_the_fast_way(app):
    classes = _form_classes()
    assert len(classes) > 20
    from gongyi.submissions.forms import ProjectForm

    with app.test_request_context():
        form = ProjectForm(formdata=None, meta={"csrf": False})
        assert form.title.meta.render_field.__func__ is forms.Form.Meta.render_field


def test_every_field_of_every_form_renders_as_wtforms_does(app):
    compared = 0
    with app.test_request_context():
        for cls in _form_classes():
            try:
                form = cls(formdata=None, meta={"csrf": False})
            except TypeError:
                continue  # a form that needs its own arguments (built per page)
            for field in _fields(form):
                if field.type in ("StringField", "TextAreaField", "HiddenField", "EmailField", "SearchField"):
                    field.data = AWKWARD
                for attrs in ATTRS:
                    assert str(field(**attrs)) == str(_theirs(field, attrs)), (cls.__name__, field.name, attrs)
                    compared += 1
    assert compared > 300


class Odd(forms.Form):
    required = StringField("r", validators=[DataRequired(), Length(min=2, max=9)])
    optional = StringField("o", validators=[Optional()], render_kw={"placeholder": 'say "hi"', "data_y": True})
    hidden = HiddenField("h", default="1 < 2")
    number = IntegerField("n", validators=[DataRequired()])
    day = DateField("d")
    text = TextAreaField("t", validators=[DataRequired(), Length(max=50)], render_kw={"rows": 3})
    markup = StringField("m", default=Markup('<i>"x"</i>'))


def test_odd_fields_render_as_wtforms_does(app):
    plain = type("Plain", (PlainForm,), {name: f for name, f in vars(Odd).items() if hasattr(f, "field_class")})
    with app.test_request_context():
        ours, theirs = Odd(formdata=None, meta={"csrf": False}), plain()
        for name in ("required", "optional", "hidden", "number", "day", "text", "markup"):
            for attrs in ATTRS:
                assert str(ours[name](**attrs)) == str(theirs[name](**attrs)), (name, attrs)
        assert str(ours["required"]()) == '<input id="required" maxlength="9" minlength="2" name="required" required type="text" value="">'
        assert str(ours["text"]()) == '<textarea id="text" maxlength="50" name="text" required rows="3">\r\n</textarea>'


@pytest.mark.parametrize("value", ["", "0", AWKWARD])
def test_a_text_areas_content_is_escaped_once(app, value):
    with app.test_request_context():
        form = Odd(formdata=None, meta={"csrf": False}, data={"text": value})
        assert str(form.text()).endswith(f"\r\n{Markup.escape(value)}</textarea>")
