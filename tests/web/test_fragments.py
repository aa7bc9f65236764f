"""Fragments kept per process (gongyi.fragments): an empty form is rendered once per language
and set of labels, a form with data or a problem every time."""
from __future__ import annotations

from flask_babel import force_locale

from gongyi import fragments
from gongyi.fragments import pristine_form
from gongyi.submissions.forms import FundingLineForm


def test_an_empty_form_is_rendered_once_and_a_form_with_data_or_problems_each_time(app, monkeypatch):
    monkeypatch.setattr(fragments, "_entries", {})  # the process's fragments, as a process starts
    renders = []

    def fields(form):
        renders.append(form.donor.data)
        return f"<input value='{form.donor.data or ''}'>{form.donor.label.text}"

    with app.test_request_context():
        first = pristine_form(FundingLineForm(formdata=None, prefix="fund"), fields)
        again = pristine_form(FundingLineForm(formdata=None, prefix="fund"), fields)
        assert first == again and renders == [None]
        with force_locale("en"):
            english = pristine_form(FundingLineForm(formdata=None, prefix="fund"), fields)
        assert english != first and "Donor" in english and len(renders) == 2
        typed = FundingLineForm(formdata=None, prefix="fund", data={"donor": "甲公司"})
        assert "甲公司" in pristine_form(typed, fields)
        refused = FundingLineForm(formdata=None, prefix="fund")
        refused.donor.errors = ["请填写捐赠方"]
        pristine_form(refused, fields)
        assert len(renders) == 4  # neither was kept
        described = FundingLineForm(formdata=None, prefix="fund")
        described.evidence.description = "不超过 1 MB"
        pristine_form(described, fields)
        assert len(renders) == 5  # another description is another fragment

        def other(form):
            return "another macro"

        assert pristine_form(FundingLineForm(formdata=None, prefix="fund"), other) == "another macro"
