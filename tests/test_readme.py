"""The README's generated parts are what the code and the results say."""

from __future__ import annotations

import json
import re
from pathlib import Path

from shopmind.bench import studies
from shopmind.data.schema import markdown
from shopmind.readme import bench_table, render

ROOT = Path(__file__).resolve().parents[1]


def test_readme_shows_the_current_import_contract() -> None:
    text = (ROOT / "README.md").read_text()
    block = re.search(r"<!-- schema -->\n(.*?)\n<!-- /schema -->", text, flags=re.DOTALL)
    assert block is not None
    assert block.group(1) == markdown(), "run `python -m shopmind.readme` to refresh the README"


def test_every_result_file_has_its_table_in_the_readme() -> None:
    text = (ROOT / "README.md").read_text()
    for path in sorted((ROOT / "benchmarks" / "results").glob("*.json")):
        payload = json.loads(path.read_text())
        expected = (
            f"<!-- bench:{path.stem} -->\n{bench_table(payload)}\n<!-- /bench:{path.stem} -->"
        )
        assert expected in text, f"README table for {path.stem} is stale"


def test_every_study_has_a_readme_section() -> None:
    text = (ROOT / "README.md").read_text()
    for name in studies():
        assert f"<!-- bench:{name} -->" in text


def test_render_replaces_marked_blocks(tmp_path: Path) -> None:
    results = tmp_path / "results"
    results.mkdir()
    payload = {
        "study": "s",
        "dataset": "d",
        "protocol": "p",
        "results": [
            {"system": "shopmind:x", "kind": "shopmind", "ndcg@10": 0.5},
            {"system": "peer:y", "kind": "peer", "ndcg@10": 0.25, "fit_seconds": 1234.5},
        ],
    }
    (results / "s.json").write_text(json.dumps(payload))
    readme = tmp_path / "README.md"
    readme.write_text(
        "intro\n<!-- bench:s -->\nold\n<!-- /bench:s -->\n<!-- bench:t -->\nkeep\n"
        "<!-- /bench:t -->\n"
    )
    assert render(readme, results)
    text = readme.read_text()
    assert "| shopmind:x | shopmind | 0.5 |  |" in text
    assert "| peer:y | peer | 0.25 | 1,234 |" in text
    assert "keep" in text and "old" not in text
    assert not render(readme, results)  # already current
