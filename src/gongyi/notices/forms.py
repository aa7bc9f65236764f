from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import StringField, TextAreaField

from gongyi.forms import Form


class NoticeForm(Form):
    """A notice, or a page of the site: a title and plain text (paragraphs kept as typed)."""

    title = StringField(_l("标题"))
    body = TextAreaField(_l("正文"), description=_l("纯文本；空行分段，网址会显示为文字。"))
