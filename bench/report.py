"""The one table `make bench` prints (Markdown, so docs/performance.md can keep a run as it is)."""
from __future__ import annotations

import os
import platform


def _machine() -> str:
    cpu = ""
    try:
        cpu = next(line.split(":", 1)[1].strip() for line in open("/proc/cpuinfo") if line.startswith("model name"))
    except (OSError, StopIteration):
        pass
    load = os.getloadavg()[0]
    return f"{cpu or platform.processor()}, {os.cpu_count()} cores, Python {platform.python_version()}, load {load:.1f}"


def print_table(found: dict, big: int) -> None:
    print(f"\nmachine: {_machine()}\n")
    if "SQLite" in found:
        _databases(found, big)
    _rush(found.get("rush"))


def _databases(found: dict, big: int) -> None:
    names = [n for n in ("SQLite", "PostgreSQL") if n in found]
    print("| measure | " + " | ".join(names) + " |")
    print("|---|" + "---|" * len(names))

    def line(label: str, cell) -> None:
        print(f"| {label} | " + " | ".join(cell(found[n]) for n in names) + " |")

    line(f"import {big:,} submissions (whole process): wall / CPU / peak memory",
         lambda f: f"{f['processes']['import'].wall:.1f} s / {f['processes']['import'].cpu:.1f} s / "
                   f"{f['processes']['import'].peak_mb:.0f} MB")
    line("`flask calls compute` (whole process, best of runs): wall / CPU",
         lambda f: f"{f['processes']['compute'].wall:.2f} s / {f['processes']['compute'].cpu:.2f} s")
    line("plain script (whole process, best of runs): wall / CPU",
         lambda f: f"{f['processes']['plain'].wall:.2f} s / {f['processes']['plain'].cpu:.2f} s")
    line("**compute / plain script**: wall / CPU",
         lambda f: f"**{f['processes']['compute'].wall / f['processes']['plain'].wall:.2f}× / "
                   f"{f['processes']['compute'].cpu / f['processes']['plain'].cpu:.2f}×**")
    line("same results.csv as the plain script", lambda f: "yes" if f["processes"]["same"] else "**NO**")
    labels = list(dict.fromkeys(row[0] for row in found[names[0]]["pages"]))
    for label in labels:
        for size in (10, big):
            def cell(f, label=label, size=size) -> str:
                row = next(r for r in f["pages"] if r[0] == label and r[1] == size)
                _l, _s, page, to_base, to_bare = row
                ratios = f"{to_base:.1f}× base" + (f", {to_bare:.1f}× bare table" if to_bare is not None else "")
                return f"{page.ms:.1f} ms ({ratios}), {page.statements} stmts, {page.size / 1024:.0f} KiB"
            line(f"{label} at {size:,}", cell)
    line("results day: 16 clients, public results vs bare table (req/s)",
         lambda f: f"{f['day']['page']:.0f} vs {f['day']['bare']:.0f} = **{f['day']['page'] / f['day']['bare']:.2f}×**, "
                   f"{f['day']['errors']} errors")


def _rush(rush: dict | None) -> None:
    if rush:
        base = rush["cpu"]["base page"]
        print(f"\ndeadline rush (PostgreSQL, gunicorn 4 workers, 16 clients each with its own organisation, after 16 "
              f"others warmed the workers up; workers' CPU per request, the median of {rush['rounds']} rounds; "
              f"{rush['errors']} errors; every project in the database exactly once: "
              f"{'yes' if rush['submitted_once'] else '**NO**'}):\n")
        print("| request | CPU per request | ratio to the base page |")
        print("|---|---|---|")
        for name, cpu in rush["cpu"].items():
            print(f"| {name} | {cpu * 1000:.1f} ms | {cpu / base:.1f}× |")
