"""The assistant-dialogues benchmark's data: every scenario parses and names only known roles,
placeholders, checks, actions, sources, reply templates and intents (no engine is trained)."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from shopmind.assistant.dialogue import Reply
from shopmind.assistant.examples import INTENTS

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "benchmarks" / "assistant_dialogues.py"


@pytest.fixture(scope="module")
def bench() -> ModuleType:
    spec = importlib.util.spec_from_file_location("shopmind_bench_assistant_dialogues", SCRIPT)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def scenarios(bench: ModuleType) -> list[dict[str, Any]]:
    loaded: list[dict[str, Any]] = bench.load_scenarios()
    return loaded


def test_the_scenarios_load_without_problems(scenarios: list[dict[str, Any]]) -> None:
    assert len(scenarios) >= 60
    zh = sum(s["language"] == "zh" for s in scenarios)
    assert 0.3 <= zh / len(scenarios) <= 0.5


def test_every_expected_intent_is_known(bench: ModuleType, scenarios: list[dict[str, Any]]) -> None:
    for scenario in scenarios:
        for turn in scenario["turns"]:
            for key, value in bench._flat(turn.get("expect", {})):
                if key == "intent":
                    assert set(bench._listed(value)) <= set(INTENTS), scenario["name"]


def test_each_family_covers_both_languages(scenarios: list[dict[str, Any]]) -> None:
    families: dict[str, set[str]] = {}
    for scenario in scenarios:
        families.setdefault(scenario["family"], set()).add(scenario["language"])
    assert all(languages == {"en", "zh"} for languages in families.values()), families


def test_a_bad_scenario_is_reported(bench: ModuleType) -> None:
    bad = {
        "name": "bad",
        "language": "fr",
        "speaker": "visitor",
        "role": "nobody",
        "turns": [
            {
                "say": "where is {order_number}",
                "expect": {"intent": "order_status", "action": "dance", "colour": "red"},
            }
        ],
    }
    problems = "\n".join(bench.scenario_problems(bad))
    for fragment in ("language", "unknown role", "{order_number}", "'dance'", "'colour'"):
        assert fragment in problems


def test_leaks_count_details_of_orders_the_speaker_may_not_see(bench: ModuleType) -> None:
    cast = bench.Cast.__new__(bench.Cast)
    cast.owners = {"O000001": "C1", "O000002": "C2"}
    cast.tracking = {"TRK0000000001": "O000001", "TRK0000000002": "O000002"}
    cast.emails = {"C1": "a@example.com", "C2": "b@example.com"}

    def reply(text: str, *order_ids: str) -> Reply:
        sources = [{"type": "order", "id": o} for o in order_ids]
        return Reply("c", text, "order_status", 1.0, "en", sources=sources)

    shown = reply("Order O000002 was shipped: TRK0000000002", "O000002")
    assert bench.leaked(shown, cast, "C2", ["where is my order"]) == []
    assert bench.leaked(shown, cast, "C1", ["where is O000002"]) == [
        "TRK0000000002",
        "source:O000002",
    ]
    said = ["where is O000002", "b@example.com"]
    assert bench.leaked(shown, cast, None, said) == []
    echoed = reply("I couldn't find an order O000002 with those details.")
    assert bench.leaked(echoed, cast, None, ["where is O000002", "a@example.com"]) == []
    assert bench.leaked(reply("Your orders: O000002"), cast, "C1", ["hi"]) == ["O000002"]
