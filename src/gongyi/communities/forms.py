"""Forms of the community pages. The services check every value and name the field of each
problem; the needs list's inputs are one pair per catalogue item, read by `NeedsForm.entries`."""
from __future__ import annotations

from typing import Any, Mapping

from flask_babel import lazy_gettext as _l
from wtforms import HiddenField, SelectField, StringField, TextAreaField

from gongyi.forms import Form
from gongyi.orgs.forms import district_choices


def chosen_id(value: str | None) -> int | None:
    """The record id a select posted, None for "none" or anything that is not an id."""
    value = value or ""
    return int(value) if value.isascii() and value.isdigit() and len(value) < 10 else None


class ProposeForm(Form):
    fallback_field = "name"

    district_code = SelectField(_l("所在区"), choices=district_choices, validate_choice=False)
    street = StringField(_l("所属街道"), render_kw={"maxlength": 100}, description=_l("例如：莲花街道"))
    name = StringField(_l("社区名称"), render_kw={"maxlength": 100}, description=_l("例如：莲花北社区"))


class CommunityForm(ProposeForm):
    """The administrator's form; `keeper_id` choices (verified organisations) are set by the view."""

    keeper_id = SelectField(_l("负责社区服务中心的组织"), choices=[], validate_choice=False,
                            description=_l("由该组织填写本社区的需求清单"))

    def keeper(self) -> int | None:
        return chosen_id(self.keeper_id.data)


class RejectForm(Form):
    fallback_field = "reason"

    reason = TextAreaField(_l("理由"), render_kw={"rows": 2})
    duplicate_of_id = SelectField(_l("与名录中的哪个社区重复（可选）"), choices=[], validate_choice=False,
                                  description=_l("选择后，引用该提议的项目和需求清单转到所选社区"))

    def duplicate_of(self) -> int | None:
        return chosen_id(self.duplicate_of_id.data)


class NeedsForm(Form):
    """A year's needs list: for each catalogue item a priority ("priority-<code>") and a note
    ("note-<code>"); problems the service names for those go to `problems`, shown beside them."""

    fallback_field = "year"

    year = HiddenField()

    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.problems: dict[str, list[str]] = {}

    def add_error(self, key: str | None, message: str) -> bool:
        if key and (key.startswith(("priority-", "note-")) or key == "items"):
            self.problems.setdefault(key, []).append(message)
            return True
        return super().add_error(key, message)

    @staticmethod
    def entries(formdata: Mapping[str, Any], codes: list[str]) -> dict[str, tuple[str, str]]:
        """item code -> (priority, note) as posted, for every catalogue item."""
        return {code: (formdata.get(f"priority-{code}", ""), formdata.get(f"note-{code}", "")) for code in codes}
