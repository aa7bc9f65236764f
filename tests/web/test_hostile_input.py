"""Hostile input: control characters, numbers no column holds, LIKE wildcards, bounded requests,
broken packages, and redirects that leave the site. Always a 4xx or a message beside the field."""
from __future__ import annotations

import ast
import io
import re
import zipfile
from pathlib import Path

import pytest
from hypothesis import given, strategies as st
from werkzeug.test import EnvironBuilder, run_wsgi_app

from gongyi.numbers import has_control_characters, too_large, whole_number
from gongyi.webutil import safe_next

SRC = Path(__file__).parent.parent.parent / "src" / "gongyi"
SAMPLE = Path(__file__).parent.parent / "data" / "sample"


# --- numbers and text: the pure checks ------------------------------------------------------------

@pytest.mark.parametrize("typed, expected", [
    ("42", 42), (" 7 ", 7), ("０１２", 12), ("2147483647", 2**31 - 1), ("2147483648", None), ("²³", None),
    ("١٢", None), ("𝟙", None), ("-1", None), ("1e3", None), ("", None), ("9" * 400, None), ("12,000", None),
])
def test_whole_numbers_are_ascii_or_full_width_digits_within_the_column(typed, expected):
    assert whole_number(typed) == expected


def test_grouped_numbers_and_limits():
    assert whole_number("12,000", grouped=True) == 12000 and whole_number("１２，０００", grouped=True) == 12000
    assert whole_number("1,20,00", grouped=True) is None
    assert too_large("9" * 400, maximum=100) and not too_large("²³", maximum=1) and not too_large("50", maximum=100)


@given(st.text())
def test_whole_number_never_raises_and_stays_in_range(text):
    number = whole_number(text)
    assert number is None or 0 <= number <= 2**31 - 1


def test_control_characters():
    assert has_control_characters("a\x00b") and has_control_characters("\x1b[31m") and has_control_characters("\x85")
    assert not has_control_characters("第一行\r\n第二行\t制表") and has_control_characters("a\tb", multiline=False)


# --- safe redirects -------------------------------------------------------------------------------

@pytest.mark.parametrize("target", ["//evil.example", "/\t/evil.example", "/\\evil.example", "https://evil.example/",
                                    "javascript:alert(1)", "/%09/evil.example".replace("%09", "\t"), " /x", "\\\\evil"])
def test_safe_next_refuses_other_hosts(target):
    assert safe_next(target, "/home") == "/home"


@given(st.text())
def test_safe_next_only_ever_answers_a_path_on_this_site(target):
    answer = safe_next(target, "/home")
    assert answer == "/home" or (answer.startswith("/") and not answer.startswith("//") and "\\" not in answer
                                 and not has_control_characters(answer, multiline=False))


def test_every_followed_next_goes_through_safe_next():
    """A view that reads `next` (or the referrer) hands it to safe_next in the same expression
    (or only carries it on to the next page as `next=`, where it is followed through safe_next)."""
    followed = re.compile(r"""(request\.(args|form|values)\.get\(["']next["']|\.next\.data|request\.referrer)""")
    unsafe = []
    for path in SRC.rglob("*.py"):
        for number, line in enumerate(path.read_text("utf-8").splitlines(), 1):
            if followed.search(line) and "safe_next(" not in line and not re.search(r"\bnext=\w+\.next\.data", line):
                unsafe.append(f"{path.relative_to(SRC)}:{number}: {line.strip()}")
    assert not unsafe, "follow `next` only through webutil.safe_next:\n" + "\n".join(unsafe)


def test_login_language_switch_and_reviewer_form_refuse_other_hosts(client, auth, make_user):
    make_user("m@example.org")
    r = client.post("/auth/login?next=/%09/evil.example", data={"email": "m@example.org", "password": "password123"})
    assert r.status_code == 302 and r.headers["Location"] in ("/", "http://localhost/")
    r = client.post("/language", data={"locale": "en", "next": "/\\evil.example"})
    assert "evil" not in r.headers["Location"]


# --- control characters -----------------------------------------------------------------------------

def test_nul_in_a_path_or_a_query_is_a_4xx_never_a_500(client):
    assert client.get("/calls/%00").status_code == 404
    assert client.get("/catalogue/?q=%00").status_code == 400
    r = client.get("/api/v1/calls/a%00b/results")
    assert r.status_code == 404 and r.is_json and r.get_json()["error"]["code"]
    r = client.get("/api/v1/calls/x/results?x=%1b")
    assert r.status_code == 400 and r.is_json and r.get_json()["error"]["message"]


def test_nul_in_the_login_form_is_a_message_beside_the_field(client):
    r = client.post("/auth/login", data={"email": "a\x00@example.org", "password": "x\x00"})
    assert r.status_code in (200, 422)
    assert "不能包含控制字符" in r.get_data(as_text=True)


def test_nul_in_a_registration_field_is_refused_beside_it_and_nothing_is_stored(client, db):
    from sqlalchemy import func, select

    from gongyi.auth.models import User

    r = client.post("/auth/register", data={"email": "n@example.org", "name": "名\x00字", "password": "a-long-passphrase",
                                            "confirm": "a-long-passphrase"})
    assert r.status_code in (200, 422) and "不能包含控制字符" in r.get_data(as_text=True)
    assert db.scalar(select(func.count()).select_from(User)) == 0


# --- numbers in URLs and forms ------------------------------------------------------------------------

def test_ids_beyond_the_column_are_404(client, auth, make_user):
    make_user("admin@example.org", roles=("admin",))
    auth.login("admin@example.org")
    assert client.get(f"/admin/submissions/{2**31}").status_code == 404
    assert client.get("/admin/submissions/" + "9" * 400).status_code == 404


# --- searches ---------------------------------------------------------------------------------------

def test_percent_and_underscore_in_a_search_match_themselves(client, db, auth, make_user):
    from gongyi.communities import service as communities
    from tests.factories import make_admin

    admin = make_admin(db)
    for name in ("百分之百社区", "下划线_社区", "普通社区"):
        communities.create_community(db, admin, name=name, district_code="440304", street="莲花街道")
    db.commit()
    page = client.get("/communities/?q=%25").get_data(as_text=True)
    assert "普通社区" not in page
    page = client.get("/communities/?q=_").get_data(as_text=True)
    assert "下划线_社区" in page and "普通社区" not in page


# --- bounded requests --------------------------------------------------------------------------------

class CountingStream(io.RawIOBase):
    """An endless request body that counts what the app reads of it."""

    def __init__(self):
        self.read_bytes = 0

    def readable(self):
        return True

    def readinto(self, buffer):
        n = len(buffer)
        buffer[:n] = b"a" * n
        self.read_bytes += n
        return n


def _post_raw(app, path: str, stream, length: int | None) -> str:
    """POST `stream` as a form body the way a server hands it over (chunked: no Content-Length)."""
    environ = EnvironBuilder(path=path, method="POST", base_url="http://localhost").get_environ()
    environ.update({"wsgi.input": stream, "CONTENT_TYPE": "application/x-www-form-urlencoded"})
    environ.pop("CONTENT_LENGTH", None)
    if length is None:
        environ["wsgi.input_terminated"] = True
    else:
        environ["CONTENT_LENGTH"] = str(length)
    app_iter, status, _headers = run_wsgi_app(app, environ, buffered=True)
    return status


def test_a_body_without_a_length_is_cut_off_at_the_limit(app):
    """Chunked uploads carry no Content-Length: the stream itself is limited (413), not read to the end."""
    app.config["MAX_CONTENT_LENGTH"] = 64 * 1024
    stream = CountingStream()
    assert _post_raw(app, "/auth/login", stream, None).startswith("413")
    assert stream.read_bytes < 4 * 64 * 1024


def test_a_declared_length_over_the_limit_is_refused_unread(app):
    app.config["MAX_CONTENT_LENGTH"] = 1024
    stream = CountingStream()
    assert _post_raw(app, "/auth/login", stream, 10**9).startswith("413")
    assert stream.read_bytes == 0


# --- call packages --------------------------------------------------------------------------------------

def _zip(files: dict[str, bytes]) -> bytes:
    data = io.BytesIO()
    with zipfile.ZipFile(data, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, content in files.items():
            zf.writestr(name, content)
    return data.getvalue()


def _sample() -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in SAMPLE.iterdir()}


def _corrupted() -> bytes:
    data = bytearray(_zip(_sample()))
    start = data.index(b"organisations.csv") + 40  # inside the first member's compressed data
    data[start:start + 40] = b"\xff" * 40
    return bytes(data)


def test_a_corrupted_zip_is_a_clear_error_on_the_command_line(runner, tmp_path):
    path = tmp_path / "broken.zip"
    path.write_bytes(_corrupted())
    result = runner.invoke(args=["calls", "import", str(path)])
    assert result.exit_code == 1 and "not a readable .zip file" in result.output
    assert "Traceback" not in result.output


def test_a_corrupted_zip_is_a_message_beside_the_upload(client, auth, make_user):
    make_user("admin@example.org", roles=("admin",))
    auth.login("admin@example.org")
    r = client.post("/admin/calls/import", data={"package": (io.BytesIO(_corrupted()), "pkg.zip")},
                    content_type="multipart/form-data")
    assert r.status_code < 500 and "not a readable .zip file" in r.get_data(as_text=True)


def test_a_csv_field_over_the_limit_is_reported_as_file_line_reason(runner, tmp_path):
    files = _sample()
    lines = files["organisations.csv"].decode("utf-8-sig").splitlines()
    lines.insert(2, "x" * 200_000)
    files["organisations.csv"] = "\n".join(lines).encode()
    path = tmp_path / "wide.zip"
    path.write_bytes(_zip(files))
    result = runner.invoke(args=["calls", "import", str(path)])
    assert result.exit_code == 1 and "organisations.csv:3: field larger than field limit" in result.output
    assert "Traceback" not in result.output


def test_a_nul_in_a_package_cell_is_a_listed_problem(runner, tmp_path):
    files = _sample()
    files["organisations.csv"] = files["organisations.csv"].replace("社".encode(), "社\x00".encode(), 1)
    path = tmp_path / "nul.zip"
    path.write_bytes(_zip(files))
    result = runner.invoke(args=["calls", "import", str(path)])
    assert result.exit_code == 1 and "control characters" in result.output and "Traceback" not in result.output


def test_no_module_follows_a_redirect_target_it_did_not_check():
    """The AST form of the check above: no redirect() call on a bare request value."""
    for path in SRC.rglob("*.py"):
        tree = ast.parse(path.read_text("utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.Call) and getattr(node.func, "id", None) == "redirect" and node.args:
                source = ast.unparse(node.args[0])
                assert "request." not in source or "safe_next" in source, f"{path}: redirect({source})"
