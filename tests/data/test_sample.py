"""The sample shop: deterministic, valid against the schema, and its planted truth recoverable.

Statistical checks compare an estimate with the planted value and allow Z standard errors, the
standard errors coming from the sample itself (Poisson or binomial), never a tuned constant.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from shopmind.data import sample, schema
from shopmind.data.importer import import_sources
from shopmind.data.io import Source, read_source, validate_frame
from shopmind.data.mapping import sources_from_paths
from shopmind.data.sample import SampleShop
from shopmind.data.store import Store, sqlite_url

Z = 4.0
"""Allowed standard errors: a correct generator fails a check with probability about 6e-5."""

SMALL = (300, 150, 120)
"""Customers, products, days: quick, for the structural checks."""
MEDIUM = (6000, 360, 365)
"""Big enough for the statistical checks (about 26k orders and 670k events over one year)."""


def _generate(seed: int, size: tuple[int, int, int]) -> SampleShop:
    n_customers, n_products, days = size
    return sample.generate(seed, n_customers=n_customers, n_products=n_products, days=days)


@pytest.fixture(scope="module")
def small() -> SampleShop:
    return _generate(7, SMALL)


@pytest.fixture(scope="module")
def medium() -> SampleShop:
    return _generate(3, MEDIUM)


def _end(shop: SampleShop) -> pd.Timestamp:
    return pd.Timestamp(shop.truth.start) + pd.Timedelta(days=shop.truth.days)


# Determinism ---------------------------------------------------------------------------------


def test_same_seed_gives_the_same_shop(small: SampleShop) -> None:
    again = _generate(7, SMALL)
    assert list(again.tables) == list(small.tables)
    for name, frame in small.tables.items():
        pd.testing.assert_frame_equal(again.tables[name], frame, check_exact=True)
    assert again.truth.equals(small.truth)


def test_another_seed_gives_another_shop(small: SampleShop) -> None:
    other = _generate(8, SMALL)
    assert not other.truth.equals(small.truth)
    for name in ("customers", "products", "orders", "events", "prices"):
        assert not other.tables[name].equals(small.tables[name]), name


def test_progress_names_each_step() -> None:
    steps: list[str] = []
    sample.generate(1, n_customers=50, n_products=30, days=60, progress=steps.append)
    assert steps[:3] == ["customers", "products", "prices"]
    assert "sessions" in steps and "campaigns" in steps and steps[-1] == "faqs"
    assert len(steps) == len(set(steps))


def test_rejects_sizes_it_cannot_build() -> None:
    with pytest.raises(ValueError):
        sample.generate(1, days=10)
    with pytest.raises(ValueError):
        sample.generate(1, start="2024-01-01 12:00")


@pytest.mark.parametrize("seed", [1, 2, 25])  # seed 25 happens to have no orders at all
def test_tiny_shops_are_valid(seed: int) -> None:
    shop = sample.generate(seed, n_customers=10, n_products=10, days=30)
    assert list(shop.tables) == list(schema.IMPORT_ORDER)
    for name, frame in shop.tables.items():
        assert set(frame.columns) <= set(schema.table(name).column_names)
        if len(frame):
            validate_frame(name, frame, source=name)


# The schema ----------------------------------------------------------------------------------


@pytest.mark.parametrize("name", schema.IMPORT_ORDER)
def test_every_table_satisfies_the_schema(small: SampleShop, name: str) -> None:
    frame = small.tables[name]
    spec = schema.table(name)
    assert len(frame) > 0
    assert set(frame.columns) <= set(spec.column_names)
    assert set(spec.required_columns) <= set(frame.columns)
    for column in spec.columns:
        if column.name not in frame.columns:
            continue
        values = frame[column.name]
        if not spec.is_nullable(column.name):
            assert values.notna().all(), column.name
        if column.non_negative:
            assert (values.dropna() >= 0).all(), column.name
        if column.choices is not None:
            assert values.dropna().isin(column.choices).all(), column.name
    if spec.key:
        assert not frame.duplicated(list(spec.key)).any()
    if spec.any_of:
        assert frame[list(spec.any_of)].notna().any(axis=1).all()
    validated = validate_frame(name, frame, source=name)
    assert len(validated) == len(frame)


@pytest.mark.parametrize(
    ("child", "fk"),
    [(name, fk) for name, spec in schema.TABLES.items() for fk in spec.foreign_keys],
    ids=lambda v: v if isinstance(v, str) else v.column,
)
def test_foreign_keys_hold(small: SampleShop, child: str, fk: schema.ForeignKey) -> None:
    values = small.tables[child][fk.column].dropna()
    assert values.isin(small.tables[fk.table][fk.ref_column]).all()


def test_every_order_has_lines_and_a_known_customer(small: SampleShop) -> None:
    orders, lines = small.tables["orders"], small.tables["order_lines"]
    assert set(orders["order_id"]) == set(lines["order_id"])
    assert orders["customer_id"].isin(small.tables["customers"]["customer_id"]).all()


def test_things_happen_in_order(small: SampleShop) -> None:
    t = small.tables
    end = _end(small)
    created_c = t["customers"].set_index("customer_id")["created_at"]
    created_p = t["products"].set_index("product_id")["created_at"]
    events = t["events"]
    assert events["ts"].lt(end).all()
    assert events["ts"].is_monotonic_increasing
    signed_in = events.dropna(subset=["customer_id"])
    assert (signed_in["ts"] >= signed_in["customer_id"].map(created_c)).all()
    about = events.dropna(subset=["product_id"])
    assert (about["ts"] > about["product_id"].map(created_p)).all()
    orders = t["orders"]
    assert (orders["ordered_at"] > orders["customer_id"].map(created_c)).all()
    assert orders["ordered_at"].lt(end).all()
    lines = t["order_lines"].merge(orders, on="order_id")
    assert (lines["ordered_at"] > lines["product_id"].map(created_p)).all()
    assert (
        orders["shipped_at"].dropna() > orders["ordered_at"][orders["shipped_at"].notna()]
    ).all()
    delivered = orders.dropna(subset=["delivered_at"])
    assert (delivered["delivered_at"] > delivered["shipped_at"]).all()
    assert delivered["delivered_at"].lt(end).all()


def test_statuses_match_dates(small: SampleShop) -> None:
    orders = small.tables["orders"]
    status = orders["status"]
    shipped = status.isin(["shipped", "delivered", "returned"])
    assert orders["shipped_at"].notna().eq(shipped).all()
    assert orders["tracking_number"].notna().eq(shipped).all()
    assert orders["delivered_at"].notna().eq(status.isin(["delivered", "returned"])).all()
    lines = small.tables["order_lines"].merge(orders[["order_id", "status"]], on="order_id")
    returned_lines = lines["returned_quantity"] > 0
    assert (lines.loc[returned_lines, "status"] == "returned").all()
    assert set(lines.loc[lines["status"] == "returned", "order_id"]) == set(
        lines.loc[returned_lines, "order_id"]
    )
    assert (lines["returned_quantity"] <= lines["quantity"]).all()
    # the last days are still in flight, older orders are done
    end = _end(small)
    old = orders["ordered_at"] < end - pd.Timedelta(days=8)
    assert orders.loc[old, "status"].isin(["delivered", "returned", "cancelled"]).all()
    assert orders.loc[~old, "status"].isin(["placed", "paid", "shipped"]).any()


def test_order_lines_carry_the_price_in_force(small: SampleShop) -> None:
    t = small.tables
    lines = t["order_lines"].merge(t["orders"][["order_id", "ordered_at"]], on="order_id")
    priced = _price_at(lines.rename(columns={"ordered_at": "ts"}), t["prices"])
    assert priced["unit_price"].to_numpy() == pytest.approx(priced["price"].to_numpy())
    last = t["prices"].sort_values("valid_from").groupby("product_id")["price"].last()
    current = t["products"].set_index("product_id")["price"]
    assert current.to_numpy() == pytest.approx(last.reindex(current.index).to_numpy())
    assert (lines["discount"] <= lines["quantity"] * lines["unit_price"] + 1e-9).all()
    assert t["prices"]["promotion"].any() and not t["prices"]["promotion"].all()


def test_purchase_events_are_the_order_lines(small: SampleShop) -> None:
    t = small.tables
    events = t["events"]
    buys = events[events["type"] == "purchase"]
    lines = t["order_lines"].merge(t["orders"], on="order_id")
    left = buys[["customer_id", "product_id", "ts", "value"]].rename(columns={"value": "quantity"})
    right = lines[["customer_id", "product_id", "ordered_at", "quantity"]]
    right = right.rename(columns={"ordered_at": "ts"})
    key = ["customer_id", "product_id", "ts", "quantity"]
    pd.testing.assert_frame_equal(
        left.sort_values(key).reset_index(drop=True).astype({"customer_id": "str"}),
        right.sort_values(key).reset_index(drop=True),
        check_exact=True,
    )
    # one session per order, and its purchase events share the order's time
    per_order = buys.groupby("session_id")["ts"].nunique()
    assert (per_order == 1).all()
    assert len(per_order) == len(t["orders"])


def test_events_are_well_formed(small: SampleShop) -> None:
    events = small.tables["events"]
    search = events["type"] == "search"
    assert events.loc[search, "search_query"].notna().all()
    assert events.loc[~search, "search_query"].isna().all()
    assert events.loc[search, "product_id"].isna().all()
    assert events.loc[~search, "product_id"].notna().all()
    ratings = events.loc[events["type"] == "rating", "value"]
    assert ratings.between(1, 5).all() and (ratings % 1 == 0).all()
    assert {"view", "cart", "purchase", "search", "remove_from_cart", "rating"} <= set(
        events["type"]
    )
    assert events["customer_id"].isna().any()  # some visitors are not signed in


def test_campaign_assignment_is_random_and_fair(medium: SampleShop) -> None:
    campaigns = medium.tables["campaigns"].copy()
    truth = medium.truth
    assert campaigns["randomized"].all()
    created = medium.tables["customers"].set_index("customer_id")["created_at"]
    assert (campaigns["customer_id"].map(created) < campaigns["sent_at"]).all()
    arms = dict(zip(truth.campaigns["campaign_id"], truth.campaigns["treatment"], strict=True))
    assert set(campaigns["treatment"]) == set(arms.values()) | {schema.CONTROL_ARM}
    shares = dict(
        zip(truth.campaigns["campaign_id"], truth.campaigns["treatment_share"], strict=True)
    )
    treated = campaigns["treatment"] != schema.CONTROL_ARM
    for campaign_id, group in campaigns.groupby("campaign_id"):
        share = shares[str(campaign_id)]
        n = len(group)
        assert abs(treated[group.index].mean() - share) < Z * np.sqrt(share * (1 - share) / n)
        assert set(group.loc[treated[group.index], "treatment"]) == {arms[str(campaign_id)]}


# Planted structure ---------------------------------------------------------------------------


def test_elasticities_are_recoverable(medium: SampleShop) -> None:
    """Poisson regression of purchases on log price, product fixed effects, views as exposure."""
    cells = _price_cells(medium)
    estimates, targets, errors = [], [], []
    for _, group in cells.groupby("category"):
        estimate, se = _fe_poisson_slope(group)
        target = _information_weighted(group)
        assert abs(estimate - target) < Z * se
        estimates.append(estimate)
        targets.append(target)
        errors.append(se)
    # across categories the estimates follow the planted category elasticities with slope 1
    slope, se = _wls_slope(np.array(targets), np.array(estimates), np.array(errors))
    assert abs(slope - 1.0) < Z * se
    assert slope - Z * se > 0.0  # the check has the power to tell elasticity from none
    pooled, pooled_se = _fe_poisson_slope(cells)
    assert abs(pooled - _information_weighted(cells)) < Z * pooled_se
    truth = medium.truth.elasticity
    assert truth.between(-3.0, -0.5).all()
    assert truth.index.equals(pd.Index(medium.tables["products"]["product_id"]))


def test_uplift_per_segment_matches_the_plan(medium: SampleShop) -> None:
    campaigns = medium.tables["campaigns"].copy()
    campaigns["segment"] = campaigns["customer_id"].map(medium.truth.segment)
    campaigns["treated"] = campaigns["treatment"] != schema.CONTROL_ARM
    uplift = medium.truth.uplift
    planted = dict(
        zip(
            zip(uplift["campaign_id"], uplift["segment"], strict=True),
            uplift["uplift"],
            strict=True,
        )
    )
    diffs, ses, plan = [], [], []
    for (campaign_id, segment), group in campaigns.groupby(["campaign_id", "segment"]):
        treated = group.loc[group["treated"], "converted"].astype(float)
        control = group.loc[~group["treated"], "converted"].astype(float)
        diff = treated.mean() - control.mean()
        se = np.sqrt(_binomial_var(treated) + _binomial_var(control))
        expected = planted[(str(campaign_id), str(segment))]
        assert abs(diff - expected) < Z * se, (campaign_id, segment)
        diffs.append(diff)
        ses.append(se)
        plan.append(expected)
    assert len(diffs) == len(planted)
    # pooled over campaigns and segments, the effect follows the plan
    slope, se = _wls_slope(np.array(plan), np.array(diffs), np.array(ses))
    assert abs(slope - 1.0) < Z * se
    assert slope - Z * se > 0.0
    # coupons show up as discounts only for treated customers inside the window
    _coupons_only_for_treated(medium)


def test_weekly_seasonality_shows_in_orders(medium: SampleShop) -> None:
    orders = medium.tables["orders"]
    daily = medium.truth.daily
    weekend_days = daily["date"].dt.day_of_week >= 5
    expected_share = (
        daily.loc[weekend_days, "expected_sessions"].sum() / daily["expected_sessions"].sum()
    )
    weekend_orders = orders["ordered_at"].dt.day_of_week >= 5
    n = len(orders)
    share = weekend_orders.mean()
    assert abs(share - expected_share) < Z * np.sqrt(expected_share * (1 - expected_share) / n)
    # and it is an uplift: weekend days get more orders than weekdays
    per_day_weekend = weekend_orders.sum() / weekend_days.sum()
    per_day_weekday = (~weekend_orders).sum() / (~weekend_days).sum()
    log_ratio = np.log(per_day_weekend / per_day_weekday)
    assert log_ratio > Z * np.sqrt(1 / weekend_orders.sum() + 1 / (~weekend_orders).sum())
    planted = np.mean(medium.truth.weekly[5:]) / np.mean(medium.truth.weekly[:5])
    assert planted > 1.0


def test_yearly_seasonality_shows_in_sessions_and_orders(medium: SampleShop) -> None:
    events = medium.tables["events"].dropna(subset=["session_id"])
    starts = events.groupby("session_id")["ts"].min()
    daily = medium.truth.daily
    observed = starts.dt.month.value_counts().sort_index()
    expected = daily.groupby(daily["date"].dt.month)["expected_sessions"].sum()
    assert list(observed.index) == list(range(1, 13))
    z = (observed - expected) / np.sqrt(expected)
    assert z.abs().max() < Z
    # December beats the summer in orders, over and above the growth of the customer base
    orders = medium.tables["orders"]
    month = orders["ordered_at"].dt.month
    exposure = (daily["active_rate"] * daily["weekly"]).groupby(daily["date"].dt.month).sum()
    december = (month == 12).sum()
    summer = month.isin([6, 7, 8]).sum()
    rate_dec = december / exposure[12]
    rate_summer = summer / exposure[[6, 7, 8]].sum()
    assert np.log(rate_dec / rate_summer) > Z * np.sqrt(1 / december + 1 / summer)
    yearly = medium.truth.yearly
    assert yearly[11] == max(yearly) > 1.0 > max(yearly[5:8])
    assert np.mean(yearly) == pytest.approx(1.0)


def test_purchases_follow_taste(medium: SampleShop) -> None:
    """A held-out purchase ranks high under the planted user . item affinity."""
    t, truth = medium.tables, medium.truth
    lines = t["order_lines"].merge(t["orders"][["order_id", "customer_id", "ordered_at"]])
    lines = lines.sort_values(["ordered_at", "order_id", "product_id"])
    counts = lines.groupby("customer_id")["product_id"].transform("nunique")
    held = lines[counts >= 2].groupby("customer_id").tail(1)
    users = truth.user_factors.loc[held["customer_id"]].to_numpy()
    items = truth.item_factors.to_numpy()
    affinity = users @ items.T
    popularity = truth.popularity.to_numpy()
    created = t["products"].set_index("product_id")["created_at"].reindex(truth.item_factors.index)
    listed = created.to_numpy()[None, :] < held["ordered_at"].to_numpy()[:, None]
    column = truth.item_factors.index.get_indexer(pd.Index(held["product_id"]))
    rows = np.arange(len(held))

    def percentile(score: np.ndarray) -> np.ndarray:
        above = (score > score[rows, column][:, None]) & listed
        return np.asarray(above.sum(axis=1) / listed.sum(axis=1), dtype=np.float64)

    taste = percentile(affinity)
    full = percentile(affinity + popularity[None, :])
    popular = percentile(np.broadcast_to(popularity, affinity.shape))
    n = len(held)
    assert n > 100
    # better than a random rank (mean 1/2, sd sqrt(1/12) per customer)
    assert taste.mean() < 0.5 - Z * np.sqrt(1 / 12 / n)
    # and taste adds to popularity
    diff = full - popular
    assert diff.mean() < -Z * diff.std(ddof=1) / np.sqrt(n)


def test_consumables_are_bought_again(medium: SampleShop) -> None:
    t, truth = medium.tables, medium.truth
    lines = t["order_lines"].merge(t["orders"][["order_id", "customer_id"]])
    pairs = lines.groupby(["customer_id", "product_id"]).size().rename("orders").reset_index()
    category = t["products"].set_index("product_id")["category"]
    pairs["consumable"] = pairs["product_id"].map(category).isin(truth.consumable_categories)
    again = pairs["orders"] > 1
    p1 = again[pairs["consumable"]].mean()
    p0 = again[~pairs["consumable"]].mean()
    n1, n0 = pairs["consumable"].sum(), (~pairs["consumable"]).sum()
    pooled = again.mean()
    se = np.sqrt(pooled * (1 - pooled) * (1 / n1 + 1 / n0))
    assert p1 - p0 > Z * se
    assert len(truth.consumable_categories) >= 3
    assert set(truth.replenish_days) == set(truth.consumable_categories)


def test_new_products_and_customers_are_cold(medium: SampleShop) -> None:
    t = medium.tables
    end = _end(medium)
    interactions = t["events"]["product_id"].value_counts()
    products = t["products"].set_index("product_id")
    counts = interactions.reindex(products.index, fill_value=0)
    recent = products["created_at"] >= end - pd.Timedelta(days=30)
    share = recent.mean()
    assert abs(share - 0.05) < Z * np.sqrt(0.05 * 0.95 / len(products)) + 1 / len(products)
    assert _mean_below(counts[recent], counts[~recent])
    customers = t["customers"].set_index("customer_id")
    activity = t["events"]["customer_id"].value_counts().reindex(customers.index, fill_value=0)
    late = customers["created_at"] >= end - pd.Timedelta(days=60)
    assert late.any()
    assert _mean_below(activity[late], activity[~late])


def test_returns_follow_the_category_rates(medium: SampleShop) -> None:
    t, truth = medium.tables, medium.truth
    lines = t["order_lines"].merge(t["orders"], on="order_id")
    done = lines[lines["status"].isin(["delivered", "returned"])]
    done = done[done["delivered_at"] < _end(medium) - pd.Timedelta(days=14)]
    rate = done["product_id"].map(t["products"].set_index("product_id")["category"])
    rate = rate.map(truth.return_rate)
    returned = done["returned_quantity"] > 0
    n = len(done)
    assert abs(returned.mean() - rate.mean()) < Z * np.sqrt((rate * (1 - rate)).sum()) / n
    cancelled = (t["orders"]["status"] == "cancelled").mean()
    p = truth.params["p_cancel"]
    assert abs(cancelled - p) < Z * np.sqrt(p * (1 - p) / len(t["orders"]))


def test_inventory_and_faqs(small: SampleShop) -> None:
    inventory = small.tables["inventory"]
    assert set(inventory["product_id"]) == set(small.tables["products"]["product_id"])
    assert (inventory["location"] == schema.DEFAULT_LOCATION).all()
    assert inventory["lead_time_days"].between(3, 21).all()
    assert (inventory["on_hand"] == 0).any() and (inventory["on_hand"] > 0).any()
    assert (inventory["min_order_qty"] % inventory["pack_size"] == 0).all()
    faqs = small.tables["faqs"]
    assert 20 <= len(faqs) <= 30
    assert (faqs["language"] == "zh").sum() >= 5
    assert faqs["tags"].str.len().gt(0).all()


def test_products_carry_text_signal(small: SampleShop) -> None:
    products = small.tables["products"]
    assert products["category"].nunique() == len(sample.CATEGORIES)
    for category, group in products.groupby("category"):
        spec = next(c for c in sample.CATEGORIES if c.name == category)
        text = group["description"].str.lower()
        assert text.map(lambda s, nouns=spec.nouns: any(n in s for n in nouns)).all()
    ratio = products["cost"] / small.truth.base_price.reindex(products["product_id"]).to_numpy()
    assert ratio.between(0.45 - 0.01, 0.8 + 0.01).all()


# Personal data -------------------------------------------------------------------------------


def test_customers_have_contacts_in_their_regions_format(small: SampleShop) -> None:
    customers = small.tables["customers"]
    phone, address = customers["phone"], customers["address"]
    assert 0.15 < phone.isna().mean() < 0.45  # a share leave them empty (30% planted)
    assert 0.02 < address.isna().mean() < 0.25  # (10% planted)
    assert phone.dropna().str.fullmatch(r"\+\d{2}( \d+)+").all()
    assert not address.dropna().str.contains(r"[#?]").any()
    for region, country in zip(sample.REGIONS, sample.COUNTRIES, strict=True):
        mine = customers[customers["region"] == region]
        dial = country.phones[0].split()[0]
        assert mine["phone"].dropna().str.startswith(f"{dial} ").all(), region
        towns = "|".join(re.escape(town) for _, town in country.towns)
        form = rf"(?:\d+ .+|.+ \d+), [\dA-Z -]+ (?:{towns})"  # street and number, postcode town
        assert mine["address"].dropna().str.fullmatch(form).all(), region
    # fake, but varied like real ones
    assert phone.nunique() == phone.notna().sum()
    assert address.nunique() > 0.95 * address.notna().sum()


def test_personal_columns_are_listed_and_never_imported(small: SampleShop, tmp_path: Path) -> None:
    folder = tmp_path / "sample"
    paths = sample.write(small, folder)
    listing = folder / sample.PERSONAL_FILE
    assert listing in paths
    personal = json.loads(listing.read_text(encoding="utf-8"))
    expected = {
        name: spec.personal_columns for name, spec in schema.TABLES.items() if spec.personal_columns
    }
    assert personal == expected
    assert {"email", "name", "phone", "address"} <= set(personal["customers"])
    # a folder import takes the table files and leaves personal.json alone
    sources = sources_from_paths([folder])
    assert sorted(s.table for s in sources) == sorted(schema.IMPORT_ORDER)
    store = Store(sqlite_url(tmp_path / "shop.db"))
    try:
        report = import_sources(store, sources)
        assert report.rows["customers"] == len(small.tables["customers"])
        stored = store.read("customers")
    finally:
        store.close()
    for column in ("phone", "address"):
        pd.testing.assert_series_equal(
            stored[column], small.tables["customers"][column], check_dtype=False
        )


# Files ---------------------------------------------------------------------------------------


def test_write_and_read_back(small: SampleShop, tmp_path: Path) -> None:
    paths = sample.write(small, tmp_path)
    assert all(p.exists() for p in paths)
    for name in schema.IMPORT_ORDER:
        assert tmp_path / f"{name}.csv" in paths
    assert sample.read_truth(tmp_path).equals(small.truth)
    assert sample.read_truth(tmp_path / "truth").equals(small.truth)
    for name, frame in small.tables.items():
        path = tmp_path / f"{name}.csv"
        spec = schema.table(name)
        dates = [c.name for c in spec.columns if c.kind == schema.Kind.DATETIME]
        back = pd.read_csv(path, encoding="utf-8", parse_dates=[d for d in dates if d in frame])
        expected = frame.copy()
        for column in frame.columns:
            if spec.column(column).kind == schema.Kind.STRING:
                back[column] = back[column].astype("str")
            if spec.column(column).kind == schema.Kind.DATETIME:
                back[column] = back[column].astype("datetime64[us]")
            if spec.column(column).kind == schema.Kind.FLOAT:
                back[column] = back[column].astype("float64")
        pd.testing.assert_frame_equal(back, expected, check_exact=True, obj=name)
        # and the importer's reader accepts the file as it is
        validated = read_source(Source(name, path))
        assert len(validated) == len(frame)


def test_truth_is_complete(small: SampleShop) -> None:
    truth = small.truth
    customers = pd.Index(small.tables["customers"]["customer_id"])
    products = pd.Index(small.tables["products"]["product_id"])
    for series in (truth.segment, truth.activity, truth.churned_at):
        assert series.index.equals(customers)
    for series in (truth.elasticity, truth.base_price, truth.popularity):
        assert series.index.equals(products)
    assert truth.user_factors.index.equals(customers)
    assert truth.item_factors.index.equals(products)
    assert set(truth.segment) == set(truth.segments)
    assert len(truth.weekly) == 7 and len(truth.yearly) == 12
    assert len(truth.daily) == truth.days
    assert len(truth.uplift) == len(truth.campaigns) * len(truth.segments)


# Helpers -------------------------------------------------------------------------------------


def _price_at(frame: pd.DataFrame, prices: pd.DataFrame) -> pd.DataFrame:
    """`frame` (with product_id, ts) plus the price in force at ts."""
    history = prices[["product_id", "valid_from", "price"]].sort_values("valid_from")
    ordered = frame.sort_values("ts")
    return pd.merge_asof(
        ordered, history, left_on="ts", right_on="valid_from", by="product_id"
    ).reset_index(drop=True)


def _price_cells(shop: SampleShop) -> pd.DataFrame:
    """Views (exposure) and purchases per product and price level, with the planted truth."""
    t = shop.tables
    events = t["events"]
    views = _price_at(events.loc[events["type"] == "view", ["product_id", "ts"]], t["prices"])
    buys = _price_at(events.loc[events["type"] == "purchase", ["product_id", "ts"]], t["prices"])
    cells = pd.concat(
        [
            views.groupby(["product_id", "price"]).size().rename("views"),
            buys.groupby(["product_id", "price"]).size().rename("units"),
        ],
        axis=1,
    ).fillna(0.0)
    cells = cells.reset_index()
    assert (cells["views"] > 0).all()
    cells["x"] = np.log(cells["price"])
    cells["category"] = cells["product_id"].map(t["products"].set_index("product_id")["category"])
    cells["truth"] = cells["product_id"].map(shop.truth.elasticity)
    return cells


def _within_product(cells: pd.DataFrame, elasticity: float | pd.Series) -> pd.DataFrame:
    """Per cell: the share of the product's units expected there, and the product's totals."""
    z = np.log(cells["views"]) + elasticity * cells["x"]
    z = z - z.groupby(cells["product_id"]).transform("max")
    w = np.exp(z)
    w = w / w.groupby(cells["product_id"]).transform("sum")
    mean_x = (w * cells["x"]).groupby(cells["product_id"]).transform("sum")
    total = cells["units"].groupby(cells["product_id"]).transform("sum")
    return pd.DataFrame({"w": w, "mean_x": mean_x, "total": total})


def _fe_poisson_slope(cells: pd.DataFrame) -> tuple[float, float]:
    """Common slope of log E[units] = product effect + slope log price + log views (Newton)."""
    slope = -1.0
    info = 1.0
    for _ in range(100):
        p = _within_product(cells, slope)
        score = float(
            (cells["units"] * cells["x"]).sum() - (p["total"] * p["w"] * cells["x"]).sum()
        )
        info = float((p["total"] * p["w"] * (cells["x"] - p["mean_x"]) ** 2).sum())
        step = score / info
        slope += step
        if abs(step) < 1e-10:
            break
    return slope, 1.0 / np.sqrt(info)


def _information_weighted(cells: pd.DataFrame) -> float:
    """The planted elasticities averaged with the weight each product has in the pooled fit."""
    p = _within_product(cells, cells["truth"])
    info = (
        (p["total"] * p["w"] * (cells["x"] - p["mean_x"]) ** 2).groupby(cells["product_id"]).sum()
    )
    truth = cells.groupby("product_id")["truth"].first()
    return float((info * truth).sum() / info.sum())


def _wls_slope(x: np.ndarray, y: np.ndarray, se: np.ndarray) -> tuple[float, float]:
    """Slope of y on x weighted by 1/se^2, and its standard error."""
    w = 1.0 / se**2
    xm = np.sum(w * x) / np.sum(w)
    ym = np.sum(w * y) / np.sum(w)
    sxx = np.sum(w * (x - xm) ** 2)
    return float(np.sum(w * (x - xm) * (y - ym)) / sxx), float(1.0 / np.sqrt(sxx))


def _binomial_var(outcomes: pd.Series) -> float:
    """Variance of a proportion's estimate, kept away from 0 when every outcome is the same."""
    n = len(outcomes)
    p = (outcomes.sum() + 0.5) / (n + 1.0)
    return float(p * (1 - p) / n)


def _mean_below(a: pd.Series, b: pd.Series) -> bool:
    """Mean of a is below mean of b by more than Z standard errors (Welch)."""
    se = np.sqrt(a.var(ddof=1) / len(a) + b.var(ddof=1) / len(b))
    return bool(b.mean() - a.mean() > Z * se)


def _coupons_only_for_treated(shop: SampleShop) -> None:
    t = shop.tables
    lines = t["order_lines"].merge(t["orders"], on="order_id")
    discounted = lines[lines["discount"] > 0]
    assert len(discounted) > 0
    windows = shop.truth.campaigns
    treated = t["campaigns"][t["campaigns"]["treatment"] != schema.CONTROL_ARM]
    treated = treated.merge(windows[["campaign_id", "window_days", "discount"]], on="campaign_id")
    hits = discounted.merge(treated, on="customer_id", suffixes=("", "_campaign"))
    inside = (hits["ordered_at"] >= hits["sent_at"]) & (
        hits["ordered_at"] < hits["sent_at"] + pd.to_timedelta(hits["window_days"], unit="D")
    )
    coupon = (hits["quantity"] * hits["unit_price"] * hits["discount_campaign"]).round(2)
    ok = inside & ((hits["discount"] - coupon).abs() < 0.006)
    covered = hits.loc[ok, ["order_id", "product_id"]].drop_duplicates()
    assert len(covered) == len(discounted)
