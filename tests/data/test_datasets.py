"""The public-dataset adapters: counts and sums against each SOURCE.md, schema and references.

Every dataset test skips when its folder is absent; point SHOPMIND_DATASETS at the folder that
holds them (CI has them under ../shared/data). Datasets load once per module.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

from shopmind.data import datasets
from shopmind.data.datasets import DATASETS, TABLE_DATASETS, DatasetMissing, Tables
from shopmind.data.importer import import_frames
from shopmind.data.io import validate_frame
from shopmind.data.schema import CONTROL_ARM, IMPORT_ORDER, TABLES, Kind
from shopmind.data.store import Store, sqlite_url
from shopmind.errors import ShopmindError

# -- helpers ---------------------------------------------------------------------------------


def _need(folder: str) -> Path:
    root = datasets.datasets_dir()
    if not (root / folder).is_dir():
        pytest.skip(f"dataset {folder} not found under {root}; set SHOPMIND_DATASETS")
    return root / folder


def _check_tables(tables: Tables) -> None:
    """Canonical names in import order, canonical dtypes, validate_frame passes, keys unique,
    every reference lands in the returned parent table."""
    assert list(tables) == [name for name in IMPORT_ORDER if name in tables]
    for name, frame in tables.items():
        spec = TABLES[name]
        assert set(frame.columns) <= set(spec.column_names), name
        assert set(spec.required_columns) <= set(frame.columns), name
        assert len(frame) > 0, name
        for column in frame.columns:
            _check_dtype(name, column, frame[column], spec.column(column).kind)
        validated = validate_frame(name, frame, source=f"<{name}>")
        assert len(validated) == len(frame)
        if "attributes" in frame:
            assert validated["attributes"].tolist() == frame["attributes"].tolist()
        if spec.key:
            assert not frame.duplicated(list(spec.key)).any(), f"{name}: duplicate keys"
        for fk in spec.foreign_keys:
            assert fk.table in tables, f"{name} references {fk.table}, which is not returned"
            values = frame[fk.column].dropna()
            known = tables[fk.table][fk.ref_column]
            assert values.isin(known).all(), f"{name}.{fk.column} -> {fk.table}: dangling"


def _check_dtype(table: str, column: str, values: pd.Series[Any], kind: Kind) -> None:
    where = f"{table}.{column} ({values.dtype})"
    if kind is Kind.STRING:
        assert pd.api.types.is_string_dtype(values.dtype) and values.dtype != object, where
    elif kind is Kind.FLOAT:
        assert values.dtype == np.float64, where
    elif kind is Kind.BOOLEAN:
        assert pd.api.types.is_bool_dtype(values.dtype), where
    elif kind is Kind.DATETIME:
        assert isinstance(values.dtype, np.dtype) and values.dtype.kind == "M", where
    elif kind is Kind.JSON:
        present = values.dropna().tolist()
        assert all(isinstance(v, dict) for v in present), where
        json.dumps(present)  # JSON-able: no numpy scalars, no NaN objects


def _line_total(lines: pd.DataFrame) -> float:
    gross = lines["quantity"] * lines["unit_price"]
    return float(gross.sum() - (lines["discount"].sum() if "discount" in lines else 0.0))


def _check_frame(frame: pd.DataFrame, dtypes: dict[str, str]) -> None:
    assert {c: str(frame[c].dtype) for c in dtypes} == dtypes


# -- fixtures: each dataset loads once -------------------------------------------------------


@pytest.fixture(scope="module")
def movielens() -> Tables:
    _need("movielens-100k")
    return datasets.movielens_100k()


@pytest.fixture(scope="module")
def journey() -> Tables:
    _need("complete-journey-8451")
    return datasets.complete_journey()


@pytest.fixture(scope="module")
def hillstrom_tables() -> Tables:
    _need("hillstrom-email")
    return datasets.hillstrom()


@pytest.fixture(scope="module")
def cdnow_master() -> Tables:
    _need("cdnow")
    return datasets.cdnow()


# -- location and missing data (no dataset needed) -------------------------------------------


def test_datasets_dir_prefers_the_environment(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("SHOPMIND_DATASETS", str(tmp_path))
    assert datasets.datasets_dir() == tmp_path


def test_datasets_dir_falls_back_to_cwd_then_repo(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.delenv("SHOPMIND_DATASETS", raising=False)
    work = tmp_path / "project"
    work.mkdir()
    monkeypatch.chdir(work)
    repo_default = Path(datasets.__file__).resolve().parents[3].parent / "shared" / "data"
    assert datasets.datasets_dir() == repo_default
    (tmp_path / "shared" / "data").mkdir(parents=True)
    assert datasets.datasets_dir() == (tmp_path / "shared" / "data").resolve()


LOADERS: list[tuple[str, Callable[[], object]]] = [
    *DATASETS.items(),
    ("movielens_100k_ratings", datasets.movielens_100k_ratings),
    ("movielens_100k_fold", lambda: datasets.movielens_100k_fold(1)),
    ("hillstrom_frame", datasets.hillstrom_frame),
]


@pytest.mark.parametrize(("name", "load"), LOADERS, ids=[n for n, _ in LOADERS])
def test_missing_dataset_names_folder_and_env_var(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, name: str, load: Callable[[], object]
) -> None:
    monkeypatch.setenv("SHOPMIND_DATASETS", str(tmp_path))
    with pytest.raises(DatasetMissing) as caught:
        load()
    message = str(caught.value)
    assert str(tmp_path) in message
    assert "SHOPMIND_DATASETS" in message


def test_incomplete_dataset_names_the_missing_file(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    (tmp_path / "movielens-100k").mkdir()
    monkeypatch.setenv("SHOPMIND_DATASETS", str(tmp_path))
    with pytest.raises(DatasetMissing, match=r"u\.data"):
        datasets.movielens_100k_ratings()


def test_dataset_missing_is_a_shopmind_error() -> None:
    assert issubclass(DatasetMissing, ShopmindError)
    assert (DatasetMissing.code, DatasetMissing.exit_code, DatasetMissing.http_status) == (
        "dataset_missing",
        7,
        404,
    )


def test_registry_names_table_datasets() -> None:
    assert set(DATASETS) >= TABLE_DATASETS


def test_bad_fold_and_split_are_rejected() -> None:
    with pytest.raises(ValueError, match="folds 1 to 5"):
        datasets.movielens_100k_fold(6)
    with pytest.raises(ValueError, match="splits"):
        datasets.banking77("dev")  # type: ignore[arg-type]


# -- MovieLens 100K --------------------------------------------------------------------------


@pytest.mark.datasets
def test_movielens_tables(movielens: Tables) -> None:
    _check_tables(movielens)
    products, customers, events = movielens["products"], movielens["customers"], movielens["events"]
    assert (len(products), len(customers), len(events)) == (1682, 943, 100_000)
    assert events["customer_id"].nunique() == 943 and events["product_id"].nunique() == 1682
    assert set(events["type"]) == {"rating"} and set(events["value"]) == {1.0, 2.0, 3.0, 4.0, 5.0}
    assert events["customer_id"].isin(customers["customer_id"]).all()
    assert events["ts"].min() >= pd.Timestamp("1997-09-19")
    assert events["ts"].max() < pd.Timestamp("1998-04-23")
    toy = products.set_index("product_id").loc["1"]
    assert toy["title"] == "Toy Story (1995)" and toy["category"] == "Animation"
    assert toy["attributes"]["genres"] == ["Animation", "Children's", "Comedy"]
    assert toy["created_at"] == pd.Timestamp("1995-01-01")
    assert products.set_index("product_id").loc["543", "title"] == "Misérables, Les (1995)"
    assert products["created_at"].isna().sum() == 1
    user = customers.set_index("customer_id").loc["1"]
    assert user["region"] == "85711"
    assert user["attributes"] == {"age": 24, "gender": "M", "occupation": "technician"}


@pytest.mark.datasets
def test_movielens_ratings_and_folds() -> None:
    _need("movielens-100k")
    ratings = datasets.movielens_100k_ratings()
    _check_frame(
        ratings,
        {"user_id": "str", "item_id": "str", "rating": "int64", "timestamp": "datetime64[us]"},
    )
    assert len(ratings) == 100_000 and ratings["rating"].between(1, 5).all()
    key = ["user_id", "item_id"]
    assert not ratings.duplicated(key).any()
    tests = []
    for k in range(1, 6):
        train, test = datasets.movielens_100k_fold(k)
        assert (len(train), len(test)) == (80_000, 20_000)
        assert list(train.columns) == list(ratings.columns)
        assert not pd.concat([train, test])[key].duplicated().any()
        tests.append(test)
    folds = pd.concat(tests)
    assert not folds.duplicated(key).any()  # the five test sets partition the ratings
    merged = ratings.merge(folds, on=key, suffixes=("", "_fold"))
    assert len(merged) == 100_000 and (merged["rating"] == merged["rating_fold"]).all()


# -- The Complete Journey --------------------------------------------------------------------


@pytest.mark.datasets
def test_complete_journey_tables(journey: Tables) -> None:
    _check_tables(journey)
    folder = _need("complete-journey-8451")
    raw = pd.read_csv(folder / "transactions_sample.csv.gz", dtype={"basket_id": str})
    assert len(raw) == 75_000 and raw["household_id"].nunique() == 2377
    assert raw["basket_id"].nunique() == 47_243 and raw["product_id"].nunique() == 20_902
    kept = raw[raw["quantity"] > 0]
    lines, orders = journey["order_lines"], journey["orders"]
    assert len(lines) == len(kept) == 74_584  # 416 coupon-only lines with quantity 0 dropped
    assert len(orders) == kept["basket_id"].nunique() == 47_034
    assert _line_total(lines) == pytest.approx(raw["sales_value"].sum(), abs=0.01)
    assert lines["quantity"].sum() == pytest.approx(raw["quantity"].sum())
    assert (lines["discount"] >= 0).all() and (lines["unit_price"] >= 0).all()
    assert set(orders["channel"]) == {"store"}
    assert (
        orders["ordered_at"].between(pd.Timestamp("2017-01-01"), pd.Timestamp("2018-01-02")).all()
    )

    customers, products = journey["customers"], journey["products"]
    assert set(raw["household_id"].astype(str)) <= set(customers["customer_id"])
    assert customers["attributes"].notna().sum() == 801  # households with demographics
    assert len(products) >= 92_331
    assert products.loc[products["product_id"] == "25671", "title"].item() == (
        "ICE - CRUSHED/CUBED 22 LB"
    )

    campaigns = journey["campaigns"]
    assert len(campaigns) == 6589 and campaigns["campaign_id"].nunique() == 27
    assert set(campaigns["treatment"]) == {"Type A", "Type B", "Type C"}
    assert not campaigns["randomized"].any()
    redemptions = pd.read_csv(folder / "coupon_redemptions.csv.gz")
    redeemed = redemptions[["household_id", "campaign_id"]].drop_duplicates()
    assert campaigns["converted"].sum() == len(redeemed) == 792

    prices = journey["prices"]
    assert prices["valid_from"].dt.day_of_week.isin([0, 6]).all()  # Monday weeks, Sunday week 1
    assert prices["product_id"].isin(lines["product_id"]).all()


# -- Hillstrom -------------------------------------------------------------------------------


@pytest.mark.datasets
def test_hillstrom_tables(hillstrom_tables: Tables) -> None:
    _check_tables(hillstrom_tables)
    customers, campaigns = hillstrom_tables["customers"], hillstrom_tables["campaigns"]
    assert len(customers) == len(campaigns) == 64_000
    assert campaigns["treatment"].value_counts().to_dict() == {
        "womens": 21_387,
        "mens": 21_307,
        CONTROL_ARM: 21_306,
    }
    assert campaigns["responded"].sum() == 9394 and campaigns["converted"].sum() == 578
    assert campaigns["revenue"].sum() == pytest.approx(67_258.13, abs=0.005)
    assert campaigns["randomized"].all() and campaigns["campaign_id"].nunique() == 1
    assert set(customers["attributes"].iloc[0]) == {
        "recency",
        "history_segment",
        "history",
        "mens",
        "womens",
        "zip_code",
        "newbie",
        "channel",
    }


@pytest.mark.datasets
def test_hillstrom_frame() -> None:
    _need("hillstrom-email")
    frame = datasets.hillstrom_frame()
    assert len(frame) == 64_000 and frame["customer_id"].is_unique
    _check_frame(
        frame,
        {"recency": "int64", "history": "float64", "segment": "category", "visit": "int64"},
    )
    assert (frame["visit"].sum(), frame["conversion"].sum()) == (9394, 578)
    assert frame["spend"].sum() == pytest.approx(67_258.13, abs=0.005)
    assert set(frame["treatment"]) == {"mens", "womens", CONTROL_ARM}


# -- CDNOW -----------------------------------------------------------------------------------


@pytest.mark.datasets
def test_cdnow_master(cdnow_master: Tables) -> None:
    _check_tables(cdnow_master)
    orders, lines = cdnow_master["orders"], cdnow_master["order_lines"]
    assert len(orders) == len(lines) == 69_659
    assert len(cdnow_master["customers"]) == orders["customer_id"].nunique() == 23_570
    assert _line_total(lines) == pytest.approx(2_500_315.63, abs=0.005)
    assert orders["ordered_at"].min() == pd.Timestamp("1997-01-01")
    assert orders["ordered_at"].max() <= pd.Timestamp("1998-06-30")
    assert cdnow_master["customers"]["created_at"].max() < pd.Timestamp("1997-04-01")


@pytest.mark.datasets
def test_cdnow_sample() -> None:
    _need("cdnow")
    tables = datasets.cdnow(sample=True)
    _check_tables(tables)
    assert len(tables["orders"]) == 6919 and len(tables["customers"]) == 2357


# -- Demand and price frames -----------------------------------------------------------------


@pytest.mark.datasets
def test_walmart_sales() -> None:
    _need("walmart-store-sales")
    frame = datasets.walmart_sales()
    assert len(frame) == 421_570
    assert frame.groupby(["location", "product_id"]).ngroups == 3331
    assert (frame["location"].nunique(), frame["product_id"].nunique()) == (45, 81)
    assert not frame.duplicated(["product_id", "location", "ds"]).any()
    _check_frame(
        frame,
        {
            "product_id": "str",
            "location": "str",
            "ds": "datetime64[us]",
            "demand": "float64",
            "is_holiday": "bool",
        },
    )
    assert frame["ds"].min() == pd.Timestamp("2010-02-05")
    assert frame["ds"].max() == pd.Timestamp("2012-10-26")
    assert (frame["demand"] < 0).sum() == 1285
    complete = ["temperature", "fuel_price", "cpi", "unemployment", "store_type", "store_size"]
    assert frame[complete].notna().all().all()
    assert frame.loc[frame["ds"] < pd.Timestamp("2011-11-01"), "markdown1"].isna().all()
    assert set(frame["store_type"]) == {"A", "B", "C"}


@pytest.mark.datasets
def test_dominicks_oj() -> None:
    _need("dominicks-oj")
    frame = datasets.dominicks_oj()
    assert list(frame.columns) == ["product_id", "price", "demand", "promotion"]
    assert frame["product_id"].value_counts().to_dict() == {
        "tropicana": 9649,
        "minute.maid": 9649,
        "dominicks": 9649,
    }
    assert frame["promotion"].mean() == pytest.approx(0.237, abs=0.001)
    assert (frame["demand"] > 0).all() and (frame["demand"] % 1 == 0).all()


@pytest.mark.datasets
def test_avocado() -> None:
    _need("avocado-prices")
    frame = datasets.avocado()
    assert len(frame) == 30_021
    assert frame["product_id"].value_counts().to_dict() == {
        "conventional": 15_012,
        "organic": 15_009,
    }
    assert frame["location"].nunique() == 54 and frame["ds"].nunique() == 278
    assert frame.groupby("level")["location"].nunique().to_dict() == {
        "market": 45,
        "region": 8,
        "total": 1,
    }
    assert (frame["ds"].min(), frame["ds"].max()) == (
        pd.Timestamp("2015-01-04"),
        pd.Timestamp("2020-05-17"),
    )
    tables = datasets.avocado_tables()
    _check_tables(tables)
    assert len(tables["prices"]) == 30_021


# -- Intent sets -----------------------------------------------------------------------------


@pytest.mark.datasets
def test_banking77() -> None:
    folder = _need("banking77")
    intents = set(json.loads((folder / "categories.json").read_text()))
    assert len(intents) == 77
    for split, rows in (("train", 10_003), ("test", 3080)):
        frame = datasets.banking77(split)  # type: ignore[arg-type]
        assert list(frame.columns) == ["text", "intent"] and len(frame) == rows
        assert set(frame["intent"]) == intents
        assert frame["text"].str.len().gt(0).all()


@pytest.mark.datasets
def test_bitext_customer_support() -> None:
    _need("bitext-customer-support-20k")
    frame = datasets.bitext_customer_support()
    assert list(frame.columns) == ["text", "intent", "category"] and len(frame) == 21_534
    assert (frame["intent"].nunique(), frame["category"].nunique()) == (27, 11)
    assert frame["text"].nunique() == 21_513
    assert {"cancel_order", "track_refund", "get_invoice"} <= set(frame["intent"])


def test_movielens_imports_into_the_store(movielens: Tables, tmp_path: Path) -> None:
    store = Store(sqlite_url(tmp_path / "shop.db"))
    report = import_frames(store, movielens, source="movielens-100k")
    assert report.rows == {"products": 1682, "customers": 943, "events": 100_000}
    products = store.read("products")
    assert products.attributes.iloc[0]["genres"] == ["Animation", "Children's", "Comedy"]
    store.close()
