"""The service catalogue (服务目录): loading, exporting and searching the menu."""
from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass
from importlib import resources
from typing import Any, Iterable, NamedTuple

from sqlalchemy import select
from sqlalchemy.orm import Session

from gongyi.audit.service import record
from gongyi.catalogue.models import CatalogueVersion, Category, Item
from gongyi.numbers import has_control_characters
from gongyi.textfiles import FileProblems, readable_rows

COLUMNS = ["category_code", "category_name_zh", "category_name_en", "item_code", "item_name_zh", "item_name_en", "description_zh"]
_CATEGORY = re.compile(r"^\d{2}$")
_ITEM = re.compile(r"^(\d{2})\.\d{2}$")


class CatalogueFileError(FileProblems):
    """Every problem of a catalogue file, as `file:line: reason`."""


@dataclass(frozen=True)
class LoadReport:
    categories_added: int
    categories_updated: int
    items_added: int
    items_updated: int


def bundled_catalogue_text() -> str:
    return resources.files("gongyi.catalogue").joinpath("data/catalogue.csv").read_text("utf-8")


def parse_catalogue(text: str, filename: str = "catalogue.csv") -> list[dict[str, str]]:
    """Check every row; raise CatalogueFileError listing every bad line."""
    reader = csv.DictReader(io.StringIO(text))
    problems: list[str] = []
    try:
        fieldnames = reader.fieldnames
    except csv.Error as exc:
        raise CatalogueFileError([f"{filename}:1: {exc}"]) from None
    if fieldnames is None or [f.strip() for f in fieldnames] != COLUMNS:
        raise CatalogueFileError([f"{filename}:1: header must be {','.join(COLUMNS)}"])
    rows: list[dict[str, str]] = []
    seen: dict[str, int] = {}
    category_names: dict[str, tuple[str, str]] = {}
    for row in readable_rows(filename, reader, problems):
        line = reader.line_num
        if None in row or any(v is None for v in row.values()):
            problems.append(f"{filename}:{line}: wrong number of columns")
            continue
        row = {k: v.strip() for k, v in row.items()}
        if any(has_control_characters(v) for v in row.values()):
            problems.append(f"{filename}:{line}: control characters (such as NUL) are not allowed")
            continue
        cat, item = row["category_code"], row["item_code"]
        m = _ITEM.match(item)
        if not _CATEGORY.match(cat):
            problems.append(f"{filename}:{line}: category_code {cat!r} must be two digits")
        elif not m or m.group(1) != cat:
            problems.append(f"{filename}:{line}: item_code {item!r} must be {cat}.NN")
        elif item in seen:
            problems.append(f"{filename}:{line}: item_code {item} repeats line {seen[item]}")
        for key in ("category_name_zh", "item_name_zh"):
            if not row[key]:
                problems.append(f"{filename}:{line}: {key} is empty")
        names = (row["category_name_zh"], row["category_name_en"])
        if cat in category_names and category_names[cat] != names:
            problems.append(f"{filename}:{line}: category {cat} is named differently on an earlier line")
        category_names.setdefault(cat, names)
        seen.setdefault(item, line)
        rows.append(row)
    if problems:
        raise CatalogueFileError(problems)
    return rows


def load_catalogue(session: Session, actor: Any, rows: Iterable[dict[str, str]]) -> LoadReport:
    """Upsert categories and items by code, so loading the same file twice changes nothing. One
    load at a time: every write to the catalogue changes its version row, so two loads writing
    items in different orders would otherwise deadlock on it."""
    session.execute(select(CatalogueVersion.id).with_for_update())
    rows = list(rows)
    categories = {c.code: c for c in session.scalars(select(Category))}
    items = {i.code: i for i in session.scalars(select(Item))}
    counts = {"ca": 0, "cu": 0, "ia": 0, "iu": 0}
    for row in rows:
        cat = categories.get(row["category_code"])
        if cat is None:
            cat = Category(code=row["category_code"], name_zh=row["category_name_zh"], name_en=row["category_name_en"])
            session.add(cat)
            categories[cat.code] = cat
            counts["ca"] += 1
        elif (cat.name_zh, cat.name_en) != (row["category_name_zh"], row["category_name_en"]):
            cat.name_zh, cat.name_en = row["category_name_zh"], row["category_name_en"]
            counts["cu"] += 1
    session.flush()
    for row in rows:
        values = {"category_code": row["category_code"], "name_zh": row["item_name_zh"],
                  "name_en": row["item_name_en"], "description_zh": row["description_zh"]}
        item = items.get(row["item_code"])
        if item is None:
            session.add(Item(code=row["item_code"], **values))
            counts["ia"] += 1
        elif any(getattr(item, k) != v for k, v in values.items()):
            for k, v in values.items():
                setattr(item, k, v)
            counts["iu"] += 1
    session.flush()
    report = LoadReport(counts["ca"], counts["cu"], counts["ia"], counts["iu"])
    if any(counts.values()) and actor is not None:
        record(session, actor, "catalogue.load", next(iter(categories.values())), **counts)
    return report


def export_catalogue(session: Session) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(COLUMNS)
    stmt = select(Item, Category).join(Category).order_by(Item.code)
    for item, cat in session.execute(stmt):
        writer.writerow([cat.code, cat.name_zh, cat.name_en, item.code, item.name_zh, item.name_en, item.description_zh])
    return out.getvalue()


class MenuCategory(NamedTuple):
    code: str
    name_zh: str
    name_en: str


class MenuItem(NamedTuple):
    code: str
    name_zh: str
    name_en: str
    description_zh: str


Catalogue = tuple[tuple[MenuCategory, tuple[MenuItem, ...]], ...]
_read: dict[str, Catalogue] = {}  # the version token -> the catalogue read under it


def _catalogue(session: Session) -> Catalogue:
    """Every category with its items, in one statement."""
    groups: dict[str, tuple[MenuCategory, list[MenuItem]]] = {}
    for row in session.execute(
            select(Category.code, Category.name_zh, Category.name_en, Item.code, Item.name_zh, Item.name_en,
                   Item.description_zh).outerjoin(Item, Item.category_code == Category.code)
            .order_by(Category.code, Item.code)):
        _category, items = groups.setdefault(row[0], (MenuCategory(*row[:3]), []))
        if row[3] is not None:
            items.append(MenuItem(*row[3:]))
    return tuple((category, tuple(items)) for category, items in groups.values())


def items_by_code(session: Session) -> dict[str, MenuItem]:
    """Every item of the catalogue by its code, as `browse` keeps it (a project's page names its items)."""
    return {item.code: item for _category, items in browse(session) for item in items}


def browse(session: Session, query: str = "") -> list[tuple[MenuCategory, tuple[MenuItem, ...]]]:
    """Categories with their items as plain records; with a query, only matching items (by code,
    name or description). The order form lists the whole catalogue each time it opens: the
    process keeps what it read under the catalogue's version token and reads it again only
    when a write has changed the token (one small statement instead of 175 rows)."""
    token = session.scalar(select(CatalogueVersion.token))
    kept = _read.get(token) if token is not None else None
    if kept is None:
        kept = _catalogue(session)
        _read.clear()
        if token is not None:
            _read[token] = kept
    q = query.strip().lower()
    if not q:
        return list(kept)
    result = []
    for cat, items in kept:
        cat_hit = q in cat.name_zh.lower() or q in cat.name_en.lower() or q == cat.code
        hits = tuple(i for i in items if cat_hit or any(q in s.lower() for s in (i.code, i.name_zh, i.name_en, i.description_zh)))
        if hits:
            result.append((cat, hits))
    return result
