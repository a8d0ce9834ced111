"""The served models follow a rewrite of their version (an erasure) in every process."""

from __future__ import annotations

import time
from pathlib import Path

from shopmind.api.models import ModelHolder
from shopmind.artifacts import Artifacts


def test_a_rewritten_version_is_reloaded_by_itself(tmp_path: Path) -> None:
    artifacts = Artifacts(tmp_path)
    version = artifacts.save({"recommend": {"known": ["c1", "c2"]}}, {})
    holder = ModelHolder(tmp_path)
    holder.load_newest()
    newer = artifacts.save({"recommend": {"known": ["c1", "c2", "c3"]}}, {})
    artifacts.rewrite(version, {"recommend": {"known": ["c2"]}})  # another process erased c1
    deadline = time.monotonic() + 10
    while holder.serving("recommend").models["recommend"] != {"known": ["c2"]}:
        assert time.monotonic() < deadline, "the rewrite was never picked up"
        time.sleep(0.05)
    # Only the served version is followed; a new version still waits for a reload.
    assert holder.version == version != newer
