"""The canonical tables: every column, type, key and reference. The one import contract.

Everything that reads shop data (the importer, the store, the sample shop, the dataset adapters,
the engines) takes its column names and rules from here, so the contract is stated once.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

__all__ = [
    "CONTROL_ARM",
    "DEFAULT_LOCATION",
    "EVENT_TYPES",
    "IMPORT_ORDER",
    "ORDER_STATUSES",
    "SCHEMA_VERSION",
    "TABLES",
    "Column",
    "ForeignKey",
    "Kind",
    "Table",
    "markdown",
    "table",
]

# Bump when a table gains, loses or changes a column, and register a migration in store.py.
SCHEMA_VERSION = 3

DEFAULT_LOCATION = "main"
CONTROL_ARM = "control"
ORDER_STATUSES = ("placed", "paid", "shipped", "delivered", "cancelled", "returned")
EVENT_TYPES = (
    "view",
    "click",
    "cart",
    "remove_from_cart",
    "wishlist",
    "purchase",
    "search",
    "rating",
)


class Kind(StrEnum):
    """The logical type of a column; io.py parses, store.py maps it to SQL."""

    STRING = "string"
    INTEGER = "integer"
    FLOAT = "float"
    BOOLEAN = "boolean"
    DATETIME = "datetime"
    JSON = "json"


@dataclass(frozen=True)
class Column:
    name: str
    kind: Kind
    description: str
    required: bool = False
    """The column must be present in every import of the table (key columns always are)."""
    nullable: bool = True
    non_negative: bool = False
    personal: bool = False
    """Personal data: never enters a model or an artifact, masked in logs."""
    choices: tuple[str, ...] | None = None
    default: str | float | bool | None = None
    """Filled in when an optional column is absent from the import."""


@dataclass(frozen=True)
class ForeignKey:
    column: str
    table: str
    ref_column: str


@dataclass(frozen=True)
class Table:
    name: str
    description: str
    columns: tuple[Column, ...]
    key: tuple[str, ...]
    """Columns that identify a row; empty for append-only tables such as events."""
    foreign_keys: tuple[ForeignKey, ...] = ()
    any_of: tuple[str, ...] = ()
    """At least one of these columns must be set on every row."""
    _by_name: dict[str, Column] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_by_name", {c.name: c for c in self.columns})
        unknown = [k for k in self.key if k not in self._by_name]
        if unknown:
            raise ValueError(f"table {self.name}: key columns {unknown} are not columns")

    def column(self, name: str) -> Column:
        return self._by_name[name]

    def has_column(self, name: str) -> bool:
        return name in self._by_name

    @property
    def column_names(self) -> list[str]:
        return [c.name for c in self.columns]

    @property
    def required_columns(self) -> list[str]:
        return [
            c.name for c in self.columns if c.required or (c.name in self.key and c.default is None)
        ]

    @property
    def personal_columns(self) -> list[str]:
        return [c.name for c in self.columns if c.personal]

    @property
    def model_columns(self) -> list[str]:
        """The columns that may enter a model: all but the personal ones."""
        return [c.name for c in self.columns if not c.personal]

    def is_nullable(self, name: str) -> bool:
        return name not in self.key and self._by_name[name].nullable


def _id(name: str, description: str) -> Column:
    return Column(name, Kind.STRING, description, required=True, nullable=False)


def _money(name: str, description: str, *, required: bool = False) -> Column:
    return Column(
        name, Kind.FLOAT, description, required=required, nullable=not required, non_negative=True
    )


_ATTRIBUTES = Column(
    "attributes", Kind.JSON, "Anything else, as a JSON object (colour, size, demographics, ...)."
)

PRODUCTS = Table(
    "products",
    "The catalogue: one row per product (or SKU).",
    (
        _id("product_id", "The shop's own product id."),
        Column("title", Kind.STRING, "Name shown to customers.", required=True, nullable=False),
        Column("description", Kind.STRING, "Free text; used for search and content similarity."),
        Column("category", Kind.STRING, "Category path or name, e.g. 'shoes/running'."),
        Column("brand", Kind.STRING, "Brand or maker."),
        _money("price", "Current list price."),
        _money("cost", "Unit cost to the shop; margins come from price minus cost."),
        Column("created_at", Kind.DATETIME, "When the product was listed."),
        _ATTRIBUTES,
    ),
    key=("product_id",),
)

CUSTOMERS = Table(
    "customers",
    "People who buy. Personal columns are optional and never enter a model.",
    (
        _id("customer_id", "The shop's own customer id."),
        Column(
            "email",
            Kind.STRING,
            "Contact address; used only to verify order look-ups.",
            personal=True,
        ),
        Column("name", Kind.STRING, "Display name.", personal=True),
        Column(
            "phone", Kind.STRING, "Phone number; used only to contact the customer.", personal=True
        ),
        Column(
            "address",
            Kind.STRING,
            "Postal address (street, postcode, town); used only to ship orders.",
            personal=True,
        ),
        Column("created_at", Kind.DATETIME, "When the account was opened."),
        Column("region", Kind.STRING, "Coarse region (country, state) for segments."),
        _ATTRIBUTES,
    ),
    key=("customer_id",),
)

ORDERS = Table(
    "orders",
    "One row per order; what was in it lives in order_lines.",
    (
        _id("order_id", "The shop's own order number."),
        Column("customer_id", Kind.STRING, "Who ordered.", required=True, nullable=False),
        Column(
            "ordered_at", Kind.DATETIME, "When the order was placed.", required=True, nullable=False
        ),
        Column(
            "status",
            Kind.STRING,
            "Where the order stands.",
            choices=ORDER_STATUSES,
            default="placed",
        ),
        Column("channel", Kind.STRING, "web, app, store, ..."),
        Column(
            "location", Kind.STRING, "Store or warehouse that fulfils it.", default=DEFAULT_LOCATION
        ),
        Column("shipped_at", Kind.DATETIME, "When it left the warehouse."),
        Column("delivered_at", Kind.DATETIME, "When it arrived."),
        Column("tracking_number", Kind.STRING, "Carrier tracking number."),
    ),
    key=("order_id",),
    foreign_keys=(ForeignKey("customer_id", "customers", "customer_id"),),
)

ORDER_LINES = Table(
    "order_lines",
    "What each order contained: one row per order and product.",
    (
        _id("order_id", "The order this line belongs to."),
        _id("product_id", "The product bought."),
        Column(
            "quantity",
            Kind.FLOAT,
            "Units (or weight) bought.",
            required=True,
            nullable=False,
            non_negative=True,
        ),
        _money("unit_price", "Price paid per unit before the discount.", required=True),
        Column(
            "discount",
            Kind.FLOAT,
            "Discount on the whole line, in money.",
            non_negative=True,
            default=0.0,
        ),
        Column("returned_quantity", Kind.FLOAT, "Units sent back.", non_negative=True, default=0.0),
    ),
    key=("order_id", "product_id"),
    foreign_keys=(
        ForeignKey("order_id", "orders", "order_id"),
        ForeignKey("product_id", "products", "product_id"),
    ),
)

EVENTS = Table(
    "events",
    "Browsing behaviour. Append-only; customer_id is not checked so that brand-new visitors count.",
    (
        Column("customer_id", Kind.STRING, "Signed-in customer, if any."),
        Column("session_id", Kind.STRING, "Browser session, for visitors who are not signed in."),
        Column("product_id", Kind.STRING, "Product concerned (empty for a search)."),
        Column("ts", Kind.DATETIME, "When it happened.", required=True, nullable=False),
        Column(
            "type",
            Kind.STRING,
            "What happened.",
            required=True,
            nullable=False,
            choices=EVENT_TYPES,
        ),
        Column("value", Kind.FLOAT, "A rating, a dwell time, a quantity: depends on type."),
        Column("search_query", Kind.STRING, "The search text, for type 'search'."),
    ),
    key=(),
    foreign_keys=(ForeignKey("product_id", "products", "product_id"),),
    any_of=("customer_id", "session_id"),
)

PRICES = Table(
    "prices",
    "Price history: the price in force from valid_from until the next row.",
    (
        _id("product_id", "The product priced."),
        Column(
            "location", Kind.STRING, "Store or region the price holds in.", default=DEFAULT_LOCATION
        ),
        Column(
            "valid_from",
            Kind.DATETIME,
            "First moment the price holds.",
            required=True,
            nullable=False,
        ),
        _money("price", "The shop's price.", required=True),
        _money("competitor_price", "A competitor's price for the same product, if known."),
        Column(
            "promotion",
            Kind.BOOLEAN,
            "The price was promoted (feature, display, ad).",
            default=False,
        ),
    ),
    key=("product_id", "location", "valid_from"),
    foreign_keys=(ForeignKey("product_id", "products", "product_id"),),
)

INVENTORY = Table(
    "inventory",
    "Current stock and the costs that drive ordering decisions.",
    (
        _id("product_id", "The product stocked."),
        Column("location", Kind.STRING, "Warehouse or store.", default=DEFAULT_LOCATION),
        Column(
            "on_hand",
            Kind.FLOAT,
            "Units in stock now.",
            required=True,
            nullable=False,
            non_negative=True,
        ),
        Column(
            "on_order",
            Kind.FLOAT,
            "Units ordered, not yet received.",
            non_negative=True,
            default=0.0,
        ),
        Column("lead_time_days", Kind.FLOAT, "Days from ordering to receiving.", non_negative=True),
        _money("unit_cost", "Purchase cost per unit."),
        Column(
            "holding_cost_rate",
            Kind.FLOAT,
            "Yearly holding cost as a fraction of unit cost.",
            non_negative=True,
        ),
        _money("stockout_cost", "Cost of one unit of unmet demand (lost margin, goodwill)."),
        _money("order_cost", "Fixed cost of placing one purchase order."),
        Column(
            "min_order_qty",
            Kind.FLOAT,
            "Smallest quantity the supplier accepts.",
            non_negative=True,
        ),
        Column("pack_size", Kind.FLOAT, "Orders come in multiples of this.", non_negative=True),
    ),
    key=("product_id", "location"),
    foreign_keys=(ForeignKey("product_id", "products", "product_id"),),
)

CAMPAIGNS = Table(
    "campaigns",
    "Who was sent which offer (or was held out) and what they did afterwards.",
    (
        _id("campaign_id", "The campaign."),
        _id("customer_id", "The customer assigned to an arm."),
        Column(
            "treatment",
            Kind.STRING,
            f"Arm name; '{CONTROL_ARM}' for customers held out.",
            required=True,
            nullable=False,
        ),
        Column("sent_at", Kind.DATETIME, "When the offer went out."),
        Column("responded", Kind.BOOLEAN, "Opened, clicked or visited after the offer."),
        Column("converted", Kind.BOOLEAN, "Bought within the campaign window."),
        _money("revenue", "Spend within the campaign window."),
        Column(
            "randomized",
            Kind.BOOLEAN,
            "Arms were assigned at random (an experiment).",
            default=True,
        ),
    ),
    key=("campaign_id", "customer_id"),
    foreign_keys=(ForeignKey("customer_id", "customers", "customer_id"),),
)

FAQS = Table(
    "faqs",
    "Questions customers ask and the shop's answers.",
    (
        _id("faq_id", "The entry's id."),
        Column("question", Kind.STRING, "The question.", required=True, nullable=False),
        Column("answer", Kind.STRING, "The answer.", required=True, nullable=False),
        Column("tags", Kind.STRING, "Comma-separated topics."),
        Column("language", Kind.STRING, "Language code such as 'en' or 'zh'.", default="en"),
    ),
    key=("faq_id",),
)

# Parents before children: the order imports and writes go in.
IMPORT_ORDER: tuple[str, ...] = (
    "products",
    "customers",
    "orders",
    "order_lines",
    "events",
    "prices",
    "inventory",
    "campaigns",
    "faqs",
)

TABLES: dict[str, Table] = {
    t.name: t
    for t in (PRODUCTS, CUSTOMERS, ORDERS, ORDER_LINES, EVENTS, PRICES, INVENTORY, CAMPAIGNS, FAQS)
}
assert tuple(TABLES) == IMPORT_ORDER


def table(name: str) -> Table:
    """The table called `name`, or a KeyError that lists the canonical names."""
    try:
        return TABLES[name]
    except KeyError:
        raise KeyError(
            f"unknown table {name!r}; the canonical tables are {', '.join(IMPORT_ORDER)}"
        ) from None


def markdown() -> str:
    """The import contract as Markdown tables, one per table (the README shows this)."""
    out: list[str] = []
    for spec in TABLES.values():
        key = ", ".join(spec.key) if spec.key else "none (append-only)"
        out.append(f"#### `{spec.name}`\n\n{spec.description} Key: {key}.\n")
        out.append("| column | type | required | notes |\n|---|---|---|---|")
        refs = {fk.column: f"{fk.table}.{fk.ref_column}" for fk in spec.foreign_keys}
        for c in spec.columns:
            notes = [c.description]
            if c.name in refs:
                notes.append(f"Must exist in {refs[c.name]}.")
            if c.non_negative:
                notes.append("0 or more.")
            if c.choices:
                notes.append(f"One of: {', '.join(c.choices)}.")
            if c.default is not None:
                notes.append(f"Default: {c.default}.")
            if c.personal:
                notes.append("**Personal data.**")
            required = "yes" if c.name in spec.required_columns else "no"
            out.append(f"| `{c.name}` | {c.kind.value} | {required} | {' '.join(notes)} |")
        if spec.any_of:
            out.append(f"\nEvery row needs at least one of {', '.join(spec.any_of)}.")
        out.append("")
    return "\n".join(out)
