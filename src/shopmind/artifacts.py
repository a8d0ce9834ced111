"""Versioned model artifacts: each training run writes one version folder, atomically.

Layout under the artifacts folder::

    20261128T101500Z/           one version: manifest.json plus one file per engine
        manifest.json
        recommend.pkl
    CURRENT                     names the newest complete version

A version folder is written under a temporary name and renamed when complete, and CURRENT is
replaced atomically after it, so a reader never sees half a version. A version that fails to
load leaves the caller free to keep serving the one it has.
"""

from __future__ import annotations

import json
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

_CURRENT = "CURRENT"
_MANIFEST = "manifest.json"


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
        staging = Path(tempfile.mkdtemp(prefix=f".{version}-", dir=self.root))
        try:
            for name, model in models.items():
                with (staging / f"{name}.pkl").open("wb") as handle:
                    pickle.dump(model, handle, protocol=pickle.HIGHEST_PROTOCOL)
                    handle.flush()
                    os.fsync(handle.fileno())
            full = {
                "version": version,
                "created_at": datetime.now(UTC).isoformat(),
                "engines": sorted(models),
                **manifest,
            }
            (staging / _MANIFEST).write_text(json.dumps(full, indent=2, default=str))
            os.replace(staging, self.root / version)
        except BaseException:
            shutil.rmtree(staging, ignore_errors=True)
            raise
        self._write_current(version)
        return version

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

    def _new_version(self) -> str:
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%fZ")
        return stamp if not (self.root / stamp).exists() else f"{stamp}-{os.getpid()}"

    def _write_current(self, version: str) -> None:
        temporary = self.root / f".{_CURRENT}.{os.getpid()}"
        temporary.write_text(version)
        os.replace(temporary, self.root / _CURRENT)
