"""The shopmind command, as a script would use it: output, files and exit codes."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from shopmind.artifacts import Artifacts
from shopmind.cli import main
from shopmind.data.schema import SCHEMA_VERSION
from shopmind.data.store import Store, sqlite_url

Run = Callable[..., tuple[int, str, str]]
SMALL = ["--customers", "150", "--products", "80"]


@pytest.fixture
def run(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> Run:
    """Run `shopmind ARGS` in-process with its own data dir; returns (exit code, out, err)."""
    monkeypatch.setenv("SHOPMIND_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.delenv("SHOPMIND_DATABASE_URL", raising=False)
    monkeypatch.setenv("COLUMNS", "200")

    def invoke(*args: str) -> tuple[int, str, str]:
        monkeypatch.setattr(sys, "argv", ["shopmind", *args])
        code = 0
        try:
            main()
        except SystemExit as exc:
            code = int(exc.code or 0)
        captured = capsys.readouterr()
        return code, captured.out, captured.err

    return invoke


def store_of(tmp_path: Path) -> Store:
    return Store(sqlite_url(tmp_path / "data" / "shopmind.db"))


def test_help_lists_every_command(run: Run) -> None:
    code, out, _ = run("--help")
    assert code == 0
    for command in ("sample", "import", "status", "train", "evaluate", "campaign", "serve", "demo"):
        assert command in out
        sub_code, sub_out, _ = run(command, "--help")
        assert sub_code == 0
        assert "Usage" in sub_out


def test_sample_is_reproducible(run: Run, tmp_path: Path) -> None:
    first, second = tmp_path / "a", tmp_path / "b"
    assert run("sample", "--out", str(first), "--seed", "7", *SMALL)[0] == 0
    assert run("sample", "--out", str(second), "--seed", "7", *SMALL)[0] == 0
    names = sorted(p.name for p in first.glob("*.csv"))
    assert "orders.csv" in names and "faqs.csv" in names
    for name in names:
        assert (first / name).read_bytes() == (second / name).read_bytes(), name
    assert (first / "truth").is_dir()


def test_import_status_train_evaluate(run: Run, tmp_path: Path) -> None:
    folder = tmp_path / "shop"
    run("sample", "--out", str(folder), *SMALL)
    code, out, err = run("import", str(folder))
    assert code == 0, err
    assert "order_lines" in out
    code, out, _ = run("status")
    assert code == 0 and f"schema version {SCHEMA_VERSION}" in out
    store = store_of(tmp_path)
    assert store.counts()["customers"] == 150
    store.close()
    code, out, err = run("train")
    assert code == 0, err
    assert Artifacts(tmp_path / "data" / "artifacts").current() is not None
    code, out, err = run("evaluate", "recommend", "--json")
    assert code == 0, err
    results = json.loads(out)
    assert set(results["models"]) >= {"served", "popular", "ease", "item-knn", "als"}
    assert 0.0 <= results["models"]["served"]["ndcg@10"] <= 1.0
    assert set(results["ratings"]["biased-mf"]) == {"rmse", "mae"}
    served, popular = (
        results["models"]["served"]["ndcg@10"],
        results["models"]["popular"]["ndcg@10"],
    )
    gain = results["gain"]  # served against best-sellers, resampled over the test customers
    assert gain["percent"] == pytest.approx(100 * (served - popular) / popular, abs=0.01)
    assert gain["low"] < gain["percent"] < gain["high"] and gain["level"] == 0.9
    artifacts = Artifacts(tmp_path / "data" / "artifacts")
    stored = artifacts.evaluation("recommend")
    assert stored is not None and stored["results"] == results
    assert stored["engine"] == "recommend" and stored["model_version"] == artifacts.current()
    assert (tmp_path / "data" / "artifacts" / "evaluations" / "recommend.json").is_file()
    assert "evaluations" in err
    code, out, err = run(
        "evaluate",
        "recommend",
        "--split",
        "leave-last-n",
        "--k",
        "5",
        "--model",
        "popular",
        "--model",
        "item-knn",
        "--json",
    )
    assert code == 0, err
    assert set(json.loads(out)["models"]) == {"popular", "item-knn"}
    assert "gain" not in json.loads(out)  # the served model was not among them
    assert "precision@5" in json.loads(out)["models"]["item-knn"]
    assert run("evaluate", "recommend", "--split", "sideways")[0] == 2


def test_invalid_file_exits_3_and_writes_nothing(run: Run, tmp_path: Path) -> None:
    bad = tmp_path / "products.csv"
    bad.write_text("product_id,title,price\np1,Boot,12\np2,Hat,cheap\n")
    code, _, err = run("import", str(bad))
    assert code == 3
    assert "products.csv, row 2, column 'price': 'cheap' is not a number" in err
    assert "nothing was written" in err
    store = store_of(tmp_path)
    assert store.counts()["products"] == 0
    store.close()


def test_column_mapping_on_the_command_line(run: Run, tmp_path: Path) -> None:
    export = tmp_path / "catalogue.csv"
    export.write_text("SKU,Name\nA-1,Boot\n")
    code, _, err = run(
        "import",
        str(export),
        "--table",
        "products",
        "--map",
        "product_id=SKU",
        "--map",
        "title=Name",
    )
    assert code == 0, err
    assert run("import", str(export), "--table", "products", "--map", "nonsense")[0] == 2
    assert run("import", str(export), "--table", "widgets")[0] == 3


def test_usage_errors_exit_2(run: Run, tmp_path: Path) -> None:
    assert run("import")[0] == 2
    assert run("import", str(tmp_path), "--mode", "merge")[0] == 2
    assert run("evaluate", "astrology")[0] == 2
    assert run("no-such-command")[0] == 2
    assert run("import", "--dataset", "banking77-train")[0] == 2


def test_unreachable_store_exits_4(run: Run, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(
        "SHOPMIND_DATABASE_URL", "postgresql+psycopg://nobody@127.0.0.1:1/none?connect_timeout=1"
    )
    code, _, err = run("status")
    assert code == 4
    assert "cannot open the store" in err


def test_evaluate_needs_data(run: Run) -> None:
    code, _, err = run("evaluate", "recommend")
    assert code == 3
    assert "no purchases or browsing events" in err


def test_train_engine_option_is_checked(run: Run, tmp_path: Path) -> None:
    code, _, err = run("train", "--engine", "mars")
    assert code == 2 and "local or spark" in err
    code, _, err = run("train", "--parquet", str(tmp_path))
    assert code == 2 and "needs --engine spark" in err


def test_demo_without_serving(run: Run, tmp_path: Path) -> None:
    code, out, err = run("demo", "--no-serve", *SMALL)
    assert code == 0, err
    assert "The shop at a glance" in out
    assert "Trained recommend" in out
    assert (tmp_path / "data" / "sample" / "orders.csv").is_file()
    # the dashboard's quality and lift figures are measured, with their intervals
    assert "ranking quality (ndcg@10) against best-sellers, 90% interval" in out
    assert "forecast accuracy (RMSSE) against seasonal naive, 90% interval" in out
    assert "saved per 30 days against the textbook policy in a 56-day backtest" in out
    artifacts = Artifacts(tmp_path / "data" / "artifacts")
    for name in ("recommend", "forecast", "inventory"):
        stored = artifacts.evaluation(name)
        assert stored is not None and stored["model_version"] == artifacts.current()


def test_bench_lists_studies(run: Run) -> None:
    code, out, _ = run("bench", "--list")
    assert code == 0
    assert "import-throughput" in out


def test_marketing_train_evaluate_and_plan(run: Run, tmp_path: Path) -> None:
    folder = tmp_path / "shop"
    run("sample", "--out", str(folder), "--customers", "600", "--products", "80")
    assert run("import", str(folder))[0] == 0
    code, out, err = run("train", "marketing")
    assert code == 0, err
    artifacts = Artifacts(tmp_path / "data" / "artifacts")
    assert artifacts.load().models.keys() == {"marketing"}
    # training one engine keeps the others of the current version in service
    assert run("train", "recommend")[0] == 0
    loaded = artifacts.load()
    assert loaded.models.keys() == {"marketing", "recommend"}
    assert set(loaded.manifest["carried_over"]) == {"marketing"}

    code, out, err = run("evaluate", "marketing", "--json")
    assert code == 0, err
    results = json.loads(out)
    assert 0.5 < results["purchase"]["auc"] <= 1.0
    assert results["uplift"]["randomized"] is True
    code, out, err = run("evaluate", "marketing")
    assert code == 0, err
    assert "qini_auc" in out and "lift@10%" in out

    plan = tmp_path / "plan.csv"
    code, out, err = run(
        "campaign",
        "--cost-per-contact",
        "0.1",
        "--discount",
        "0.1",
        "--margin",
        "0.5",
        "--budget",
        "40",
        "--out",
        str(plan),
    )
    assert code == 0, err
    assert "incremental profit" in out
    lines = plan.read_text().splitlines()
    assert lines[0].startswith("customer_id,rank,") and "featured_product" in lines[0]
    assert (
        run("campaign", "--cost-per-contact", "0.1", "--discount", "2", "--margin", "0.5")[0] == 2
    )


def test_forecast_and_inventory_from_the_command_line(run: Run, tmp_path: Path) -> None:
    folder = tmp_path / "shop"
    run("sample", "--out", str(folder), "--customers", "300", "--products", "40")
    assert run("import", str(folder))[0] == 0
    code, out, err = run("train", "forecast", "inventory")
    assert code == 0, err
    code, out, err = run("evaluate", "forecast", "--json")
    assert code == 0, err
    models = json.loads(out)["models"]
    assert {"shopmind", "seasonal-naive"} <= set(models)
    assert models["shopmind"]["pinball"] < models["seasonal-naive"]["pinball"]
    listed = tmp_path / "reorder.csv"
    code, out, err = run("reorder", "--service-level", "0.9", "--out", str(listed))
    assert code == 0, err
    header = listed.read_text().splitlines()[0]
    assert header.startswith("product_id,location,on_hand") and header.endswith("reason")
    assert run("reorder", "--service-level", "1.5")[0] == 2


def test_pricing_from_the_command_line(run: Run, tmp_path: Path) -> None:
    folder = tmp_path / "shop"
    run("sample", "--out", str(folder), "--customers", "400", "--products", "40")
    assert run("import", str(folder))[0] == 0
    code, _, err = run("train", "pricing")
    assert code == 0, err
    code, out, err = run("evaluate", "pricing", "--json")
    assert code == 0, err
    results = json.loads(out)
    assert 0 < results["identified"] <= results["products"] == 40
    code, out, err = run("evaluate", "pricing")
    assert code == 0, err
    assert "identified" in out and "median elasticity" in out


def test_assistant_train_evaluate_and_chat(
    run: Run, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import io

    folder = tmp_path / "shop"
    run("sample", "--out", str(folder), *SMALL)
    assert run("import", str(folder))[0] == 0
    assert run("chat")[0] == 8  # nothing trained yet: the artifact error's exit code
    own = tmp_path / "intents.csv"
    own.write_text("text,intent\ndo you engrave mugs,engraving\n")
    monkeypatch.setenv("SHOPMIND_ASSISTANT_EXAMPLES", str(own))
    code, out, err = run("train", "assistant")
    assert code == 0, err
    classes = (
        Artifacts(tmp_path / "data" / "artifacts").load().models["assistant"].intents_.classes_
    )
    assert "engraving" in classes  # the shop's own intent was learned
    monkeypatch.delenv("SHOPMIND_ASSISTANT_EXAMPLES")
    code, out, err = run("evaluate", "assistant", "--json")
    assert code == 0, err
    results = json.loads(out)
    # cross-validated on the shipped examples; chance is 1 in 21 intents
    assert results["intent_accuracy_en"] > 0.85 and results["intent_accuracy_zh"] > 0.6
    assert results["faq_self_retrieval"] == 1.0  # every FAQ's own question finds it

    orders = store_of(tmp_path).read("orders")
    order_id = orders.order_id.iloc[0]
    customer = orders.customer_id.iloc[0]
    monkeypatch.setattr(sys, "stdin", io.StringIO(f"hello\nwhere is {order_id}?\n\n"))
    code, out, err = run("chat", "--customer", customer)
    assert code == 0, err
    assert "assistant>" in out and "intent greeting" in out
    assert f"order {order_id}" in out  # the source of the status answer


def test_privacy_export_erase_and_retain(run: Run, tmp_path: Path) -> None:
    folder = tmp_path / "shop"
    run("sample", "--out", str(folder), *SMALL)
    assert run("import", str(folder))[0] == 0
    assert run("train", "recommend", "marketing")[0] == 0
    customer = "C00001"
    exported = tmp_path / "c1.json"
    code, out, err = run("privacy", "export", customer, "--output", str(exported))
    assert code == 0, err
    held = json.loads(exported.read_text())
    assert held["tables"]["customers"][0]["customer_id"] == customer
    assert held["tables"]["orders"] and set(held["models"]) == {"recommend", "marketing"}
    code, out, err = run("privacy", "erase", customer, "--yes")
    assert code == 0, err
    assert "customers" in out and "1 artifact version" in out
    assert run("privacy", "export", customer)[0] == 6  # nothing held any more
    assert run("privacy", "erase", customer, "--yes")[0] == 6
    assert run("privacy", "retain")[0] == 2  # no period given or configured
    code, out, err = run("privacy", "retain", "--events-days", "1")
    assert code == 0, err
    assert "events" in out
    store = Store(sqlite_url(tmp_path / "data" / "shopmind.db"))
    assert store.counts()["events"] == 0  # the sample shop's events all predate today
    store.close()
