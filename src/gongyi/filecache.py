"""The cache kept as files under instance/cache when there is no Redis (one machine).

Flask-Caching's file cache prunes itself on a write when it holds more entries than its
threshold: it removes the expired files, then the oldest until it is one under the threshold,
writing its count file once per file removed. A full cache therefore read every file again at
every later write (100 ms a write at 5,000 entries). This one prunes in one pass (one reading of
the directory, one write of the count) down to 80% of the threshold, expired entries first, so
the writes after a pruning cost what any write does.
"""
from __future__ import annotations

import logging
import os
import struct
import time

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
                found.append((0, name))  # unreadable: never expires, so it goes last
        return found

    def _remove(self, names: list[str]) -> int:
        removed = 0
        for name in names:
            try:
                os.remove(name)
                removed += 1
            except FileNotFoundError:
                removed += 1  # gone already
            except OSError:
                logging.warning("could not remove the cache file %s", name, exc_info=True)
        return removed

    def _prune(self) -> None:
        """Over the threshold: the expired entries go, then the soonest to expire down to KEEP of
        the threshold, from one reading of the directory, and the count is written once."""
        if not self._over_threshold():
            return
        now = time.time()
        entries = self._expiries()
        expired = [name for expires, name in entries if 0 < expires < now]
        left = sorted((e for e in entries if not 0 < e[0] < now), key=lambda e: e[0] or float("inf"))
        older = [name for _expires, name in left[:max(0, len(left) - int(self._threshold * KEEP))]]
        self._update_count(value=len(entries) - self._remove(expired + older))
