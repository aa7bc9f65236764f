"""A worker's memory stays within a small multiple of the request limit, whatever it is sent.

The app runs under gunicorn (one sync worker) with a 2 MB request limit. After warming up (signing
in, the import page, a refused small upload) the worker's peak resident memory (VmHWM in
/proc/PID/status) is read; then it is sent 20 times the limit with a Content-Length, 20 times the
limit chunked (no length: BoundedBody), the same to the package import as an administrator, and a
zip bomb (a few hundred kB that unpack to 500 MB) as a package. Each is refused, the worker still
answers, and its peak memory grew by less than three times the limit. Without the limits the
worker would read the bodies whole (40 MB each) and unpack the bomb.
"""
from __future__ import annotations

import http.client
import io
import os
import re
import signal
import socket
import subprocess
import time
import uuid
import zipfile
from pathlib import Path

import pytest

from tests.factories import PASSWORD, make_admin

ROOT = Path(__file__).resolve().parent.parent.parent
LIMIT = 2 * 2**20
HOSTILE = 20 * LIMIT
EMAIL = "memory-admin@example.org"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def peak_kb(pid: int) -> int:
    return int(re.search(r"VmHWM:\s+(\d+) kB", Path(f"/proc/{pid}/status").read_text()).group(1))


def children(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1]) == pid:
                    found.append(int(entry.name))
            except OSError:
                continue
    return found


class Browser:
    """Cookies, CSRF tokens and raw requests against the server on `port`."""

    def __init__(self, port: int):
        self.port, self.cookies = port, {}

    def _headers(self) -> dict[str, str]:
        return {"Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items())} if self.cookies else {}

    def request(self, method: str, path: str, body=None, headers=None, chunked=False) -> tuple[int | None, bytes]:
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=120)
        try:
            conn.request(method, path, body=body, headers={**self._headers(), **(headers or {})}, encode_chunked=chunked)
            response = conn.getresponse()
            data = response.read()
        except (BrokenPipeError, ConnectionResetError):  # refused before the body was all sent
            return None, b""
        finally:
            conn.close()
        for name, value in response.getheaders():
            if name.lower() == "set-cookie":
                key, _, rest = value.partition("=")
                self.cookies[key] = rest.split(";", 1)[0]
        return response.status, data

    def token(self, path: str) -> str:
        _, page = self.request("GET", path)
        return re.search(rb'name="csrf_token" value="([^"]+)"', page).group(1).decode()

    def sign_in(self) -> None:
        form = f"csrf_token={self.token('/auth/login')}&email={EMAIL}&password={PASSWORD}"
        status, _ = self.request("POST", "/auth/login", form, {"Content-Type": "application/x-www-form-urlencoded"})
        assert status == 302

    def upload(self, token: str, content: bytes | None = None, size: int | None = None, chunked=False):
        """A multipart package upload: `content`, or `size` bytes of filler streamed."""
        boundary = uuid.uuid4().hex
        head = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"csrf_token\"\r\n\r\n{token}\r\n"
                f"--{boundary}\r\nContent-Disposition: form-data; name=\"package\"; filename=\"p.zip\"\r\n"
                "Content-Type: application/zip\r\n\r\n").encode()
        tail = f"\r\n--{boundary}--\r\n".encode()
        headers = {"Content-Type": f"multipart/form-data; boundary={boundary}"}
        if content is not None:
            return self.request("POST", "/admin/calls/import", head + content + tail, headers)
        body = filler(size)
        if not chunked:
            headers["Content-Length"] = str(len(head) + size + len(tail))
        return self.request("POST", "/admin/calls/import", iter([head, *body, tail]), headers, chunked=chunked)


def filler(size: int, chunk: int = 256 * 1024):
    block = b"x" * chunk
    for _ in range(size // chunk):
        yield block


def zip_bomb() -> bytes:
    data = io.BytesIO()
    with zipfile.ZipFile(data, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as zf:
        with zf.open("reviews.csv", "w", force_zip64=True) as member:
            block = b"0" * 2**20
            for _ in range(500):
                member.write(block)
        zf.writestr("call.toml", b'slug = "bomb"\n')
    return data.getvalue()


@pytest.fixture
def server(app, db, tmp_path):
    """gunicorn with one sync worker on the test's database, and its worker's pid."""
    make_admin(db, EMAIL)
    db.commit()
    port = free_port()
    env = {**os.environ, "GONGYI_DATABASE_URL": app.config["DATABASE_URL"], "GONGYI_SECRET_KEY": "memory-test",
           "GONGYI_INSTANCE_PATH": str(tmp_path / "instance"), "GONGYI_MAX_REQUEST_BYTES": str(LIMIT)}
    master = subprocess.Popen([str(ROOT / ".venv" / "bin" / "gunicorn"), "--workers", "1", "--timeout", "120",
                               "--bind", f"127.0.0.1:{port}", "--log-level", "warning", "app:app"], env=env, cwd=ROOT)
    try:
        for _ in range(300):
            try:
                if Browser(port).request("GET", "/auth/login")[0] == 200:
                    break
            except OSError:
                time.sleep(0.1)
        else:
            raise AssertionError("gunicorn did not start")
        (worker,) = children(master.pid)
        yield Browser(port), worker
    finally:
        master.send_signal(signal.SIGTERM)
        master.wait(30)


def test_bodies_far_over_the_limit_and_a_zip_bomb_leave_the_worker_small(server):
    browser, worker = server
    browser.sign_in()
    token = browser.token("/admin/calls/import")
    assert browser.upload(token, b"PK\x03\x04 broken")[0] == 200  # warm: the import's code paths are loaded
    form = {"Content-Type": "application/x-www-form-urlencoded"}
    assert browser.request("POST", "/auth/login", b"email=a&" + b"x" * (LIMIT // 4), form)[0] == 400  # no CSRF token
    before = peak_kb(worker)

    answers = [
        browser.request("POST", "/auth/login", filler(HOSTILE), {**form, "Content-Length": str(HOSTILE)})[0],
        browser.request("POST", "/auth/login", filler(HOSTILE), form, chunked=True)[0],
        browser.upload(token, size=HOSTILE)[0],
        browser.upload(token, size=HOSTILE, chunked=True)[0],
    ]
    bomb = zip_bomb()
    assert len(bomb) < LIMIT // 2
    status, page = browser.upload(token, bomb)

    grown = (peak_kb(worker) - before) * 1024
    assert grown < 3 * LIMIT, f"the worker's peak memory grew by {grown / 2**20:.1f} MB (limit {LIMIT / 2**20:.0f} MB)"
    assert all(status in (413, None) for status in answers), answers  # None: the server closed on the rest
    assert status == 200 and "too large" in page.decode(), page[:500]  # the bomb is refused beside the field
    assert browser.request("GET", "/auth/login")[0] == 200 and children(os.getppid()) is not None
