"""Public datasets mapped onto the canonical tables, so every engine is measured on real data.

The files are read where they lie (see `datasets_dir`) and never copied into the project. Each
adapter returns canonical tables as ``{table name: frame}`` (ids as strings, datetimes as naive
UTC ``datetime64``, money as float, keys unique, references satisfied) or, where the source is
not shop data (weekly demand series, labelled utterances), one long frame. Run the tables through
`shopmind.data.io.validate_frame` (or import them with `shopmind import --dataset NAME`) to get
every canonical column with its default.
"""

from __future__ import annotations

import functools
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any, Final, Literal

import numpy as np
import pandas as pd

from shopmind.data.schema import CONTROL_ARM
from shopmind.errors import ShopmindError

__all__ = [
    "DATASETS",
    "ENV_VAR",
    "TABLE_DATASETS",
    "DatasetMissing",
    "Tables",
    "avocado",
    "avocado_tables",
    "banking77",
    "bitext_customer_support",
    "cdnow",
    "complete_journey",
    "datasets_dir",
    "dominicks_oj",
    "hillstrom",
    "hillstrom_frame",
    "movielens_100k",
    "movielens_100k_fold",
    "movielens_100k_ratings",
    "walmart_sales",
]

ENV_VAR = "SHOPMIND_DATASETS"
"""Environment variable naming the folder that holds one sub-folder per dataset."""

Tables = dict[str, pd.DataFrame]
"""Canonical tables keyed by schema table name, parents before children."""

_DATETIME: Final = "datetime64[us]"
_RELATIVE = Path("..") / "shared" / "data"


class DatasetMissing(ShopmindError):
    """A public dataset (or one of its files) is not where shopmind looked for it."""

    code = "dataset_missing"
    exit_code = 7
    http_status = 404


def datasets_dir() -> Path:
    """The folder holding the datasets: $SHOPMIND_DATASETS, else ../shared/data from the current
    directory, else ../shared/data next to the repository root."""
    configured = os.environ.get(ENV_VAR, "").strip()
    if configured:
        return Path(configured).expanduser()
    if _RELATIVE.is_dir():
        return _RELATIVE.resolve()
    return Path(__file__).resolve().parents[3].parent / "shared" / "data"


def _folder(name: str, *files: str) -> Path:
    """The dataset's folder, checked to hold `files`; DatasetMissing says where it looked."""
    root = datasets_dir()
    folder = root / name
    configured = os.environ.get(ENV_VAR, "").strip()
    now = f"it is {configured!r}" if configured else "it is not set"
    hint = f"set {ENV_VAR} to the folder that holds {name}/ ({now})"
    if not folder.is_dir():
        raise DatasetMissing(f"dataset {name!r} not found: no folder {folder}; {hint}")
    missing = [f for f in files if not (folder / f).is_file()]
    if missing:
        raise DatasetMissing(
            f"dataset {name!r} is incomplete: {', '.join(missing)} not found in {folder}; {hint}"
        )
    return folder


# -- small helpers ---------------------------------------------------------------------------


def _records(frame: pd.DataFrame) -> pd.Series[Any]:
    """One JSON-able dict per row (missing values become None), as an object column."""
    cleaned = frame.astype(object).where(frame.notna(), None)
    return pd.Series(cleaned.to_dict("records"), index=frame.index, dtype=object)


def _datetimes(values: pd.Series[Any], **kwargs: Any) -> pd.Series[Any]:
    """Parse to naive UTC datetimes at the canonical resolution."""
    return pd.to_datetime(values, **kwargs).astype(_DATETIME)


def _ids(values: pd.Series[Any]) -> pd.Series[Any]:
    return values.astype("str")


# -- MovieLens 100K --------------------------------------------------------------------------

_ML = "movielens-100k"
_ML_COLUMNS = ["user_id", "item_id", "rating", "timestamp"]


def _ml_read(path: Path) -> pd.DataFrame:
    frame = pd.read_csv(
        path, sep="\t", header=None, names=_ML_COLUMNS, dtype={"user_id": str, "item_id": str}
    )
    frame["rating"] = frame["rating"].astype("int64")
    frame["timestamp"] = _datetimes(frame["timestamp"], unit="s")
    return frame


def movielens_100k_ratings() -> pd.DataFrame:
    """All 100,000 ratings of MovieLens 100K (`u.data`) as one long frame.

    Columns `user_id`, `item_id` (strings, the ids of `movielens_100k()`), `rating` (int 1-5),
    `timestamp` (naive UTC datetime, from the Unix time). Nothing is dropped.
    """
    return _ml_read(_folder(_ML, "u.data") / "u.data")


def movielens_100k_fold(k: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The official 80/20 split number `k` (1-5): (`u{k}.base`, `u{k}.test`) as rating frames.

    Same columns as `movielens_100k_ratings`; 80,000 training and 20,000 test rows.
    """
    if k not in range(1, 6):
        raise ValueError(f"MovieLens 100K has folds 1 to 5, not {k!r}")
    folder = _folder(_ML, f"u{k}.base.gz", f"u{k}.test.gz")
    return _ml_read(folder / f"u{k}.base.gz"), _ml_read(folder / f"u{k}.test.gz")


def movielens_100k() -> Tables:
    """MovieLens 100K (GroupLens, 1997-98) as products, customers and rating events.

    - products (1,682 movies, `u.item`, latin-1): title, category = first genre in `u.genre`
      order, created_at = release date (missing for one movie), attributes
      ``{"genres": [...], "imdb_url": ...}``. The empty video release date is dropped.
    - customers (943 users, `u.user`): region = zip code, attributes ``{"age", "gender",
      "occupation"}``.
    - events (100,000, `u.data`): type 'rating', value = the 1-5 rating, ts from the Unix time.
    Not shop data: there are no orders or prices.
    """
    folder = _folder(_ML, "u.data", "u.item", "u.user", "u.genre")
    genres = pd.read_csv(folder / "u.genre", sep="|", header=None, names=["genre", "index"])
    genre_names = genres.sort_values("index")["genre"].astype(str).tolist()
    items = pd.read_csv(
        folder / "u.item",
        sep="|",
        header=None,
        encoding="latin-1",
        names=["product_id", "title", "release", "video_release", "imdb_url", *genre_names],
        dtype={"product_id": str, "title": str, "release": str, "imdb_url": str},
    )
    flags = items[genre_names].astype(bool)
    joined = flags.astype("int64").dot(pd.Series([g + "|" for g in genre_names], index=genre_names))
    genre_lists = joined.str.rstrip("|").str.split("|")
    attributes = pd.DataFrame({"genres": genre_lists, "imdb_url": items["imdb_url"]})
    products = pd.DataFrame(
        {
            "product_id": _ids(items["product_id"]),
            "title": items["title"].astype("str"),
            "category": flags.idxmax(axis=1).astype("str"),
            "created_at": _datetimes(items["release"], format="%d-%b-%Y"),
            "attributes": _records(attributes),
        }
    )
    users = pd.read_csv(
        folder / "u.user",
        sep="|",
        header=None,
        names=["customer_id", "age", "gender", "occupation", "zip_code"],
        dtype={"customer_id": str, "gender": str, "occupation": str, "zip_code": str},
    )
    customers = pd.DataFrame(
        {
            "customer_id": _ids(users["customer_id"]),
            "region": users["zip_code"].astype("str"),
            "attributes": _records(users[["age", "gender", "occupation"]]),
        }
    )
    ratings = _ml_read(folder / "u.data")
    events = pd.DataFrame(
        {
            "customer_id": ratings["user_id"],
            "product_id": ratings["item_id"],
            "ts": ratings["timestamp"],
            "type": "rating",
            "value": ratings["rating"].astype("float64"),
        }
    )
    events["type"] = events["type"].astype("str")
    return {"products": products, "customers": customers, "events": events}


# -- The Complete Journey (84.51 / Kroger) ----------------------------------------------------

_CJ = "complete-journey-8451"
_CJ_FIRST_DAY = pd.Timestamp("2017-01-01")
_CJ_DISCOUNTS = ["retail_disc", "coupon_disc", "coupon_match_disc"]


def _cj_week_start(week: pd.Series[Any]) -> pd.Series[Any]:
    """First day of the retailer's week: week 1 is Sunday 2017-01-01, week n >= 2 the Monday
    2017-01-02 + 7 (n - 2) days (checked against the transaction timestamps)."""
    days = (1 + 7 * (week.astype("int64") - 2)).clip(lower=0)
    return (_CJ_FIRST_DAY + pd.to_timedelta(days, unit="D")).astype(_DATETIME)


def complete_journey() -> Tables:
    """The Complete Journey 2.0 (84.51 / Kroger grocery, 2017) from the ``.csv.gz`` exports.

    - products: all 92,331 catalogue rows. title = product type and package size (the source
      has no product names), category = ``DEPARTMENT/PRODUCT_CATEGORY``, brand = manufacturer
      id, price = median regular unit price seen in the transaction sample (empty if unsold),
      attributes = department, product_category, product_type, package_size, brand_type (the
      source's National/Private ``brand``). Products sold but missing from the catalogue get a
      stand-in row titled ``product <id>`` with ``{"listed": false}``.
    - customers: households of transactions, demographics and campaigns; attributes = the
      demographics (None for the households without them).
    - orders: one per basket (transaction_timestamp, which is UTC; location = store_id;
      channel 'store').
    - order_lines: the 75,000-line transaction *sample* summed per (basket, product):
      discount = retail_disc + coupon_disc + coupon_match_disc (positive), unit_price =
      (sales_value + discount) / quantity, so quantity * unit_price - discount = sales_value.
      Dropped: the 416 lines with quantity 0 (coupon-only lines with sales_value 0) and any line
      with a negative amount (none in this export); baskets left empty are dropped too. Fuel
      quantities are not units (thousands per fill-up), so their unit prices are tiny.
    - campaigns: one row per campaign receipt (6,589): treatment = campaign type
      ('Type A/B/C'), sent_at = campaign start, converted = the household redeemed one of the
      campaign's coupons between its start and end date, randomized = False. Receipt was not
      randomised and there are no control rows; responded and revenue are not derivable
      (the transactions are a sample).
    - prices: one row per (product, store, week) seen in the transactions: price = median
      card-holder shelf price (sales_value + coupon discounts) / quantity, i.e. after the
      loyalty discount and before coupons; valid_from = the week's first day; promotion = a
      loyalty discount applied or the product was on display or in the mailer that week
      (from the 1.7% ``promotions_sample``, so promotion flags are incomplete).
    Unused: coupons (coupon-product lists) and promotions rows without a sale.
    """
    files = {
        "tx": "transactions_sample.csv.gz",
        "products": "products.csv.gz",
        "demo": "demographics.csv.gz",
        "campaigns": "campaigns.csv.gz",
        "descriptions": "campaign_descriptions.csv.gz",
        "redemptions": "coupon_redemptions.csv.gz",
        "promotions": "promotions_sample.csv.gz",
    }
    folder = _folder(_CJ, *files.values())
    id_columns = ("household_id", "store_id", "basket_id", "product_id", "campaign_id", "week")
    ids: dict[str, type] = dict.fromkeys(id_columns, str)

    raw_tx = pd.read_csv(folder / files["tx"], dtype=ids)
    amounts = raw_tx[["quantity", "sales_value", *_CJ_DISCOUNTS]]
    tx = raw_tx[(raw_tx["quantity"] > 0) & (amounts >= 0).all(axis=1)].copy()
    tx["discount"] = tx[_CJ_DISCOUNTS].sum(axis=1)
    tx["ordered_at"] = _datetimes(tx["transaction_timestamp"])

    lines = tx.groupby(["basket_id", "product_id"], as_index=False, sort=False).agg(
        quantity=("quantity", "sum"),
        sales_value=("sales_value", "sum"),
        discount=("discount", "sum"),
    )
    lines["unit_price"] = (lines["sales_value"] + lines["discount"]) / lines["quantity"]
    order_lines = lines[["basket_id", "product_id", "quantity", "unit_price", "discount"]].rename(
        columns={"basket_id": "order_id"}
    )
    baskets = tx.drop_duplicates("basket_id")
    orders = pd.DataFrame(
        {
            "order_id": baskets["basket_id"],
            "customer_id": baskets["household_id"],
            "ordered_at": baskets["ordered_at"],
            "channel": "store",
            "location": baskets["store_id"],
        }
    ).reset_index(drop=True)
    orders["channel"] = orders["channel"].astype("str")

    catalogue = pd.read_csv(folder / files["products"], dtype=ids | {"manufacturer_id": str})
    sold = pd.Series(order_lines["product_id"].unique(), dtype="str")
    unlisted = sold[~sold.isin(catalogue["product_id"])]
    titles = (
        catalogue["product_type"]
        .fillna(catalogue["product_category"])
        .fillna(catalogue["department"])
        .str.cat(catalogue["package_size"], sep=" ", na_rep="")
        .str.strip()
    )
    median_price = order_lines.groupby("product_id")["unit_price"].median()
    attribute_columns = ["department", "product_category", "product_type", "package_size"]
    listed = pd.DataFrame(
        {
            "product_id": catalogue["product_id"],
            "title": titles.where(titles != "", "product " + catalogue["product_id"]),
            "category": catalogue["department"].str.cat(catalogue["product_category"], sep="/"),
            "brand": catalogue["manufacturer_id"],
            "price": catalogue["product_id"].map(median_price).astype("float64"),
            "attributes": _records(
                catalogue[attribute_columns].assign(brand_type=catalogue["brand"])
            ),
        }
    )
    listed["category"] = listed["category"].fillna(catalogue["department"])
    stand_ins = pd.DataFrame(
        {
            "product_id": unlisted.to_numpy(),
            "title": ("product " + unlisted).to_numpy(),
            "price": unlisted.map(median_price).to_numpy(dtype="float64"),
            "attributes": _records(pd.DataFrame({"listed": [False] * len(unlisted)})).to_numpy(),
        }
    )
    products = pd.concat([listed, stand_ins], ignore_index=True)
    for column in ("product_id", "title", "category", "brand"):
        products[column] = products[column].astype("str")

    demo = pd.read_csv(folder / files["demo"], dtype=ids | {"household_size": str})
    received = pd.read_csv(folder / files["campaigns"], dtype=ids)
    descriptions = pd.read_csv(folder / files["descriptions"], dtype=ids)
    redemptions = pd.read_csv(folder / files["redemptions"], dtype=ids)
    households = pd.Series(
        pd.concat(
            [raw_tx["household_id"], demo["household_id"], received["household_id"]]
        ).unique(),
        dtype="str",
    )
    demographics = demo.set_index("household_id")
    by_household = _records(demographics)
    customers = pd.DataFrame(
        {"customer_id": households, "attributes": households.map(by_household).astype(object)}
    )
    customers["attributes"] = customers["attributes"].where(customers["attributes"].notna(), None)

    windows = descriptions.assign(
        start=_datetimes(descriptions["start_date"]), end=_datetimes(descriptions["end_date"])
    )[["campaign_id", "campaign_type", "start", "end"]]
    redeemed = redemptions.merge(windows, on="campaign_id")
    redeemed_at = _datetimes(redeemed["redemption_date"])
    in_window = redeemed[(redeemed_at >= redeemed["start"]) & (redeemed_at <= redeemed["end"])]
    converted = in_window[["household_id", "campaign_id"]].drop_duplicates().assign(hit=True)
    campaign_rows = (
        received.drop_duplicates(["campaign_id", "household_id"])
        .merge(windows, on="campaign_id", how="left")
        .merge(converted, on=["household_id", "campaign_id"], how="left")
    )
    campaigns = pd.DataFrame(
        {
            "campaign_id": campaign_rows["campaign_id"].astype("str"),
            "customer_id": campaign_rows["household_id"].astype("str"),
            "treatment": campaign_rows["campaign_type"].astype("str"),
            "sent_at": campaign_rows["start"],
            "converted": campaign_rows["hit"].notna().to_numpy(),
            "randomized": False,
        }
    )

    promotions = pd.read_csv(folder / files["promotions"], dtype=ids | {"display_location": str})
    promoted = promotions.loc[
        (promotions["display_location"] != "0") | (promotions["mailer_location"] != "0"),
        ["product_id", "store_id", "week"],
    ].drop_duplicates()
    shelf = tx.assign(
        shelf=(tx["sales_value"] + tx["coupon_disc"] + tx["coupon_match_disc"]) / tx["quantity"],
        loyalty=tx["retail_disc"] > 0,
    ).merge(promoted.assign(ad=True), on=["product_id", "store_id", "week"], how="left")
    shelf["promoted"] = shelf["loyalty"] | shelf["ad"].notna()
    weekly = shelf.groupby(["product_id", "store_id", "week"], as_index=False, sort=False).agg(
        price=("shelf", "median"), promotion=("promoted", "any")
    )
    prices = pd.DataFrame(
        {
            "product_id": weekly["product_id"].astype("str"),
            "location": weekly["store_id"].astype("str"),
            "valid_from": _cj_week_start(weekly["week"]),
            "price": weekly["price"].astype("float64"),
            "promotion": weekly["promotion"].astype(bool),
        }
    )
    for frame, columns in (
        (orders, ("order_id", "customer_id", "location")),
        (order_lines, ("order_id", "product_id")),
    ):
        for column in columns:
            frame[column] = frame[column].astype("str")
    return {
        "products": products,
        "customers": customers,
        "orders": orders,
        "order_lines": order_lines.reset_index(drop=True),
        "prices": prices,
        "campaigns": campaigns,
    }


# -- Hillstrom e-mail experiment --------------------------------------------------------------

_HILLSTROM = "hillstrom-email"
_HILLSTROM_ARMS = {"Mens E-Mail": "mens", "Womens E-Mail": "womens", "No E-Mail": CONTROL_ARM}
_HILLSTROM_CATEGORIES = ["history_segment", "zip_code", "channel", "segment"]
_HILLSTROM_ATTRIBUTES = [
    "recency",
    "history_segment",
    "history",
    "mens",
    "womens",
    "zip_code",
    "newbie",
    "channel",
]


def hillstrom_frame() -> pd.DataFrame:
    """Hillstrom's MineThatData e-mail experiment (2008) as one typed frame, for uplift work.

    All 64,000 rows and 12 original columns: recency, mens, womens, newbie, visit, conversion
    (int), history, spend (float), history_segment, zip_code, channel, segment (categorical).
    Added: `customer_id` (the 1-based row number, as in `hillstrom()`) first and `treatment`
    ('mens', 'womens' or the control arm) last.
    """
    path = _folder(_HILLSTROM, "hillstrom.csv") / "hillstrom.csv"
    frame = pd.read_csv(path)
    for column in _HILLSTROM_CATEGORIES:
        frame[column] = frame[column].astype("category")
    for column in ("recency", "mens", "womens", "newbie", "visit", "conversion"):
        frame[column] = frame[column].astype("int64")
    for column in ("history", "spend"):
        frame[column] = frame[column].astype("float64")
    frame.insert(0, "customer_id", pd.Series(np.arange(1, len(frame) + 1)).astype("str"))
    frame["treatment"] = frame["segment"].astype("str").map(_HILLSTROM_ARMS).astype("str")
    if frame["treatment"].isna().any():
        raise ValueError(f"unknown Hillstrom segments in {path}")
    return frame


def hillstrom() -> Tables:
    """Hillstrom's randomised e-mail test (64,000 customers, March 2008) as canonical tables.

    - customers: customer_id = 1-based row number; attributes = recency, history_segment,
      history, mens, womens, zip_code, newbie, channel.
    - campaigns: one campaign 'hillstrom-2008' with treatment 'mens' / 'womens' / the control
      arm (from segment), responded = visit, converted = conversion, revenue = spend (over the
      two weeks after the e-mail), randomized = True. sent_at is unknown and left empty.
    """
    frame = hillstrom_frame()
    customers = pd.DataFrame(
        {
            "customer_id": frame["customer_id"],
            "attributes": _records(frame[_HILLSTROM_ATTRIBUTES].astype(object)),
        }
    )
    campaigns = pd.DataFrame(
        {
            "campaign_id": pd.Series("hillstrom-2008", index=frame.index, dtype="str"),
            "customer_id": frame["customer_id"],
            "treatment": frame["treatment"],
            "responded": frame["visit"].astype(bool),
            "converted": frame["conversion"].astype(bool),
            "revenue": frame["spend"],
            "randomized": True,
        }
    )
    return {"customers": customers, "campaigns": campaigns}


# -- CDNOW ------------------------------------------------------------------------------------

_CDNOW = "cdnow"
_CD = "cd"


def cdnow(sample: bool = False) -> Tables:
    """CDNOW purchase history (Fader, Hardie & Lee 2005): 1997-01-01 to 1998-06-30.

    `CDNOW_master.txt` (69,659 rows, 23,570 customers) or, with ``sample=True``, Hardie's 1/10
    sample `CDNOW_sample.txt` (6,919 rows, 2,357 customers, keyed by their master ids).
    - customers: customer_id as in the file (zero-padded); created_at = first purchase day.
    - orders: one per row, order_id = ``<customer>-<YYYYMMDD>-<n>`` (n counts the rows of the
      same customer and day: 2,068 days have more than one row); channel 'web'.
    - products: a single product 'cd'.
    - order_lines: quantity = number of CDs, unit_price = dollar_value / quantity (80 rows are
      free: value 0). A row with 0 CDs keeps its order (a transaction for CLV models) but
      gets no line; there are none in these files.
    """
    if sample:
        path = _folder(_CDNOW, "CDNOW_sample.txt") / "CDNOW_sample.txt"
        raw = pd.read_csv(
            path,
            sep=r"\s+",
            header=None,
            names=["customer_id", "sample_id", "date", "number_of_cds", "dollar_value"],
            dtype={"customer_id": str, "sample_id": str, "date": str},
        )
    else:
        path = _folder(_CDNOW, "CDNOW_master.txt") / "CDNOW_master.txt"
        raw = pd.read_csv(path, sep=r"\s+", dtype={"customer_id": str, "date": str})
    day = _datetimes(raw["date"], format="%Y%m%d")
    seq = raw.groupby(["customer_id", "date"], sort=False).cumcount() + 1
    order_id = raw["customer_id"] + "-" + raw["date"] + "-" + seq.astype("str")
    orders = pd.DataFrame(
        {
            "order_id": order_id.astype("str"),
            "customer_id": raw["customer_id"].astype("str"),
            "ordered_at": day,
            "channel": pd.Series("web", index=raw.index, dtype="str"),
        }
    )
    quantity = raw["number_of_cds"].astype("float64")
    has_units = quantity > 0
    order_lines = pd.DataFrame(
        {
            "order_id": orders["order_id"],
            "product_id": pd.Series(_CD, index=raw.index, dtype="str"),
            "quantity": quantity,
            "unit_price": raw["dollar_value"].astype("float64") / quantity.where(has_units),
        }
    )[has_units.to_numpy()].reset_index(drop=True)
    first = day.groupby(raw["customer_id"], sort=False).min()
    customers = pd.DataFrame(
        {"customer_id": first.index.astype("str"), "created_at": first.to_numpy()}
    )
    products = pd.DataFrame(
        {"product_id": [_CD], "title": ["Compact disc"], "category": ["music/cd"]},
        dtype="str",
    )
    return {
        "products": products,
        "customers": customers,
        "orders": orders,
        "order_lines": order_lines,
    }


# -- Walmart store sales ----------------------------------------------------------------------

_WALMART = "walmart-store-sales"


def walmart_sales() -> pd.DataFrame:
    """Walmart weekly store x department sales (Kaggle 2014), 2010-02-05 to 2012-10-26.

    One long frame of the 421,570 rows of `train.csv.zip`: product_id = department, location =
    store (strings), ds = the week's Friday, demand = Weekly_Sales (dollars, negative for net
    returns: 1,285 rows), is_holiday; joined on (store, ds) with `features.csv` (temperature,
    fuel_price, markdown1..5 (NaN before Nov 2011), cpi, unemployment) and on store with
    `stores.csv` (store_type, store_size). Not used: `test.csv.zip` (no target) and the
    feature weeks after the training period.
    """
    folder = _folder(_WALMART, "train.csv.zip", "features.csv", "stores.csv")
    train = pd.read_csv(folder / "train.csv.zip", dtype={"Store": str, "Dept": str})
    features = pd.read_csv(folder / "features.csv", dtype={"Store": str}, na_values=["NA"])
    stores = pd.read_csv(folder / "stores.csv", lineterminator="\r", dtype={"Store": str})
    features = features.drop(columns="IsHoliday").rename(
        columns={c: c.lower() for c in features.columns}
    )
    frame = train.merge(
        features.rename(columns={"store": "Store", "date": "Date"}),
        on=["Store", "Date"],
        how="left",
        validate="many_to_one",
    ).merge(
        stores.rename(columns={"Type": "store_type", "Size": "store_size"}),
        on="Store",
        how="left",
        validate="many_to_one",
    )
    frame = frame.rename(
        columns={
            "Dept": "product_id",
            "Store": "location",
            "Weekly_Sales": "demand",
            "IsHoliday": "is_holiday",
        }
    )
    frame["ds"] = _datetimes(frame.pop("Date"))
    frame["is_holiday"] = frame["is_holiday"].astype(bool)
    frame["store_type"] = frame["store_type"].astype("str")
    frame["store_size"] = frame["store_size"].astype("float64")
    first = ["product_id", "location", "ds", "demand", "is_holiday"]
    frame = frame[first + [c for c in frame.columns if c not in first]]
    return frame.sort_values(["location", "product_id", "ds"], ignore_index=True)


# -- Dominick's orange juice ------------------------------------------------------------------

_OJ = "dominicks-oj"


def dominicks_oj() -> pd.DataFrame:
    """Dominick's refrigerated orange juice (Kilts Center; Taddy's `oj.csv`), 28,947 rows.

    Columns: product_id = brand ('tropicana', 'minute.maid', 'dominicks'), price ($ per unit),
    demand = sales (units moved in a store-week; rounded to whole units, the file holds them as
    exp(log) with errors below 0.001), promotion = feat (feature-advertised, bool).
    This version has **no store or week**: rows are store-weeks whose identity is lost, so it
    suits cross-sectional elasticity fits, not time series or canonical price histories.
    """
    frame = pd.read_csv(_folder(_OJ, "oj.csv") / "oj.csv", dtype={"brand": str})
    return pd.DataFrame(
        {
            "product_id": frame["brand"].astype("str"),
            "price": frame["price"].astype("float64"),
            "demand": frame["sales"].round().astype("float64"),
            "promotion": frame["feat"].astype(bool),
        }
    )


# -- Hass avocado prices ----------------------------------------------------------------------

_AVOCADO = "avocado-prices"
_AVOCADO_REGIONS = frozenset(
    {
        "California",
        "Great Lakes",
        "Midsouth",
        "Northeast",
        "Plains",
        "South Central",
        "Southeast",
        "West",
    }
)
_AVOCADO_TOTAL = "Total U.S."


def avocado() -> pd.DataFrame:
    """Hass Avocado Board weekly retail scan data, 2015-01-04 to 2020-05-17 (30,021 rows).

    Columns: product_id = type ('conventional', 'organic'), location = geography, ds = week,
    price = average_price (USD per avocado), demand = total_volume (units), level = 'total'
    (Total U.S.), 'region' (the 8 Hass Avocado Board regions) or 'market' (cities and smaller
    areas). Caution: the geographies overlap (markets lie inside regions, regions inside the
    total); filter to one `level` before summing. Dropped: the PLU and bag-size volume split
    and `year`.
    """
    raw = pd.read_csv(_folder(_AVOCADO, "avocado.csv") / "avocado.csv", dtype={"type": str})
    geography = raw["geography"].astype("str")
    level = np.where(
        geography == _AVOCADO_TOTAL,
        "total",
        np.where(geography.isin(_AVOCADO_REGIONS), "region", "market"),
    )
    return pd.DataFrame(
        {
            "product_id": raw["type"].astype("str"),
            "location": geography,
            "ds": _datetimes(raw["date"]),
            "price": raw["average_price"].astype("float64"),
            "demand": raw["total_volume"].astype("float64"),
            "level": pd.Series(level, index=raw.index, dtype="str"),
        }
    )


def avocado_tables() -> Tables:
    """The avocado data as canonical products (the 2 types) and prices (30,021 weekly rows:
    product, location = geography, valid_from = week, price = average_price). Volumes are in
    `avocado()`; the geographies overlap (see there)."""
    frame = avocado()
    products = pd.DataFrame(
        {
            "product_id": ["conventional", "organic"],
            "title": ["Hass avocado (conventional)", "Hass avocado (organic)"],
            "category": ["produce/avocado", "produce/avocado"],
        },
        dtype="str",
    )
    prices = frame.rename(columns={"ds": "valid_from"})[
        ["product_id", "location", "valid_from", "price"]
    ]
    return {"products": products, "prices": prices}


# -- Intent sets ------------------------------------------------------------------------------

_BANKING77 = "banking77"
_BITEXT = "bitext-customer-support-20k"
_BITEXT_FILE = "20000-Utterances-Training-dataset-for-chatbots-virtual-assistant-Bitext-sample.csv"


def banking77(split: Literal["train", "test"]) -> pd.DataFrame:
    """BANKING77 (PolyAI, CC BY 4.0): online-banking queries with one of 77 intents.

    Columns text, intent (the file's `category`). The official split: 'train' (10,003 rows)
    or 'test' (3,080 rows). Texts may contain newlines. Nothing is dropped.
    """
    if split not in ("train", "test"):
        raise ValueError(f"BANKING77 has splits 'train' and 'test', not {split!r}")
    path = _folder(_BANKING77, f"{split}.csv") / f"{split}.csv"
    frame = pd.read_csv(path, dtype=str, keep_default_na=False)
    return pd.DataFrame(
        {"text": frame["text"].astype("str"), "intent": frame["category"].astype("str")}
    )


def bitext_customer_support() -> pd.DataFrame:
    """Bitext customer-support sample (CDLA-Sharing-1.0), 21,534 generated utterances.

    Columns text (`utterance`), intent (27, e.g. 'cancel_order', 'track_refund') and category
    (11, e.g. 'ORDER', 'REFUNDS'). Dropped: `flags` (Bitext's linguistic-variation tags). The
    file starts with a byte-order mark, which is stripped.
    """
    path = _folder(_BITEXT, _BITEXT_FILE) / _BITEXT_FILE
    frame = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    return pd.DataFrame(
        {
            "text": frame["utterance"].astype("str"),
            "intent": frame["intent"].astype("str"),
            "category": frame["category"].astype("str"),
        }
    )


# -- Registry ---------------------------------------------------------------------------------

DATASETS: dict[str, Callable[..., object]] = {
    "movielens-100k": movielens_100k,
    "complete-journey": complete_journey,
    "hillstrom": hillstrom,
    "cdnow": cdnow,
    "cdnow-sample": functools.partial(cdnow, sample=True),
    "avocado": avocado_tables,
    "walmart-sales": walmart_sales,
    "dominicks-oj": dominicks_oj,
    "avocado-demand": avocado,
    "banking77-train": functools.partial(banking77, "train"),
    "banking77-test": functools.partial(banking77, "test"),
    "bitext-customer-support": bitext_customer_support,
}
"""Every adapter by name, each callable without arguments (`shopmind import --dataset NAME`)."""

TABLE_DATASETS: frozenset[str] = frozenset(
    {"movielens-100k", "complete-journey", "hillstrom", "cdnow", "cdnow-sample", "avocado"}
)
"""The names in DATASETS whose adapter returns canonical tables (importable into a store);
the others return one long frame for benchmarks."""
