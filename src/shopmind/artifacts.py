"""Versioned model artifacts: each training run writes one version folder, atomically.

Layout under the artifacts folder::

    20261128T101500Z/           one version: manifest.json plus one file per engine
        manifest.json
        recommend.pkl
    CURRENT                     names the newest complete version
    evaluations/recommend.json  the newest offline evaluation of an engine

A version folder is written under a temporary name and renamed when complete, and CURRENT is
replaced atomically after it, so a reader never sees half a version. A version that fails to
load leaves the caller free to keep serving the one it has.
"""

from __future__ import annotations

import json
import logging
import os
import pickle
import shutil
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from shopmind.errors import ArtifactError

__all__ = ["ArtifactError", "Artifacts", "Loaded"]

log = logging.getLogger("shopmind.artifacts")

_CURRENT = "CURRENT"
_MANIFEST = "manifest.json"
_EVALUATIONS = "evaluations"


@dataclass(frozen=True)
class Loaded:
    version: str
    manifest: dict[str, Any]
    models: dict[str, Any]


class Artifacts:
    def __init__(self, root: Path) -> None:
        self.root = root

    def save(self, models: Mapping[str, object], manifest: Mapping[str, Any]) -> str:
        """Write a new version holding `models`; returns its name and makes it current."""
        self.root.mkdir(parents=True, exist_ok=True)
        version = self._new_version()
        full = {
            "version": version,
            "created_at": datetime.now(UTC).isoformat(),
            "engines": sorted(models),
            **manifest,
        }
        staging = self._stage(version, models, full)
        os.replace(staging, self.root / version)
        self._write_current(version)
        return version

    def rewrite(self, version: str, models: Mapping[str, object]) -> None:
        """Replace the models of an existing version, keeping its name and manifest (a privacy
        erasure). The new folder is complete before it takes the old one's place; a reader in
        between finds the version missing for a moment and keeps serving what it has."""
        folder = self.root / version
        manifest = json.loads((folder / _MANIFEST).read_text())
        staging = self._stage(version, models, {**manifest, "engines": sorted(models)})
        retired = folder.with_name(f".{version}.retired")
        os.replace(folder, retired)
        os.replace(staging, folder)
        shutil.rmtree(retired, ignore_errors=True)

    def remove(self, version: str) -> None:
        """Delete a version (one that cannot be read any more)."""
        shutil.rmtree(self.root / version, ignore_errors=True)

    def _stage(
        self, version: str, models: Mapping[str, object], manifest: Mapping[str, Any]
    ) -> Path:
        """A hidden folder holding the pickled models and the manifest, synced to disk."""
        staging = Path(tempfile.mkdtemp(prefix=f".{version}-", dir=self.root))
        try:
            for name, model in models.items():
                with (staging / f"{name}.pkl").open("wb") as handle:
                    pickle.dump(model, handle, protocol=pickle.HIGHEST_PROTOCOL)
                    handle.flush()
                    os.fsync(handle.fileno())
            (staging / _MANIFEST).write_text(json.dumps(manifest, indent=2, default=str))
        except BaseException:
            shutil.rmtree(staging, ignore_errors=True)
            raise
        return staging

    def versions(self) -> list[str]:
        """Complete versions, oldest first."""
        if not self.root.is_dir():
            return []
        return sorted(
            p.name
            for p in self.root.iterdir()
            if p.is_dir() and not p.name.startswith(".") and (p / _MANIFEST).is_file()
        )

    def current(self) -> str | None:
        pointer = self.root / _CURRENT
        if pointer.is_file():
            name = pointer.read_text().strip()
            if name in self.versions():
                return name
        versions = self.versions()
        return versions[-1] if versions else None

    def load(self, version: str | None = None) -> Loaded:
        """Load a version (default: the current one); ArtifactError if absent or corrupt."""
        chosen = version or self.current()
        if chosen is None:
            raise ArtifactError(f"no trained models under {self.root}; run `shopmind train`")
        folder = self.root / chosen
        try:
            manifest = json.loads((folder / _MANIFEST).read_text())
            models = {}
            for name in manifest["engines"]:
                with (folder / f"{name}.pkl").open("rb") as handle:
                    models[name] = pickle.load(handle)
        except (
            OSError,
            ValueError,
            KeyError,
            pickle.UnpicklingError,
            EOFError,
            AttributeError,
            ImportError,
        ) as exc:
            raise ArtifactError(f"artifact version {chosen} cannot be loaded: {exc}") from None
        return Loaded(version=chosen, manifest=manifest, models=models)

    def save_evaluation(self, engine: str, version: str | None, results: Mapping[str, Any]) -> Path:
        """Store an engine's offline evaluation (replacing the previous one), atomically;
        `version` is the artifact version current when it was measured."""
        folder = self.root / _EVALUATIONS
        folder.mkdir(parents=True, exist_ok=True)
        record = {
            "engine": engine,
            "model_version": version,
            "evaluated_at": datetime.now(UTC).isoformat(),
            "results": dict(results),
        }
        target = folder / f"{engine}.json"
        handle, name = tempfile.mkstemp(prefix=f".{engine}-", suffix=".json", dir=folder)
        temporary = Path(name)
        try:
            with os.fdopen(handle, "w") as out:
                out.write(json.dumps(record, indent=2, default=str))
                out.flush()
                os.fsync(out.fileno())
            os.replace(temporary, target)
        except BaseException:
            temporary.unlink(missing_ok=True)
            raise
        return target

    def evaluation(self, engine: str) -> dict[str, Any] | None:
        """The stored evaluation of `engine`, or None when there is none or it is unreadable."""
        path = self.root / _EVALUATIONS / f"{engine}.json"
        if not path.is_file():
            return None
        try:
            record = json.loads(path.read_text())
        except (OSError, ValueError) as exc:
            log.warning("ignoring the unreadable evaluation %s: %s", path, exc)
            return None
        if not isinstance(record, dict) or not isinstance(record.get("results"), dict):
            log.warning("ignoring the evaluation %s: not an evaluation record", path)
            return None
        return record

    def _new_version(self) -> str:
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%fZ")
        return stamp if not (self.root / stamp).exists() else f"{stamp}-{os.getpid()}"

    def _write_current(self, version: str) -> None:
        temporary = self.root / f".{_CURRENT}.{os.getpid()}"
        temporary.write_text(version)
        os.replace(temporary, self.root / _CURRENT)
