"""The list pages build a row's link from a pattern made once (webutil.url_pattern) and translate
a vocabulary once (the `translated` filter): both must give exactly what the per-row call gave."""
from __future__ import annotations

from flask import render_template_string, url_for
from flask_babel import force_locale

from gongyi.formatting import label
from gongyi.web import VOCABULARIES
from gongyi.webutil import url_pattern

TRICKY = ["P00001", "A-1_b.2~", "项目 1", "a/b", "%41", "x?y=1&z", "#frag", "0ROWKEY0", "a+b c", "'\"<>", "é", "12"]


def test_a_url_pattern_builds_what_url_for_builds(app):
    with app.test_request_context("/"):
        for endpoint, values in (("public_results.project", {"slug": "city-2026"}),
                                 ("public_results.project", {"slug": "city-2026", "run": 3}),
                                 ("public_results.object_to", {"slug": "a b/c"}),
                                 ("public_results.project", {"slug": "0ROWKEY0"})):  # the marker elsewhere: built in full
            row_url = url_pattern(endpoint, "ref", **values)
            for ref in TRICKY:
                assert row_url(ref) == url_for(endpoint, ref=ref, **values), (endpoint, values, ref)
        detail = url_pattern("screening.detail", "submission_id")  # an <int:...> segment
        for number in (1, 12, 9_081_726_354, 10**12):
            assert detail(number) == url_for("screening.detail", submission_id=number)


def test_a_vocabulary_translated_once_matches_each_label(app):
    outcomes = VOCABULARIES.outcomes
    for locale in ("zh_CN", "en"):
        with app.test_request_context("/"), force_locale(locale):
            shown = render_template_string(
                "{% set o = vocab.outcomes|translated %}{% for v in values %}{{ o.get(v, v) }}|{% endfor %}",
                values=[*outcomes, "unknown"])
            assert shown == "".join(f"{label(v, outcomes)}|" for v in [*outcomes, "unknown"])
    with app.test_request_context("/"), force_locale("en"):  # and it is translated
        assert render_template_string("{{ (vocab.outcomes|translated)['matched'] }}") != outcomes["matched"]
