"""The deadline rush: 16 clients, each signed in as a member of its own organisation, start a
project, open the form, order items, autosave, save and submit it through the real forms with
their CSRF tokens (and, as the page's script does, with the ids of the budget lines the autosave
stored), against gunicorn with 4 workers. All clients take each step together; the workers' CPU
per request of each step is compared with the base page and a bare insert, measured the same way
in the same run. Signing in is left out (its password hash is meant to be slow).

Before the measured clients, as many other organisations go through the same flow unmeasured:
a worker's first request of a page compiles its templates and fills the per-process menu
(about 100 ms), which a deadline day's long-running workers paid hours before; without the
warm-up that cost would fall on the 16 form openings and not on the 320 base pages.

The measured flow runs ROUNDS times, 16 new organisations each, and each step's figure is its
median over the rounds: on a shared virtual machine a neighbour's burst can slow one moment of
the run by half, and the base page, measured at its own moment, would then skew every ratio."""
from __future__ import annotations

import json
import re
import statistics
import threading

from bench.measure import Client, Server

CLIENTS = 16
ROUNDS = 3
BASELINE_REQUESTS = 20
SLUG = "rush"
PROJECT = {
    "community_name": "莲花北社区", "community_street": "莲花街道", "community_district": "440304",
    "title": "长者食堂与探访", "summary": "为独居长者提供助餐和探访。", "problem": "社区独居长者 320 人。",
    "objectives": "一年内服务 120 名长者。", "activities": "2025年3月 需求评估", "beneficiary_group": "独居长者",
    "beneficiary_count": "120", "team": "社工 3 名",
    "items": ["02.01", "02.02", "02.03"], "need-02.01": "独居长者缺少照看", "need-02.02": "长者用餐困难",
    "need-02.03": "长者缺少社交",
    "budget-0-what": "人员费用", "budget-0-amount": "60000", "budget-1-what": "活动物料", "budget-1-amount": "12000.50",
}
ORDER = {k: v for k, v in PROJECT.items() if k.startswith(("community", "items", "need", "title"))}


def _prepare(url: str) -> list[str]:
    """A fresh database with the catalogue, an open call and 16 verified organisations; their members' e-mails."""
    from gongyi import create_app, migrate
    from gongyi.catalogue import service as catalogue
    from gongyi.db import get_session
    from tests.factories import make_admin, make_call, make_org

    app = create_app({"DATABASE_URL": url})
    with app.app_context():
        migrate.upgrade(app)
        db = get_session()
        catalogue.load_catalogue(db, None, catalogue.parse_catalogue(catalogue.bundled_catalogue_text()))
        admin = make_admin(db, "rush-admin@example.org")
        make_call(db, admin, slug=SLUG)
        emails = [make_org(db, admin, email=f"rush{i}@example.org", name=f"冲刺社工服务中心{i}")[0].email
                  for i in range((1 + ROUNDS) * CLIENTS)]  # the first 16 warm the workers up
        db.commit()
    app.extensions["gongyi.engine"].dispose()
    return emails


class Member:
    def __init__(self, port: int, email: str):
        self.client = Client(port)
        self.email = email
        self.submission = ""
        self.token = ""
        self.budget_ids: dict[str, str] = {}

    def login(self) -> bool:
        _, _, page = self.client.request("GET", "/auth/login")
        status, _, _ = self.client.request("POST", "/auth/login", {
            "csrf_token": self.client.token(page), "email": self.email, "password": "password123"})
        return status == 302

    def step(self, name: str) -> bool:
        c = self.client
        if name == "open the start page":
            status, _, page = c.request("GET", f"/calls/{SLUG}/apply")
            self.token = c.token(page)
            return status == 200
        if name == "start a project":
            status, location, _ = c.request("POST", f"/calls/{SLUG}/apply", {"csrf_token": self.token})
            self.submission = re.search(r"/submissions/(\d+)/edit", location).group(1)
            return status == 302
        if name == "open the form":
            status, _, page = c.request("GET", f"/submissions/{self.submission}/edit")
            self.token = c.token(page)
            return status == 200
        if name == "order items and save":
            status, _, _ = c.request("POST", f"/submissions/{self.submission}/edit",
                                     {**ORDER, "action": "save", "csrf_token": self.token})
            return status == 302
        if name == "autosave":
            status, _, body = c.request("POST", f"/submissions/{self.submission}/save",
                                        {**PROJECT, "csrf_token": self.token}, {"Accept": "application/json"})
            if status != 200 or not json.loads(body).get("saved"):
                return False
            # the page's script writes the stored budget lines' ids into their rows (submissions.js)
            self.budget_ids = {f"budget-{i}-id": str(line) for i, line in json.loads(body)["budget_ids"].items()}
            return True
        if name == "submit":
            status, _, _ = c.request("POST", f"/submissions/{self.submission}/edit",
                                     {**PROJECT, **self.budget_ids, "action": "submit", "csrf_token": self.token})
            return status == 302
        if name == "base page":
            return all(c.request("GET", "/bench/base")[0] == 200 for _ in range(BASELINE_REQUESTS))
        if name == "bare insert":
            return all(c.request("POST", "/bench/insert", {})[0] == 200 for _ in range(BASELINE_REQUESTS))
        raise ValueError(name)


STEPS = ["base page", "bare insert", "open the start page", "start a project", "open the form",
         "order items and save", "autosave", "submit"]


def run(url: str, port: int) -> dict:
    emails = _prepare(url)
    server = Server(url, port)
    rounds, errors = [], 0
    try:
        for i in range(1 + ROUNDS):  # the first warms the workers up: its errors count, its CPU not
            cpu, failed = _steps(port, emails[i * CLIENTS:(i + 1) * CLIENTS], server)
            rounds += [cpu] if i else []
            errors += failed
    finally:
        server.stop()
    results = {name: statistics.median(r[name] for r in rounds) for name in STEPS}
    return {"cpu": results, "rounds": ROUNDS, "errors": errors, "submitted_once": _check(url, len(emails))}


def _steps(port: int, emails: list[str], server: Server) -> tuple[dict[str, float], int]:
    """Every step, all clients together; the workers' CPU per request of each, and the failures."""
    members = [Member(port, email) for email in emails]
    assert all(m.login() for m in members), "sign-in failed"
    results: dict[str, float] = {}
    errors = 0
    for name in STEPS:
        ok = [False] * len(members)
        before = server.worker_cpu()
        threads = [threading.Thread(target=lambda i=i: ok.__setitem__(i, members[i].step(name)))
                   for i in range(len(members))]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        requests = len(members) * (BASELINE_REQUESTS if name in ("base page", "bare insert") else 1)
        results[name] = (server.worker_cpu() - before) / requests
        errors += ok.count(False)
    return results, errors


def _check(url: str, organisations: int) -> bool:
    """Every organisation's project is in the database exactly once, submitted."""
    from sqlalchemy import create_engine, text

    engine = create_engine(url)
    with engine.connect() as conn:
        counts = conn.execute(text("SELECT organisation_id, count(*), sum(CASE WHEN status = 'submitted' THEN 1 ELSE 0 END) "
                                   "FROM submission GROUP BY organisation_id")).all()
    engine.dispose()
    return len(counts) == organisations and all(n == 1 and done == 1 for _org, n, done in counts)
