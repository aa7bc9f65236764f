"""The file cache (gongyi.filecache) prunes in one pass: over its threshold it goes down to 80%
of it, the entries that expire soonest first, and the writes after that read no file."""
from __future__ import annotations

from gongyi.filecache import FileCache


def test_a_full_cache_prunes_once_down_to_eighty_percent(tmp_path, monkeypatch):
    cache = FileCache(str(tmp_path), threshold=20, default_timeout=3600)
    for i in range(21):
        cache.set(f"k{i}", i, timeout=100 + i)  # k0 expires first
    assert cache._file_count == 21  # over: the next write prunes
    cache.set("late", "x", timeout=0)  # pruned to 16 before it is written; it never expires
    assert cache._file_count == 17 == sum(1 for _ in cache._list_dir())
    assert [cache.get(f"k{i}") for i in range(5)] == [None] * 5 and cache.get("k5") == 5 and cache.get("late") == "x"
    scans = []
    listed = cache._list_dir
    monkeypatch.setattr(cache, "_list_dir", lambda: scans.append(1) or listed())
    for i in range(4):
        cache.set(f"more{i}", i)
    assert scans == [] and cache._file_count == 21  # no write began over the threshold: no file read


def test_expired_entries_go_first_and_the_count_is_right(tmp_path):
    cache = FileCache(str(tmp_path), threshold=10, default_timeout=3600)
    for i in range(8):
        cache.set(f"gone{i}", i, timeout=1)
    for i in range(3):
        cache.set(f"kept{i}", i)
    import time
    time.sleep(1.1)
    cache.set("new", 1)  # 11 > 10: the expired go, nothing else has to
    assert cache._file_count == 4 == sum(1 for _ in cache._list_dir())
    assert [cache.get(f"kept{i}") for i in range(3)] == [0, 1, 2] and cache.get("new") == 1


def test_a_few_expired_entries_do_not_leave_the_cache_full(tmp_path, monkeypatch):
    """Entries expiring as fast as new ones come: one pruning removes the expired ones and goes
    on down to 80%, so the writes after it read no file (cachelib stopped one under the threshold
    and read every file at the next write)."""
    import time
    cache = FileCache(str(tmp_path), threshold=20, default_timeout=3600)
    cache.set("soon0", 0, timeout=1)
    cache.set("soon1", 1, timeout=1)
    for i in range(19):
        cache.set(f"k{i}", i, timeout=100 + i)
    time.sleep(1.1)
    cache.set("new", 1)  # 21 > 20: two expired, then the soonest of the rest, down to 16
    assert cache._file_count == 17 == sum(1 for _ in cache._list_dir())
    assert cache.get("soon0") is None and cache.get("k2") is None and cache.get("k3") == 3
    scans = []
    listed = cache._list_dir
    monkeypatch.setattr(cache, "_list_dir", lambda: scans.append(1) or listed())
    for i in range(4):
        cache.set(f"more{i}", i)
    assert scans == []
