"""The catalogue a process keeps (catalogue.service.browse): read once under the catalogue's
version token, and read again after any write to a category or an item, whoever made it (the
database's triggers change the token), in this session or another one."""
from __future__ import annotations

from sqlalchemy import select, text

from gongyi.catalogue import service as catalogue
from gongyi.catalogue.models import CatalogueVersion


def _name(groups, code: str) -> str:
    return next(item.name_zh for _category, items in groups for item in items if item.code == code)


def test_the_catalogue_is_read_once_per_version_and_again_after_any_write(app, db, statements):
    first = catalogue.browse(db)
    assert len(first) == 31 and sum(len(items) for _c, items in first) == 144
    with statements:
        again = catalogue.browse(db)
    assert again == first and len(statements) == 1  # the token only
    token = db.scalar(select(CatalogueVersion.token))
    with app.extensions["gongyi.engine"].begin() as other:  # another process's write, in plain SQL
        other.execute(text("UPDATE item SET name_zh = '助餐服务（新名称）' WHERE code = '02.01'"))
    db.rollback()
    assert db.scalar(select(CatalogueVersion.token)) != token
    assert _name(catalogue.browse(db), "02.01") == "助餐服务（新名称）"
    db.execute(text("DELETE FROM item WHERE code = '02.02'"))  # this session's own write, not committed
    assert "02.02" not in {item.code for _c, items in catalogue.browse(db) for item in items}
    db.rollback()
    assert "02.02" in {item.code for _c, items in catalogue.browse(db) for item in items}
    db.execute(text("INSERT INTO category (code, name_zh, name_en) VALUES ('32', '新类别', 'New')"))
    assert [c.code for c, _items in catalogue.browse(db)][-1] == "32"
    db.rollback()


def test_a_search_reads_the_kept_catalogue(db, statements):
    catalogue.browse(db)
    with statements:
        found = catalogue.browse(db, "助餐")
    assert len(statements) == 1 and found and all(any("助餐" in i.name_zh or "助餐" in i.description_zh for i in items)
                                                   or "助餐" in c.name_zh for c, items in found)
