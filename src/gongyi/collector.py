"""How the app lets Python's cyclic garbage collector work.

The collector runs after every few hundred new objects and, every so often, walks every object
the process holds. A bulk import makes millions of objects and almost no cycles, so it pauses
the collector while it runs (`paused()`); a server's worker keeps the tens of thousands of
objects made at start-up (modules, the app, its routes and settings) for its whole life, so it
moves them out of the collector's walks once (`settle_after_start()`). Neither frees anything
later than it would have been: reference counting still frees every object without a cycle at
once, and the paused collector runs again as soon as the import ends.
"""
from __future__ import annotations

import gc
from contextlib import contextmanager
from typing import Iterator


@contextmanager
def paused() -> Iterator[None]:
    """No cyclic collection while the block runs (it is resumed after, if it was on)."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def settle_after_start() -> None:
    """Keep what start-up made out of every later collection (gc.freeze), as long-running
    servers do: a worker's collections then walk only what its requests make."""
    gc.freeze()
