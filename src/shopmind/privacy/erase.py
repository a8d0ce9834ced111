"""Erase a customer everywhere: the store in one transaction, then every trained artifact that
keeps per-customer state, without a retrain.

The customer's rows are deleted, not pseudonymised: orders, order lines, events, campaign
assignments, conversations and tickets (see `footprint`). Trained models forget their
per-customer state (user factors, neighbour rows, histories, scores and segments); what they
learnt in aggregate (item similarities, forecasts, segment profiles) keeps anonymous counts
until the next training run. Every artifact version is rewritten, not only the current one, and
the batch tables a Spark run wrote are filtered.
"""

from __future__ import annotations

import logging
import os
import shutil
from collections.abc import Collection
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
import sqlalchemy as sa

from shopmind.artifacts import Artifacts
from shopmind.data.store import Store
from shopmind.engine import CustomerState
from shopmind.errors import ArtifactError, NotFoundError
from shopmind.privacy.footprint import ERASE_ORDER, footprint

__all__ = ["Erasure", "erase_customer", "forget_in_artifacts"]

log = logging.getLogger("shopmind.privacy")

BATCH = "batch"
"""The folder under the artifacts where a Spark training run writes its batch tables."""


@dataclass(frozen=True)
class Erasure:
    rows: dict[str, int]
    """Table -> rows deleted."""
    versions: dict[str, int] = field(default_factory=dict)
    """Artifact version -> engines that forgot the customer in it."""
    batch_rows: int = 0
    """Rows removed from batch tables (Spark's precomputed recommendations and scores)."""

    @property
    def erased(self) -> bool:
        return any(self.rows.values()) or bool(self.versions) or self.batch_rows > 0


def erase_customer(store: Store, customer_id: str, artifacts: Artifacts | None = None) -> Erasure:
    """Delete every row about `customer_id` (one transaction) and make every artifact version
    forget them. NotFoundError if shopmind held nothing about the customer. Running it again
    after an interruption finishes the job."""
    with store.transaction() as conn:
        found = footprint(store, conn, customer_id)
        rows = {
            name: conn.execute(sa.delete(store.table(name)).where(found.where[name])).rowcount
            for name in ERASE_ORDER
        }
    store.drop_deleted()
    versions: dict[str, int] = {}
    batch_rows = 0
    if artifacts is not None:
        versions = forget_in_artifacts(artifacts, [customer_id])
        batch_rows = _forget_in_batch(artifacts.root / BATCH, [customer_id])
    erasure = Erasure(rows=rows, versions=versions, batch_rows=batch_rows)
    if not erasure.erased:
        raise NotFoundError(f"shopmind holds no data about customer {customer_id!r}")
    return erasure


def forget_in_artifacts(artifacts: Artifacts, customer_ids: Collection[str]) -> dict[str, int]:
    """Make every engine with per-customer state forget these customers in every version;
    returns version -> engines changed. A version that cannot be read cannot be cleaned, so it
    is removed (it could not be served either)."""
    changed: dict[str, int] = {}
    for version in artifacts.versions():
        try:
            loaded = artifacts.load(version)
        except ArtifactError as exc:
            log.warning("removing unreadable artifact version %s: %s", version, exc)
            artifacts.remove(version)
            continue
        engines = sum(
            1
            for model in loaded.models.values()
            if isinstance(model, CustomerState) and model.forget(customer_ids) > 0
        )
        if engines:
            artifacts.rewrite(version, loaded.models)
            changed[version] = engines
    return changed


def _forget_in_batch(folder: Path, customer_ids: Collection[str]) -> int:
    """Drop the customers' rows from every batch table (a Parquet file or Spark's folder)."""
    if not folder.is_dir():
        return 0
    removed = 0
    for path in sorted(folder.glob("*.parquet")):
        frame = pd.read_parquet(path)
        if "customer_id" not in frame.columns:
            continue
        theirs = frame["customer_id"].astype(str).isin(list(customer_ids))
        if not theirs.any():
            continue
        staging = path.with_name(f".{path.name}.erasing")
        frame[~theirs].to_parquet(staging, index=False)
        if path.is_dir():
            retired = path.with_name(f".{path.name}.retired")
            os.replace(path, retired)
            os.replace(staging, path)
            shutil.rmtree(retired, ignore_errors=True)
        else:
            os.replace(staging, path)
        removed += int(theirs.sum())
    return removed
