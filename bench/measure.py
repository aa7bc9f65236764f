"""How the benchmark measures: whole processes (wall, CPU, peak memory), requests in the app's own
test client (time, SQL statements, bytes), gunicorn servers with concurrent clients, and the CPU
the gunicorn workers spend (read from /proc)."""
from __future__ import annotations

import http.client
import os
import re
import statistics
import subprocess
import sys
import threading
import time
import urllib.parse
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import event

ROOT = Path(__file__).resolve().parent.parent


@dataclass
class Proc:
    wall: float
    cpu: float  # user + system seconds of the process and its children
    peak_mb: float
    output: str


TIME = "/usr/bin/time"  # GNU time: the peak memory of the command itself


def run_process(args: list[str], env: dict[str, str]) -> Proc:
    """Run a whole process; its own rusage (os.wait4), so other processes' load does not count.
    Peak memory comes from GNU time when it is there: a child's own ru_maxrss would include the
    benchmark's process image it was forked from."""
    timed = os.path.exists(TIME)
    command = [TIME, "-f", "bench-peak-kb=%M", *args] if timed else args
    start = time.perf_counter()
    child = subprocess.Popen(command, env=env, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    output = child.stdout.read().decode()
    _, status, usage = os.wait4(child.pid, 0)
    child.returncode = os.waitstatus_to_exitcode(status)
    wall = time.perf_counter() - start
    if child.returncode:
        raise SystemExit(f"{' '.join(args)} failed:\n{output}")
    peak = re.search(r"bench-peak-kb=(\d+)", output) if timed else None
    peak_kb = int(peak.group(1)) if peak else usage.ru_maxrss
    return Proc(wall, usage.ru_utime + usage.ru_stime, peak_kb / 1024, output)


def best_process(n: int, args: list[str], env: dict[str, str]) -> Proc:
    runs = [run_process(args, env) for _ in range(n)]
    return Proc(min(r.wall for r in runs), min(r.cpu for r in runs), max(r.peak_mb for r in runs), runs[-1].output)


def flask(*args: str) -> list[str]:
    return [str(ROOT / ".venv" / "bin" / "flask"), "--app", "app", *args]


@dataclass
class PageSample:
    ms: float  # median wall time of a request, in the test client
    cpu_ms: float  # median CPU time of the same requests
    statements: int
    size: int
    rows: int


def sample(app, client, url: str, repeat: int) -> PageSample:
    response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    count = []
    listener = lambda *a, **k: count.append(1)  # noqa: E731
    engine = app.extensions["gongyi.engine"]
    event.listen(engine, "before_cursor_execute", listener)
    try:
        body = client.get(url).get_data()
    finally:
        event.remove(engine, "before_cursor_execute", listener)
    walls, cpus = [], []
    for _ in range(repeat):
        start, cpu = time.perf_counter(), time.process_time()
        client.get(url)
        walls.append(time.perf_counter() - start)
        cpus.append(time.process_time() - cpu)
    rows = max(1, len(re.findall(rb"<tr[ >]", body)) - 1)
    return PageSample(statistics.median(walls) * 1000, statistics.median(cpus) * 1000, len(count), len(body), rows)


# --- gunicorn and concurrent clients ----------------------------------------------------------


class Client:
    """A browser-like client over http.client: its own cookies, no redirects followed."""

    def __init__(self, port: int):
        self.port = port
        self.cookies: dict[str, str] = {}

    def request(self, method: str, path: str, form: dict | list | None = None, headers: dict | None = None):
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
        head = {"Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items())} if self.cookies else {}
        body = None
        if form is not None:
            body = urllib.parse.urlencode(form, doseq=True)
            head["Content-Type"] = "application/x-www-form-urlencoded"
        conn.request(method, path, body=body, headers={**head, **(headers or {})})
        response = conn.getresponse()
        data = response.read()
        for name, value in response.getheaders():
            if name.lower() == "set-cookie":
                key, _, rest = value.partition("=")
                self.cookies[key] = rest.split(";", 1)[0]
        conn.close()
        return response.status, response.getheader("Location", ""), data

    def token(self, page: bytes) -> str:
        return re.search(rb'name="csrf_token" value="([^"]+)"', page).group(1).decode()


class Server:
    """gunicorn serving the app with the benchmark's baseline routes."""

    def __init__(self, url: str, port: int, workers: int = 4):
        from bench.baseline import create_tables

        create_tables(url)
        env = {**os.environ, "GONGYI_DATABASE_URL": url, "GONGYI_SECRET_KEY": "bench-secret",
               "GONGYI_BENCH_SERVE": "1", "PYTHONPATH": str(ROOT)}
        self.port = port
        self.process = subprocess.Popen(
            [str(ROOT / ".venv" / "bin" / "gunicorn"), "--workers", str(workers), "--bind", f"127.0.0.1:{port}",
             "--log-level", "warning", "bench.baseline:app"], env=env, cwd=ROOT)
        for _ in range(300):
            try:
                if Client(port).request("GET", "/bench/base")[0] == 200:
                    break
            except OSError:
                time.sleep(0.1)
        else:
            raise SystemExit("gunicorn did not start")

    def worker_cpu(self) -> float:
        """CPU seconds the master's worker processes' threads have run so far, from each thread's
        /proc/<pid>/task/<tid>/schedstat (nanoseconds): the clock ticks of /proc/<pid>/stat
        (10 ms each) would make 16 requests of 20 ms a measure to within 2.5 ms a request. A
        thread that ends between two readings takes its time with it (the workers run the
        requests on their main thread)."""
        total = 0
        for entry in Path("/proc").iterdir():
            if not entry.name.isdigit():
                continue
            try:
                if int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1]) != self.process.pid:  # ppid
                    continue
                tasks = list((entry / "task").iterdir())
            except OSError:
                continue
            for task in tasks:
                try:
                    total += int((task / "schedstat").read_text().split()[0])
                except OSError:
                    continue  # the thread has just ended
        return total / 1e9

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(timeout=30)


def throughput(port: int, path: str, clients: int, seconds: float) -> tuple[float, int]:
    """Requests a second that `clients` concurrent anonymous clients get, and the errors."""
    done, errors = [0] * clients, [0] * clients
    stop = time.perf_counter() + seconds

    def work(i: int) -> None:
        while time.perf_counter() < stop:
            try:
                status = Client(port).request("GET", path)[0]
            except OSError:
                status = 0
            done[i] += status == 200
            errors[i] += status != 200

    threads = [threading.Thread(target=work, args=(i,)) for i in range(clients)]
    start = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return sum(done) / (time.perf_counter() - start), sum(errors)


def python() -> str:
    return sys.executable
