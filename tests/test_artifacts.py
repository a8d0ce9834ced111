"""Versioned artifacts: atomic versions, a current pointer, clear errors on damage."""

from __future__ import annotations

from pathlib import Path

import pytest

from shopmind.artifacts import ArtifactError, Artifacts


def test_save_and_load_round_trip(tmp_path: Path) -> None:
    artifacts = Artifacts(tmp_path)
    version = artifacts.save({"recommend": {"weights": [1, 2, 3]}}, {"customers": 5})
    loaded = artifacts.load()
    assert loaded.version == version
    assert loaded.models == {"recommend": {"weights": [1, 2, 3]}}
    assert loaded.manifest["customers"] == 5
    assert loaded.manifest["engines"] == ["recommend"]


def test_newest_version_is_current_and_old_ones_stay_loadable(tmp_path: Path) -> None:
    artifacts = Artifacts(tmp_path)
    first = artifacts.save({"m": 1}, {})
    second = artifacts.save({"m": 2}, {})
    assert artifacts.versions() == [first, second]
    assert artifacts.current() == second
    assert artifacts.load().models["m"] == 2
    assert artifacts.load(first).models["m"] == 1


def test_nothing_trained_yet(tmp_path: Path) -> None:
    with pytest.raises(ArtifactError, match="run `shopmind train`"):
        Artifacts(tmp_path / "none").load()


def test_corrupt_artifact_is_an_artifact_error(tmp_path: Path) -> None:
    artifacts = Artifacts(tmp_path)
    version = artifacts.save({"m": 1}, {})
    (tmp_path / version / "m.pkl").write_bytes(b"\x80\x05garbage")
    with pytest.raises(ArtifactError, match=f"{version} cannot be loaded"):
        artifacts.load()


def test_a_failed_save_leaves_no_version_behind(tmp_path: Path) -> None:
    artifacts = Artifacts(tmp_path)
    kept = artifacts.save({"m": 1}, {})

    class Unpicklable:
        def __reduce__(self) -> str:
            raise TypeError("cannot pickle this")

    with pytest.raises(TypeError):
        artifacts.save({"m": Unpicklable()}, {})
    assert artifacts.versions() == [kept]
    assert artifacts.current() == kept
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".") and p.is_dir()] == []
