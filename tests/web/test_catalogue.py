import csv
import io

from sqlalchemy import func, select

from gongyi.catalogue.models import Category, Item


def test_bundled_catalogue_has_31_categories_and_144_items(db):
    assert db.scalar(select(func.count()).select_from(Category)) == 31
    assert db.scalar(select(func.count()).select_from(Item)) == 144
    codes = db.scalars(select(Item.code)).all()
    assert all(code[:2] == cat for code, cat in db.execute(select(Item.code, Item.category_code)))
    assert "07.03" in codes


def test_catalogue_page_and_search(client):
    page = client.get("/catalogue/").get_data(as_text=True)
    assert "31 个类别，144 个服务项目" in page
    page = client.get("/catalogue/?q=07.03").get_data(as_text=True)
    assert 'id="item-07.03"' in page and "1 个类别，1 个服务项目" in page
    page = client.get("/catalogue/?q=zzzz-nothing").get_data(as_text=True)
    assert "没有找到" in page


def test_export_round_trips_through_load(runner, tmp_path, db):
    out = tmp_path / "cat.csv"
    assert runner.invoke(args=["catalogue", "export", "--out", str(out)]).exit_code == 0
    rows = list(csv.DictReader(io.StringIO(out.read_text("utf-8"))))
    assert len(rows) == 144 and list(rows[0]) == [
        "category_code", "category_name_zh", "category_name_en", "item_code", "item_name_zh", "item_name_en", "description_zh"]
    result = runner.invoke(args=["catalogue", "load", str(out)])
    assert result.exit_code == 0 and "0 added, 0 updated; items: 0 added, 0 updated" in result.output
    # an operator's edited file updates by code
    rows[0]["item_name_zh"] = "改过的名称"
    with out.open("w", encoding="utf-8-sig", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    result = runner.invoke(args=["catalogue", "load", str(out)])
    assert "items: 0 added, 1 updated" in result.output
    db.rollback()
    assert db.get(Item, rows[0]["item_code"]).name_zh == "改过的名称"


def test_bad_catalogue_file_lists_every_problem(runner, tmp_path, db):
    bad = tmp_path / "bad.csv"
    bad.write_text(
        "category_code,category_name_zh,category_name_en,item_code,item_name_zh,item_name_en,description_zh\n"
        "01,甲,A,02.01,x,x,d\n"
        "1,甲,A,01.02,x,x,d\n"
        "01,甲,A,01.03,,x,d\n", encoding="utf-8")
    result = runner.invoke(args=["catalogue", "load", str(bad)])
    assert result.exit_code == 1
    assert f"{bad}:2: item_code '02.01' must be 01.NN" in result.output
    assert f"{bad}:3: category_code '1'" in result.output
    assert f"{bad}:4: item_name_zh is empty" in result.output
    db.rollback()
    assert db.scalar(select(func.count()).select_from(Item)) == 144


def test_gb18030_file_is_read(runner, tmp_path, db):
    path = tmp_path / "gb.csv"
    path.write_bytes(
        ("category_code,category_name_zh,category_name_en,item_code,item_name_zh,item_name_en,description_zh\n"
         "01,社会救助,Social assistance,01.01,困境家庭帮扶,Help,描述。\n").encode("gb18030"))
    result = runner.invoke(args=["catalogue", "load", str(path)])
    assert result.exit_code == 0, result.output
    item = db.get(Item, "01.01")
    assert (item.name_zh, item.description_zh, item.category.name_zh) == ("困境家庭帮扶", "描述。", "社会救助")
