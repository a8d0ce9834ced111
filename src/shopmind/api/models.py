"""The trained models the service answers with, swapped whole on reload (no downtime)."""

from __future__ import annotations

import gc
import logging
import threading
import time
from pathlib import Path

from shopmind.artifacts import ArtifactError, Artifacts, Loaded

__all__ = ["ModelHolder"]

log = logging.getLogger("shopmind.api")

_CHECK_SECONDS = 1.0


class ModelHolder:
    """Holds the current artifact version; a reload that fails keeps the one being served."""

    def __init__(self, folder: Path) -> None:
        self.artifacts = Artifacts(folder)
        self._loaded: Loaded | None = None
        self._lock = threading.Lock()
        self._folder: tuple[int, int] | None = None
        """Identity (inode, change time) of the served version's folder when it was loaded."""
        self._next_check = 0.0

    def load_newest(self) -> Loaded:
        """Load the current version, warm it up and swap it in; ArtifactError leaves the old
        one serving."""
        with self._lock:
            version = self.artifacts.current()
            folder = None if version is None else self._folder_of(version)
            loaded = self.artifacts.load(version)
            _warm_up(loaded)
            self._loaded, self._folder = loaded, folder
            _settle_heap()
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
        self._notice_rewrite()
        loaded = self._loaded
        if loaded is None or engine not in loaded.models:
            raise ArtifactError(
                f"no trained {engine} model is loaded; run `shopmind train` "
                "and reload (POST /admin/reload) or restart the service"
            )
        return loaded

    def reload_served(self) -> None:
        """Load the served version again if its files were rewritten since (a privacy erasure
        rewrites every version in place); a failure keeps what is serving."""
        with self._lock:
            loaded = self._loaded
            if loaded is None:
                return
            folder = self._folder_of(loaded.version)
            if folder is None or folder == self._folder:
                return
            try:
                fresh = self.artifacts.load(loaded.version)
            except ArtifactError as exc:
                log.warning("%s", exc)
                return
            _warm_up(fresh)
            self._loaded, self._folder = fresh, folder
            _settle_heap()
            log.info("reloaded the rewritten models of version %s", loaded.version)

    def _notice_rewrite(self) -> None:
        """At most once a second, look whether the served version was rewritten (by this
        worker or another process) and reload it in the background if so."""
        now = time.monotonic()
        loaded = self._loaded
        if loaded is None or now < self._next_check:
            return
        self._next_check = now + _CHECK_SECONDS
        folder = self._folder_of(loaded.version)
        if folder is not None and folder != self._folder:
            threading.Thread(target=self.reload_served, name="shopmind-reload", daemon=True).start()

    def _folder_of(self, version: str) -> tuple[int, int] | None:
        try:
            found = (self.artifacts.root / version).stat()
        except OSError:  # mid-rewrite, or removed
            return None
        return found.st_ino, found.st_ctime_ns


def _warm_up(loaded: Loaded) -> None:
    """Let each engine that can (`warm_up()`) load and run its lazy parts now, before it serves:
    otherwise the first requests pay for them together (the assistant's sentence model took
    seconds to load, and every request behind those waited)."""
    for name, model in loaded.models.items():
        warm = getattr(model, "warm_up", None)
        if callable(warm):
            started = time.perf_counter()
            warm()
            log.info("warmed up %s in %.2f s", name, time.perf_counter() - started)


def _settle_heap() -> None:
    """Take the objects alive now (the loaded models: over half a million) out of the garbage
    collector's reach, after collecting the leftovers of loading and of any version replaced.

    A full collection walks every tracked object: with the models in the heap it stops the
    whole service for ~0.3 s, and under load one came every minute or so (the latency tail of
    the service-load benchmark). Frozen objects are never walked again; a reload unfreezes
    them first, so the reference cycles of a replaced version are still freed."""
    gc.unfreeze()
    gc.collect()
    gc.freeze()
