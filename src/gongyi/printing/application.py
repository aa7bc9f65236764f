"""The printable application (申报书): a submitted project as a PDF to print, seal (盖章) and file.

Drawn with fpdf2 in the vendored CJK font (fonts/README.md), which the PDF embeds as a subset of
the glyphs it uses, so it reads the same on any machine. Labels follow the reader's language;
the project's own text is printed as the organisation wrote it.
"""
from __future__ import annotations

import re
from pathlib import Path
from typing import Any, Mapping

from flask_babel import gettext as _
from fpdf import FPDF
from fpdf.enums import XPos, YPos
from fpdf.fonts import FontFace

from gongyi.formatting import local_time
from gongyi.money import format_fen
from gongyi.orgs.districts import district_name
from gongyi.orgs.vocab import ORG_TYPES
from gongyi.submissions.funds import funding_totals
from gongyi.submissions.vocabularies import SUBMISSION_STATUSES
from gongyi.funding.sources import FUND_SOURCE_LABELS, FUND_STATUS_LABELS

FONT = Path(__file__).parent / "fonts" / "NotoSansCJKsc-Regular-subset.otf"
FAMILY = "cjk"
_UNPRINTABLE = re.compile(r"[\x00-\x08\x0b-\x1f\x7f\u200b-\u200f\u2028-\u202e\ufeff]")
HEADING = FontFace(emphasis=None, fill_color=(235, 238, 242))


def clean(text: Any) -> str:
    """Text as the font can set it: tabs as spaces, no control or invisible formatting characters."""
    return _UNPRINTABLE.sub("", str(text if text is not None else "").replace("\t", "    "))


class _Document(FPDF):
    def __init__(self, footer_text: str):
        super().__init__(format="A4")
        self.footer_text = footer_text
        self.add_font(FAMILY, fname=str(FONT))
        self.set_font(FAMILY, size=10.5)
        self.set_auto_page_break(True, margin=18)
        self.set_margins(18, 18, 18)

    def footer(self) -> None:
        self.set_y(-13)
        self.set_font(FAMILY, size=8)
        self.cell(0, 6, clean(self.footer_text), align="L")
        self.set_x(-50)
        self.cell(32, 6, _("第 %(page)s 页 / 共 %(pages)s 页", page=self.page_no(), pages="{nb}"), align="R")

    def heading(self, text: str) -> None:
        self.ln(3)
        self.set_font(FAMILY, size=13)
        self.cell(0, 9, clean(text), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        self.set_draw_color(120, 120, 120)
        self.line(self.l_margin, self.get_y(), self.w - self.r_margin, self.get_y())
        self.ln(2)
        self.set_font(FAMILY, size=10.5)

    def facts(self, rows: list[tuple[str, Any]]) -> None:
        with self.table(col_widths=(32, 142), first_row_as_headings=False, line_height=6.5) as table:
            for name, value in rows:
                row = table.row()
                row.cell(clean(name), style=HEADING)
                row.cell(clean(value))

    def paragraph(self, title: str, text: str) -> None:
        self.set_font(FAMILY, size=11)
        self.cell(0, 7, clean(title), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        self.set_font(FAMILY, size=10.5)
        self.multi_cell(0, 6, clean(text) or "—", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        self.ln(1.5)

    def grid(self, widths: tuple[int, ...], header: list[str], rows: list[list[Any]], empty: str) -> None:
        if not rows:
            self.multi_cell(0, 6, clean(empty), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
            return
        with self.table(col_widths=widths, headings_style=HEADING, line_height=6.5) as table:
            for values in [header, *rows]:
                row = table.row()
                for value in values:
                    row.cell(clean(value))


def _district(code: str | None, english: bool) -> str:
    return district_name(code, "en" if english else "zh_CN")


def _organisation(pdf: _Document, org: Any, english: bool) -> None:
    pdf.heading(_("一、申报单位"))
    pdf.facts([(_("组织名称"), org.name), (_("统一社会信用代码"), org.credit_code),
               (_("组织类型"), _(ORG_TYPES[org.org_type]) if org.org_type in ORG_TYPES else org.org_type),
               (_("所在区"), _district(org.district_code, english)), (_("联系人"), org.contact_person),
               (_("联系电话"), org.phone), (_("地址"), org.address)])


def _project(pdf: _Document, s: Any, english: bool) -> None:
    pdf.heading(_("二、项目概况"))
    pdf.facts([(_("项目名称"), s.title), (_("服务社区"), " ".join(filter(None, (
                   _district(s.community_district, english), s.community_street, s.community_name)))),
               (_("服务对象"), s.beneficiary_group),
               (_("受益人数"), s.beneficiary_count if s.beneficiary_count is not None else ""),
               (_("申请资助金额（元）"), format_fen(s.requested_fen))])
    pdf.heading(_("三、项目内容"))
    for title, text in ((_("项目摘要"), s.summary), (_("社区问题与需求"), s.problem), (_("项目目标"), s.objectives),
                        (_("主要活动"), s.activities), (_("项目团队"), s.team)):
        pdf.paragraph(title, text)


def _items_and_money(pdf: _Document, s: Any, catalogue: Mapping[str, Any], english: bool) -> None:
    pdf.heading(_("四、服务项目（点单）"))
    pdf.grid((24, 60, 90), [_("编号"), _("服务项目"), _("回应的社区需求")],
             [[i.item_code, _item_name(catalogue.get(i.item_code), english), i.need] for i in s.items],
             _("未选择服务项目"))
    pdf.heading(_("五、项目预算"))
    budget = [[line.what, format_fen(line.amount_fen)] for line in s.budget_lines]
    total = sum(line.amount_fen for line in s.budget_lines)
    pdf.grid((130, 44), [_("预算科目"), _("金额（元）")], budget + ([[_("合计"), format_fen(total)]] if budget else []),
             _("未填写预算"))
    pdf.heading(_("六、已募集的社会资金"))
    funds = [[_(FUND_SOURCE_LABELS[f.source]), f.donor, format_fen(f.amount_fen), _(FUND_STATUS_LABELS[f.status])]
             for f in s.funding_lines]
    totals = funding_totals(s.funding_lines)
    pdf.grid((30, 74, 40, 30), [_("来源"), _("出资方"), _("金额（元）"), _("核实状态")], funds, _("未申报募集资金"))
    if funds:
        pdf.multi_cell(0, 7, _("申报合计 %(declared)s 元，其中已核实 %(verified)s 元", declared=format_fen(totals.declared_fen),
                               verified=format_fen(totals.verified_fen)), new_x=XPos.LMARGIN, new_y=YPos.NEXT)


def _item_name(item: Any, english: bool) -> str:
    if item is None:
        return ""
    return item.name_en if english and item.name_en else item.name_zh


def _attachments_and_seal(pdf: _Document, s: Any) -> None:
    pdf.heading(_("七、附件清单"))
    pdf.grid((10, 114, 22, 28), [_("序号"), _("文件名"), _("大小"), _("上传时间")],
             [[n, a.filename, f"{a.size / 1024:.1f} KB", local_time(a.uploaded_at)]
              for n, a in enumerate(s.attachments, 1)], _("无附件"))
    if pdf.get_y() > pdf.h - 85:
        pdf.add_page()
    pdf.heading(_("八、申报单位承诺与盖章"))
    pdf.multi_cell(0, 6.5, _("本单位承诺：申报书所填内容及所附材料真实、准确、完整，募集资金来源合法；如有不实，愿承担相应责任。"),
                   new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.ln(6)
    top = pdf.get_y()
    pdf.set_draw_color(150, 150, 150)
    pdf.rect(pdf.w - pdf.r_margin - 52, top, 52, 52)  # where the seal goes
    pdf.set_xy(pdf.w - pdf.r_margin - 52, top + 22)
    pdf.cell(52, 8, _("（盖章处）"), align="C")
    pdf.set_xy(pdf.l_margin, top + 6)
    for line in (_("申报单位（盖章）："), _("负责人（签字）："), _("日期：　　　　年　　月　　日")):
        pdf.cell(100, 14, line, new_x=XPos.LMARGIN, new_y=YPos.NEXT)


def application_pdf(submission: Any, catalogue: Mapping[str, Any], *, english: bool = False) -> bytes:
    """The application of a submitted project as PDF bytes."""
    s, call = submission, submission.call
    pdf = _Document(f"{s.ref} · {s.organisation.name}")
    pdf.set_title(clean(f"{s.ref} {s.title}"))
    pdf.set_creator("gongyi")
    pdf.add_page()
    pdf.set_font(FAMILY, size=18)
    pdf.multi_cell(0, 11, clean(call.title), align="C", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.set_font(FAMILY, size=22)
    pdf.cell(0, 14, _("项目申报书"), align="C", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.set_font(FAMILY, size=10.5)
    pdf.cell(0, 7, _("申报编号：%(ref)s　　状态：%(status)s　　提交时间：%(at)s", ref=s.ref,
                     status=_(SUBMISSION_STATUSES[s.status]), at=local_time(s.submitted_at) if s.submitted_at else "—"),
             align="C", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    _organisation(pdf, s.organisation, english)
    _project(pdf, s, english)
    _items_and_money(pdf, s, catalogue, english)
    _attachments_and_seal(pdf, s)
    return bytes(pdf.output())
