"""The generated parts of the README: the import contract and the benchmark tables.

Marked blocks are replaced in place: `<!-- schema -->...<!-- /schema -->` with the tables of
schema.py, and `<!-- bench:NAME -->...<!-- /bench:NAME -->` with benchmarks/results/NAME.json.
"""

from __future__ import annotations

import json
import math
import re
from pathlib import Path
from typing import Any

from shopmind.data.schema import markdown

__all__ = ["bench_table", "render"]


def render(readme: Path, results: Path) -> bool:
    """Refresh every generated block of `readme`; True when the file changed."""
    text = readme.read_text()

    def bench(match: re.Match[str]) -> str:
        name = match.group(1)
        path = results / f"{name}.json"
        if not path.is_file():
            return match.group(0)
        body = bench_table(json.loads(path.read_text()))
        return f"<!-- bench:{name} -->\n{body}\n<!-- /bench:{name} -->"

    updated = re.sub(r"<!-- bench:([\w-]+) -->.*?<!-- /bench:\1 -->", bench, text, flags=re.DOTALL)
    updated = re.sub(
        r"<!-- schema -->.*?<!-- /schema -->",
        lambda _: f"<!-- schema -->\n{markdown()}\n<!-- /schema -->",
        updated,
        flags=re.DOTALL,
    )
    if updated == text:
        return False
    readme.write_text(updated)
    return True


def bench_table(payload: dict[str, Any]) -> str:
    """A Markdown table of a study's results: one row per system, one column per metric."""
    rows: list[dict[str, Any]] = payload["results"]
    metrics: list[str] = []
    for row in rows:
        metrics += [k for k in row if k not in ("system", "kind", "note") and k not in metrics]
    head = ["system", "kind", *metrics]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for row in rows:
        cells = [str(row.get("system", "")), str(row.get("kind", ""))]
        cells += [_cell(row.get(m)) for m in metrics]
        lines.append("| " + " | ".join(cells) + " |")
    lines.append("")
    lines.append(f"Dataset: {payload.get('dataset', '')}. Protocol: {payload.get('protocol', '')}.")
    target = payload.get("target")
    if isinstance(target, dict):
        verdict = "met" if target.get("met") else "**not met**"
        lines.append(f"\nTarget: {target.get('description', '')}: {verdict}.")
    elif target:
        lines.append(f"\nTarget: {target}.")
    return "\n".join(lines)


def _cell(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        if math.isnan(value):
            return ""
        return f"{value:,.4g}" if abs(value) < 1000 else f"{value:,.0f}"
    if isinstance(value, int) and not isinstance(value, bool):
        return f"{value:,}"
    return str(value)


if __name__ == "__main__":
    root = Path(__file__).resolve().parents[2]
    render(root / "README.md", root / "benchmarks" / "results")
