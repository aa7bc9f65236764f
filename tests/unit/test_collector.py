"""The cyclic collector is paused for a bulk import and on again after it, whatever happens."""
from __future__ import annotations

import gc

import pytest

from gongyi import collector
from gongyi.results import importer


def test_paused_turns_the_collector_off_for_the_block_and_back_on_after_it():
    assert gc.isenabled()
    with collector.paused():
        assert not gc.isenabled()
    assert gc.isenabled()
    with pytest.raises(RuntimeError), collector.paused():
        raise RuntimeError("an import that fails")
    assert gc.isenabled()
    gc.disable()  # a caller that had it off keeps it off
    try:
        with collector.paused():
            pass
        assert not gc.isenabled()
    finally:
        gc.enable()


def test_the_package_import_runs_with_the_collector_paused(monkeypatch):
    seen = []
    monkeypatch.setattr(importer, "read_package", lambda path, limit: {})
    monkeypatch.setattr(importer, "import_package_files", lambda session, actor, files: seen.append(gc.isenabled()))
    importer.import_call_package(None, None, "package.zip")
    assert seen == [False] and gc.isenabled()
