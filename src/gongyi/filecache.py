"""The cache kept as files under instance/cache when there is no Redis (one machine).

Flask-Caching's file cache prunes itself on a write when it holds more entries than its
threshold: it removes the expired files, then the oldest until it is one under the threshold,
writing its count file once per file removed. A full cache therefore read every file again at
every later write (100 ms a write at 5,000 entries). This one prunes in one pass, down to 80% of
the threshold, and writes its count once, so a write after pruning costs what any write does.
"""
from __future__ import annotations

import os
import struct

from flask_caching.backends.filesystemcache import FileSystemCache

KEEP = 0.8  # of the threshold, after pruning


class FileCache(FileSystemCache):
    def _expiries(self) -> list[tuple[int, str]]:
        """(expiry time, file name) of every entry (0: never expires)."""
        found = []
        for name in self._list_dir():
            try:
                with self._safe_stream_open(name, "rb") as f:
                    found.append((struct.unpack("I", f.read(4))[0], name))
            except FileNotFoundError:
                continue
            except (OSError, EOFError, struct.error):
                found.append((0, name))  # unreadable: kept, as cachelib keeps it
        return found

    def _remove(self, names: list[str]) -> int:
        removed = 0
        for name in names:
            try:
                os.remove(name)
                removed += 1
            except OSError:
                pass
        return removed

    def _remove_expired(self, now: float) -> None:
        entries = self._expiries()
        removed = self._remove([name for expires, name in entries if expires != 0 and expires < now])
        self._update_count(value=len(entries) - removed)

    def _remove_older(self) -> bool:
        entries = sorted(self._expiries(), key=lambda e: e[0] or float("inf"))  # soonest to expire first
        keep = int(self._threshold * KEEP)
        removed = self._remove([name for _expires, name in entries[:max(0, len(entries) - keep)]])
        self._update_count(value=len(entries) - removed)
        return True
