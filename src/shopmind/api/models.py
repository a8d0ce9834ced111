"""The trained models the service answers with, swapped whole on reload (no downtime)."""

from __future__ import annotations

import logging
import threading
from pathlib import Path

from shopmind.artifacts import ArtifactError, Artifacts, Loaded

__all__ = ["ModelHolder"]

log = logging.getLogger("shopmind.api")


class ModelHolder:
    """Holds the current artifact version; a reload that fails keeps the one being served."""

    def __init__(self, folder: Path) -> None:
        self.artifacts = Artifacts(folder)
        self._loaded: Loaded | None = None
        self._lock = threading.Lock()

    def load_newest(self) -> Loaded:
        """Load the current version and swap it in; ArtifactError leaves the old one serving."""
        with self._lock:
            loaded = self.artifacts.load()
            self._loaded = loaded
            log.info("serving models of version %s", loaded.version)
            return loaded

    def try_load(self) -> None:
        try:
            self.load_newest()
        except ArtifactError as exc:
            log.warning("%s", exc)

    @property
    def current(self) -> Loaded | None:
        """The version being served, or None before any was loaded."""
        return self._loaded

    @property
    def version(self) -> str | None:
        loaded = self._loaded
        return loaded.version if loaded else None

    def serving(self, engine: str) -> Loaded:
        """The version being served, which holds `engine`. Take everything a request needs
        (model, version, manifest) from this one object: a reload swaps it whole."""
        loaded = self._loaded
        if loaded is None or engine not in loaded.models:
            raise ArtifactError(
                f"no trained {engine} model is loaded; run `shopmind train` "
                "and reload (POST /admin/reload) or restart the service"
            )
        return loaded
