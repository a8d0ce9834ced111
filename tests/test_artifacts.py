"""Versioned artifacts: atomic versions, a current pointer, clear errors on damage."""

from __future__ import annotations

import logging
from datetime import datetime
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


def test_evaluation_round_trip_and_replace(tmp_path: Path) -> None:
    artifacts = Artifacts(tmp_path)
    assert artifacts.evaluation("recommend") is None
    version = artifacts.save({"recommend": 1}, {})
    path = artifacts.save_evaluation("recommend", version, {"models": {"served": {"ndcg@10": 0.2}}})
    assert path == tmp_path / "evaluations" / "recommend.json"
    stored = artifacts.evaluation("recommend")
    assert stored is not None
    assert stored["engine"] == "recommend" and stored["model_version"] == version
    assert stored["results"] == {"models": {"served": {"ndcg@10": 0.2}}}
    assert datetime.fromisoformat(stored["evaluated_at"]).tzinfo is not None
    artifacts.save_evaluation("recommend", None, {"k": 5})
    again = artifacts.evaluation("recommend")
    assert again is not None and again["results"] == {"k": 5} and again["model_version"] is None
    assert artifacts.versions() == [version]  # the evaluations folder is not a version
    assert [p.name for p in (tmp_path / "evaluations").iterdir()] == ["recommend.json"]


def test_corrupt_evaluation_is_ignored_with_a_warning(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    artifacts = Artifacts(tmp_path)
    artifacts.save_evaluation("forecast", None, {"models": {}})
    (tmp_path / "evaluations" / "forecast.json").write_text("{not json")
    (tmp_path / "evaluations" / "pricing.json").write_text("[1, 2]")
    with caplog.at_level(logging.WARNING, logger="shopmind.artifacts"):
        assert artifacts.evaluation("forecast") is None
        assert artifacts.evaluation("pricing") is None
    assert "forecast.json" in caplog.text and "pricing.json" in caplog.text


def test_rewrite_keeps_the_name_and_manifest_and_swaps_the_models(tmp_path: Path) -> None:
    artifacts = Artifacts(tmp_path)
    first = artifacts.save({"m": 1}, {"customers": 5})
    second = artifacts.save({"m": 2}, {"customers": 6})
    artifacts.rewrite(first, {"m": 10})
    assert artifacts.versions() == [first, second] and artifacts.current() == second
    rewritten = artifacts.load(first)
    assert rewritten.models == {"m": 10} and rewritten.manifest["customers"] == 5
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]  # nothing left over
    artifacts.remove(first)
    assert artifacts.versions() == [second]
