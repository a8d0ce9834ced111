"""Loaded models are warmed up before they serve, and then kept out of the garbage collector's
full collections (which walked them all and stopped the service for a third of a second)."""

from __future__ import annotations

import gc
import weakref
from pathlib import Path

from shopmind.api.models import ModelHolder
from shopmind.artifacts import Artifacts


class Lazy:
    """An engine with a part it builds on first use."""

    def __init__(self) -> None:
        self.ready = False
        self.partner: object = None

    def warm_up(self) -> None:
        self.ready = True


def test_models_are_warmed_up_and_frozen_before_they_serve(tmp_path: Path) -> None:
    Artifacts(tmp_path).save({"lazy": Lazy(), "plain": {"a": [1, 2]}}, {})
    holder = ModelHolder(tmp_path)
    try:
        loaded = holder.load_newest()
        assert loaded.models["lazy"].ready
        assert gc.get_freeze_count() > 0
        assert gc.collect() == 0  # what loading left behind was collected before freezing
        # A reload unfreezes first: what a replaced version left in cycles is still freed.
        cycle = Lazy()
        cycle.partner = cycle
        gone = weakref.ref(cycle)
        del cycle
        gc.freeze()
        holder.load_newest()
        assert gone() is None
    finally:
        gc.unfreeze()
