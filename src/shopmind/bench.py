"""Benchmark studies: find them, run one, keep its results and the README's tables in step.

A study is a script `benchmarks/<name>.py` (underscores for dashes) with a `run() -> dict`
that returns the payload described in DESIGN.md: study, dataset, protocol and results, one row
per system (shopmind's and its peers', measured in the same run).
"""

from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path
from typing import Any

from shopmind.errors import ConfigError
from shopmind.readme import render

__all__ = ["benchmarks_dir", "run", "studies"]


def benchmarks_dir() -> Path:
    here = Path.cwd() / "benchmarks"
    if here.is_dir():
        return here
    return Path(__file__).resolve().parents[2] / "benchmarks"


def studies() -> dict[str, Path]:
    folder = benchmarks_dir()
    return {
        p.stem.replace("_", "-"): p
        for p in sorted(folder.glob("*.py"))
        if not p.name.startswith("_")
    }


def run(study: str) -> Path:
    """Run a study, write results/<study>.json and refresh the README's table for it."""
    path = studies()[study]
    spec = importlib.util.spec_from_file_location(f"shopmind_bench_{path.stem}", path)
    if spec is None or spec.loader is None:
        raise ConfigError(f"cannot load benchmark {path}")
    if str(path.parent) not in sys.path:  # studies may share helpers: benchmarks/_*.py
        sys.path.insert(0, str(path.parent))
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses and pickling look the module up by name
    spec.loader.exec_module(module)
    payload: dict[str, Any] = module.run()
    out = benchmarks_dir() / "results" / f"{study}.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(payload, indent=2) + "\n")
    readme = benchmarks_dir().parent / "README.md"
    if readme.is_file():
        render(readme, benchmarks_dir() / "results")
    return out
