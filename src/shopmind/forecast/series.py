"""Demand series from a Shop: one long frame (unique_id, ds, y, price, list_price, promo).

`demand_frame` turns order lines into demand per product (and location) per day or week:

Demand
    y is the units of non-cancelled order lines ordered in the period (orders.ordered_at), by
    orders.location (DEFAULT_LOCATION when missing) when `by_location`, so unique_id is
    "P00042@main"; otherwise unique_id is the product id. Periods are days (freq "D", ds =
    midnight) or Monday-to-Sunday weeks (freq "W", ds = the Monday; statsforecast's alias for it
    is "W-MON", see `statsforecast_freq`).
Returns (`returns="net"`, the default)
    Returned units are subtracted in the period the return can happen: the order's delivered_at
    when known (no return precedes delivery), else its ordered_at; returns after `as_of` are not
    known yet and are ignored. Net demand per period is clipped at 0, so a period with more
    returns than sales shows 0, not negative demand. `returns="gross"` ignores returns.
Cut-off
    `as_of` (default: midnight after the last order) is exclusive: later orders are unseen, and
    the period that contains `as_of` is incomplete and left out (it is the first period to
    forecast; `future_frame` starts there).
Gaps and new products
    Every period of a series' life is present: periods without sales have y = 0. A series starts
    at the product's listing (products.created_at) or, when that is earlier than the shop's
    first recorded order (or unknown), at the first recorded order period, and never after its
    first sale. Products listed but never sold appear at DEFAULT_LOCATION as all-zero series.
Discontinued products
    A series is inactive when it has not sold for more than max(`stale_after`, 4 x its average
    inter-demand interval) periods before the cut-off (stale_after defaults to 56 days or 8
    weeks), or sells a product the catalogue no longer lists. Inactive series are left out of the
    frame (they would only be forecast as near-zero by decaying models, or worse as their old
    level) and listed with the reason in `frame.attrs["inactive"]` ({unique_id: reason});
    `inactive_series` returns them as a frame. `keep_inactive=True` keeps them.
Exogenous columns
    list_price: the mean daily price in force from the prices table (rows of the series'
    location, else of DEFAULT_LOCATION, else of any location; before the first row the first
    price; no rows: products.price, else the series' mean paid price). price: the mean unit price
    paid after line discounts, list_price in periods without sales. promo (0/1): the prices table
    flags a promotion on any day of the period, or the list price is more than 10% below the
    recent regular price (the median daily list price of the previous 56 days), or more than
    half the units sold carried a line discount. Calendar effects are left to the models.

`future_frame` gives the same exogenous columns for the next h periods from the planned prices
(the prices table, or an override frame for "what if" questions); `series_info` summarises a
frame per series.
"""

from __future__ import annotations

from typing import Final, Literal

import numpy as np
import pandas as pd

from shopmind.data.schema import DEFAULT_LOCATION
from shopmind.data.snapshot import Shop
from shopmind.errors import InsufficientDataError
from shopmind.forecast.base import ID, TARGET, TIME

__all__ = [
    "EXOGENOUS",
    "demand_frame",
    "future_frame",
    "inactive_series",
    "series_info",
    "statsforecast_freq",
]

EXOGENOUS: Final = ("price", "list_price", "promo")
REGULAR_WINDOW_DAYS: Final = 56
PROMO_DROP: Final = 0.10
STALE_FACTOR: Final = 4.0
Freq = Literal["D", "W"]


def statsforecast_freq(freq: str) -> str:
    """The pandas alias of demand_frame's periods: 'D' -> 'D', 'W' -> 'W-MON'."""
    return {"D": "D", "W": "W-MON", "W-MON": "W-MON"}[_freq(freq)]


def demand_frame(
    shop: Shop,
    *,
    freq: str = "D",
    by_location: bool = True,
    as_of: pd.Timestamp | str | None = None,
    returns: Literal["net", "gross"] = "net",
    stale_after: int | None = None,
    keep_inactive: bool = False,
) -> pd.DataFrame:
    """Demand per series and period with price, list_price and promo (module docstring)."""
    built = _Built(shop, freq, by_location, as_of, returns, stale_after)
    frame = built.history()
    inactive = built.inactive()
    if not keep_inactive:
        frame = frame[~frame[ID].isin(set(inactive.index))].reset_index(drop=True)
    frame.attrs["inactive"] = {str(k): str(v) for k, v in inactive["reason"].items()}
    return frame


def inactive_series(
    shop: Shop,
    *,
    freq: str = "D",
    by_location: bool = True,
    as_of: pd.Timestamp | str | None = None,
    stale_after: int | None = None,
) -> pd.DataFrame:
    """The series demand_frame leaves out: unique_id -> last_sale, idle_periods, reason."""
    return _Built(shop, freq, by_location, as_of, "net", stale_after).inactive()


def future_frame(
    shop: Shop,
    h: int,
    freq: str = "D",
    *,
    prices: pd.DataFrame | None = None,
    by_location: bool = True,
    as_of: pd.Timestamp | str | None = None,
    stale_after: int | None = None,
) -> pd.DataFrame:
    """The exogenous columns (price, list_price, promo) of the next h periods of every active
    series, from the first period demand_frame leaves out.

    `prices` overrides the planned prices: rows with product_id, price and optionally location
    (default: every location of the product), valid_from (default: the first future period) and
    promotion. From its earliest valid_from on, an override replaces the shop's price history of
    that product and location. price = list_price in the future (no line discounts are planned).
    """
    if h < 1:
        raise ValueError(f"the horizon h must be 1 or more, not {h}")
    built = _Built(shop, freq, by_location, as_of, "net", stale_after)
    keys = built.keys()
    keys = keys[~keys[ID].isin(set(built.inactive().index))]
    first = built.end + built.step
    ds = pd.date_range(first, periods=h, freq=statsforecast_freq(built.freq))
    spans = keys.assign(start=first, stop=ds[-1])
    table = _override(built.prices, prices, first)
    grid = _exogenous(spans, table, built.products, built.freq)
    grid["price"] = grid["list_price"]
    grid["promo"] = grid["promo"].astype(np.int64)
    return grid[[ID, TIME, *EXOGENOUS]].reset_index(drop=True)


def series_info(df: pd.DataFrame) -> pd.DataFrame:
    """Per series: start, end, n_periods, first_sale, last_sale, n_sales, zero_share, total."""
    y = df[TARGET].to_numpy(dtype=np.float64)
    sold = df[TIME].where(y > 0)
    grouped = df.assign(_sold=sold, _pos=y > 0).groupby(ID, sort=True)
    info = pd.DataFrame(
        {
            "start": grouped[TIME].min(),
            "end": grouped[TIME].max(),
            "n_periods": grouped.size(),
            "first_sale": grouped["_sold"].min(),
            "last_sale": grouped["_sold"].max(),
            "n_sales": grouped["_pos"].sum().astype(np.int64),
            "total": grouped[TARGET].sum(),
        }
    )
    info["zero_share"] = 1.0 - info["n_sales"] / info["n_periods"]
    return info


# internals ------------------------------------------------------------------------------


def _freq(freq: str) -> str:
    value = freq.upper()
    if value not in ("D", "W", "W-MON"):
        raise ValueError(f"freq must be 'D' or 'W' (weeks from Monday), not {freq!r}")
    return "W" if value == "W-MON" else value


def _period(ts: pd.Series | pd.DatetimeIndex, freq: str) -> pd.Series:
    """The start of the period (day, or Monday of the week) of each timestamp."""
    stamps = pd.Series(pd.to_datetime(ts)).dt.normalize()
    if freq == "W":
        stamps = stamps - pd.to_timedelta(stamps.dt.day_of_week, unit="D")
    return stamps


class _Built:
    """The sales, returns and series spans of one shop, freq and cut-off."""

    def __init__(
        self,
        shop: Shop,
        freq: str,
        by_location: bool,
        as_of: pd.Timestamp | str | None,
        returns: str,
        stale_after: int | None,
    ) -> None:
        if returns not in ("net", "gross"):
            raise ValueError(f"returns must be 'net' or 'gross', not {returns!r}")
        self.freq = _freq(freq)
        self.step = pd.Timedelta(days=7 if self.freq == "W" else 1)
        self.by_location = by_location
        self.products = shop.tables["products"]
        self.prices = shop.tables["prices"]
        orders = shop.tables["orders"]
        lines = shop.tables["order_lines"].merge(
            orders[["order_id", "ordered_at", "status", "location", "delivered_at"]],
            on="order_id",
            how="inner",
        )
        lines = lines[lines["status"].astype(str) != "cancelled"]
        if lines.empty:
            raise InsufficientDataError("the shop has no (non-cancelled) orders to forecast from")
        cut = (
            pd.Timestamp(as_of)
            if as_of is not None
            else lines["ordered_at"].max().normalize() + pd.Timedelta(days=1)
        )
        self.as_of = cut
        lines = lines[lines["ordered_at"] < cut].copy()
        if lines.empty:
            raise InsufficientDataError(f"no orders before as_of={cut}")
        lines["location"] = lines["location"].fillna(DEFAULT_LOCATION).astype(str)
        lines["product_id"] = lines["product_id"].astype(str)
        lines[ID] = self._uid(lines["product_id"], lines["location"])
        lines["ds"] = _period(lines["ordered_at"], self.freq)
        self.end = _period(pd.Series([cut]), self.freq).iloc[0] - self.step
        self.data_start = lines["ds"].min()
        self.lines = lines[lines["ds"] <= self.end]
        back = lines["delivered_at"].where(lines["delivered_at"].notna(), lines["ordered_at"])
        self.returned = lines.assign(ds=_period(back, self.freq))[
            (back < cut) & (lines["returned_quantity"].fillna(0.0) > 0)
        ]
        self.net = returns == "net"
        self.stale = stale_after if stale_after is not None else (8 if self.freq == "W" else 56)
        if self.end < self.data_start:
            raise InsufficientDataError(
                f"no complete {self.freq} period of orders before as_of={cut}"
            )

    def _uid(self, product: pd.Series, location: pd.Series) -> pd.Series:
        if self.by_location:
            return product.astype(str) + "@" + location.astype(str)
        return product.astype(str)

    def keys(self) -> pd.DataFrame:
        """Every series: unique_id, product_id, location, start (first period)."""
        sold = self.lines.groupby(ID).agg(
            product_id=("product_id", "first"),
            location=("location", "first"),
            first_sale=("ds", "min"),
        )
        listed = self.products[["product_id", "created_at"]].copy()
        listed["product_id"] = listed["product_id"].astype(str)
        listed = listed[pd.to_datetime(listed["created_at"]) < self.as_of]
        never = listed[~listed["product_id"].isin(set(sold["product_id"]))]
        extra = pd.DataFrame(
            {
                "product_id": never["product_id"].to_numpy(),
                "location": DEFAULT_LOCATION,
                "first_sale": pd.NaT,
            }
        )
        extra.index = pd.Index(
            self._uid(extra["product_id"], extra["location"]).to_numpy(), name=ID
        )
        keys = pd.concat([sold, extra]) if len(extra) else sold
        created = keys["product_id"].map(
            pd.Series(
                pd.to_datetime(self.products["created_at"]).to_numpy(),
                index=self.products["product_id"].astype(str),
            )
        )
        listing = _period(created, self.freq).to_numpy()
        start = pd.Series(listing, index=keys.index).clip(lower=self.data_start)
        start = start.fillna(keys["first_sale"])
        start = start.where(
            keys["first_sale"].isna() | (start <= keys["first_sale"]), keys["first_sale"]
        )
        keys["start"] = start.where(start <= self.end, self.end)
        keys.index.name = ID
        out: pd.DataFrame = keys.reset_index()
        return out

    def history(self) -> pd.DataFrame:
        keys = self.keys()
        spans = keys.assign(stop=self.end)
        grid = _exogenous(spans, self.prices, self.products, self.freq)
        sold = self.lines.assign(
            paid=self.lines["quantity"] * self.lines["unit_price"]
            - self.lines["discount"].fillna(0.0),
            disc=self.lines["quantity"].where(self.lines["discount"].fillna(0.0) > 0, 0.0),
        )
        agg = sold.groupby([ID, TIME]).agg(
            units=("quantity", "sum"), paid=("paid", "sum"), disc=("disc", "sum")
        )
        back = self.returned.groupby([ID, TIME])["returned_quantity"].sum().rename("back")
        grid = grid.join(agg, on=[ID, TIME]).join(back, on=[ID, TIME])
        units = grid["units"].fillna(0.0)
        net = units - grid["back"].fillna(0.0) if self.net else units
        grid[TARGET] = net.clip(lower=0.0)
        with np.errstate(divide="ignore", invalid="ignore"):
            paid = grid["paid"] / grid["units"]
        mean_paid = paid.groupby(grid[ID]).transform("mean")
        grid["list_price"] = grid["list_price"].fillna(mean_paid)
        grid["price"] = paid.where(units > 0, grid["list_price"])
        discounted = (grid["disc"].fillna(0.0) > 0.5 * units) & (units > 0)
        grid["promo"] = (grid["promo"].astype(bool) | discounted).astype(np.int64)
        return grid[[ID, TIME, TARGET, *EXOGENOUS]].reset_index(drop=True)

    def inactive(self) -> pd.DataFrame:
        keys = self.keys().set_index(ID)
        last = self.lines.groupby(ID)["ds"].max().reindex(keys.index)
        n_sales = self.lines.groupby(ID)["ds"].nunique().reindex(keys.index).fillna(0)
        n_periods = ((self.end - keys["start"]) / self.step).astype(np.int64) + 1
        adi = n_periods / n_sales.where(n_sales > 0, np.nan)
        since = last.fillna(keys["start"])
        idle = ((self.end - since) / self.step).astype(np.int64)
        threshold = np.maximum(self.stale, STALE_FACTOR * adi.fillna(0.0))
        catalogue = set(self.products["product_id"].astype(str))
        reasons: dict[str, str] = {}
        for uid, row in keys.iterrows():
            if row["product_id"] not in catalogue:
                reasons[str(uid)] = "not in the catalogue"
            elif idle[uid] > threshold[uid]:
                what = "no sale since listing" if pd.isna(last[uid]) else "no sale"
                reasons[str(uid)] = f"{what} for {idle[uid]} periods (limit {threshold[uid]:g})"
        out = pd.DataFrame(
            {
                "last_sale": last.reindex(list(reasons)),
                "idle_periods": idle.reindex(list(reasons)),
                "reason": pd.Series(reasons, dtype=object),
            }
        )
        out.index.name = ID
        return out


def _override(
    shop_prices: pd.DataFrame, override: pd.DataFrame | None, first: pd.Timestamp
) -> pd.DataFrame:
    """The shop's price history with `override` replacing it from its first valid_from on."""
    if override is None or override.empty:
        return shop_prices
    if "product_id" not in override.columns or "price" not in override.columns:
        raise ValueError("a price override needs the columns product_id and price")
    new = override.copy()
    new["product_id"] = new["product_id"].astype(str)
    if "valid_from" not in new.columns:
        new["valid_from"] = first
    new["valid_from"] = pd.to_datetime(new["valid_from"]).fillna(first)
    if "promotion" not in new.columns:
        new["promotion"] = False
    old = shop_prices.copy()
    old["product_id"] = old["product_id"].astype(str)
    old["location"] = old["location"].fillna(DEFAULT_LOCATION).astype(str)
    if "location" not in new.columns:
        locations = old.groupby("product_id")["location"].unique()
        new["location"] = new["product_id"].map(
            lambda p: list(locations.get(p, [DEFAULT_LOCATION]))
        )
        new = new.explode("location")
    new["location"] = new["location"].fillna(DEFAULT_LOCATION).astype(str)
    since = new.groupby(["product_id", "location"])["valid_from"].min().rename("since")
    old = old.join(since, on=["product_id", "location"])
    old = old[old["since"].isna() | (old["valid_from"] < old["since"])].drop(columns="since")
    cols = ["product_id", "location", "valid_from", "price", "promotion"]
    return pd.concat([old[cols], new[cols]], ignore_index=True)


def _exogenous(
    spans: pd.DataFrame, prices: pd.DataFrame, products: pd.DataFrame, freq: str
) -> pd.DataFrame:
    """Per series (unique_id, product_id, location, start, stop) and period: list_price and
    the promotion flag (table flag or price >10% below the recent regular price)."""
    # a daily grid from REGULAR_WINDOW_DAYS before each span, for the regular price
    days_before = pd.Timedelta(days=REGULAR_WINDOW_DAYS)
    period_days = 7 if freq == "W" else 1
    rows = []
    for uid, product, location, start, stop in zip(
        spans[ID],
        spans["product_id"],
        spans["location"],
        spans["start"],
        spans["stop"],
        strict=True,
    ):
        first, last = pd.Timestamp(start), pd.Timestamp(stop)
        days = pd.date_range(first - days_before, last + pd.Timedelta(days=period_days - 1))
        rows.append(
            pd.DataFrame(
                {ID: uid, "product_id": product, "location": location, "day": days,
                 "inside": days >= first}
            )
        )  # fmt: skip
    daily = pd.concat(rows, ignore_index=True)
    table = prices[["product_id", "location", "valid_from", "price", "promotion"]].copy()
    table["product_id"] = table["product_id"].astype(str)
    table["location"] = table["location"].fillna(DEFAULT_LOCATION).astype(str)
    table["valid_from"] = pd.to_datetime(table["valid_from"]).astype("datetime64[us]")
    table["promotion"] = table["promotion"].fillna(False).astype(bool)
    # which location's prices each series follows: its own, the default, else any
    have = set(zip(table["product_id"], table["location"], strict=True))
    fallback = table.groupby("product_id")["location"].min()
    pairs = spans[["product_id", "location"]].drop_duplicates()

    def source(p: str, loc: str) -> str:
        if (p, loc) in have:
            return loc
        if (p, DEFAULT_LOCATION) in have:
            return DEFAULT_LOCATION
        return str(fallback.get(p, DEFAULT_LOCATION))

    pairs["price_location"] = [
        source(p, loc) for p, loc in zip(pairs["product_id"], pairs["location"], strict=True)
    ]
    daily = daily.merge(pairs, on=["product_id", "location"], how="left")
    daily["day"] = daily["day"].astype("datetime64[us]")
    table = table.sort_values("valid_from").rename(columns={"location": "price_location"})
    daily = daily.sort_values("day")
    daily = pd.merge_asof(
        daily, table, left_on="day", right_on="valid_from", by=["product_id", "price_location"]
    )
    first_price = table.groupby(["product_id", "price_location"])["price"].first()
    before = first_price.reindex(pd.MultiIndex.from_frame(daily[["product_id", "price_location"]]))
    daily["price"] = daily["price"].fillna(pd.Series(before.to_numpy(), index=daily.index))
    listed = pd.Series(
        products["price"].to_numpy(dtype=np.float64), index=products["product_id"].astype(str)
    )
    daily["price"] = daily["price"].fillna(daily["product_id"].map(listed))
    daily["promotion"] = daily["promotion"].fillna(False).astype(bool)
    daily = daily.sort_values([ID, "day"], kind="stable")
    regular = daily.groupby(ID)["price"].transform(
        lambda s: s.shift(1).rolling(REGULAR_WINDOW_DAYS, min_periods=7).median()
    )
    daily["promo"] = daily["promotion"] | (daily["price"] < (1.0 - PROMO_DROP) * regular)
    daily = daily[daily["inside"]]
    daily[TIME] = _period(daily["day"], freq).to_numpy()
    out: pd.DataFrame = daily.groupby([ID, TIME], sort=True).agg(
        list_price=("price", "mean"), promo=("promo", "max")
    )
    return out.reset_index()
