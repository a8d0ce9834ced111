"""assistant-dialogues: scripted multi-turn conversations over the sample shop (issue 7).

The sample shop (`generate(42)`, 1,000 customers, 300 products, 365 days) is loaded as the
assistant sees it in production: the intent classifier, FAQ index and product search trained
by `AssistantEngine().fit`, the recommender by `RecommendEngine().fit`, and the in-memory
repositories over the full tables (customers with their e-mail addresses, orders, order lines,
stock). "Today" is the sample's last order timestamp, so return periods behave as on the day
the data end.

The conversations are data: benchmarks/dialogues/*.json, one file per family of tasks (order
status, cancel and address, returns and refunds, FAQs, products, hand-off and small talk, data
protection), in English and Chinese, written as customers type, not copied from the intent
examples. A scenario names its language, who is talking (a visitor, or a signed-in customer)
and a role that picks a real customer and order from the shop (a shipped order, an unshipped
one, a delivery inside or outside the return period, a returned or cancelled order, a customer
with exactly two orders or with none). Its messages use placeholders filled from that role
(`{order_id}`, `{email}`, `{tracking_number}`, `{other_order_id}` of another customer, ...),
and each turn lists checks on the reply: the intent, an action (asked for the order number or
e-mail, cancelled, listed the customer's orders, handed off), a source (an order, an FAQ, a
product), a ticket, a reply template of replies.py, a text it must or must not contain. A
scenario is a task success when every check of every turn passes.

Data protection: every reply of every scenario is scanned for every order number and tracking
number of the shop, in its text and its sources, not only where a check says so. A reply
leaks when it shows an order (or its tracking number) that the speaker neither owns (signed
in) nor unlocked in this conversation by giving its number and the e-mail address it was
ordered with; an order number the speaker typed themselves may be echoed ("I couldn't find
order O000123"), its details may not.

No open-source dialogue system installs offline here (Rasa and its peers are not in the
package mirror), so the second row is a reference run on the same scenarios: a FAQ-only bot
that answers every message with the best hit of the same FaqIndex, or "I don't know". It has
no intents, so it is scored on every check except the intent (and its intent accuracy is left
empty).
"""

# No `from __future__ import annotations`: `shopmind bench` loads this file without putting it
# in sys.modules, where dataclasses look string annotations up.
import json
import re
import string
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, Final

import numpy as np
import pandas as pd

from shopmind.assistant import slots
from shopmind.assistant.dialogue import Reply
from shopmind.assistant.engine import AssistantEngine
from shopmind.assistant.replies import DEFAULT_REPLIES
from shopmind.assistant.repository import InMemoryConversations, InMemoryShop, InMemoryTickets
from shopmind.assistant.retrieval import FaqIndex
from shopmind.data.sample import generate
from shopmind.data.snapshot import Shop
from shopmind.recommend.engine import RecommendEngine

DIALOGUES: Final = Path(__file__).resolve().parent / "dialogues"
SAMPLE: Final[dict[str, int]] = {"n_customers": 1000, "n_products": 300, "days": 365}
SEED: Final = 42
RETURN_DAYS: Final = 30
"""ServicePolicy's default return period, for picking deliveries inside or outside it."""

ROLES: Final[dict[str, str]] = {
    "any": "a customer with at least one order (no particular order in focus)",
    "shipped": "an order that is shipped and not yet delivered",
    "unshipped": "an order that is placed or paid, not shipped",
    "delivered_recent": f"an order delivered less than {RETURN_DAYS - 5} days ago, not returned",
    "delivered_expired": f"an order delivered more than {RETURN_DAYS + 10} days ago, not returned",
    "returned": "an order that was sent back",
    "cancelled": "an order that was cancelled",
    "two_orders": "a customer with exactly two orders; the newer one is in focus",
    "no_orders": "a registered customer without any order",
}
"""Role -> which customer and order a scenario is about. For a signed-in speaker the order in
focus is also the customer's newest, so "my order" means it without doubt."""

SPEAKERS: Final = ("visitor", "customer")
LANGUAGES: Final = ("en", "zh")

PLACEHOLDERS: Final[dict[str, str]] = {
    "order_id": "the role's order number",
    "order_id_lower": "the same in lower case",
    "email": "the e-mail address of the role's customer",
    "email_upper": "the same in capitals",
    "tracking_number": "the tracking number of the role's order",
    "return_until": "the last day of the role's order's return period (YYYY-MM-DD)",
    "second_order_id": "the older order of a two_orders customer",
    "other_order_id": "a shipped order of another customer",
    "other_email": "that other customer's e-mail address",
    "other_tracking_number": "that other order's tracking number",
    "in_stock_product": "the name (title before the comma) of a product in stock",
    "in_stock_product_id": "its product id",
    "sold_out_product": "the name of a product with no stock",
    "sold_out_product_id": "its product id",
}

CHECKS: Final[dict[str, str]] = {
    "intent": "the reply's intent is this one (or one of this list)",
    "action": "every listed action was taken: ask:order, ask:email, ask:product, list_orders, "
    "order_lookup, cancel_order, handoff, stock_lookup, recommend",
    "no_action": "none of the listed actions was taken",
    "source": "every listed source is cited: 'type' (any of that type) or 'type:id'",
    "no_source": "none of the listed sources is cited",
    "ticket": "true: a ticket was opened by this reply; false: none was",
    "reply": "the text contains this reply template of replies.py (or one of this list)",
    "contains": "the text contains every listed string",
    "contains_any": "the text contains at least one of the listed strings",
    "not_contains": "the text contains none of the listed strings",
    "one_of": "a list of check sets; the reply passes at least one of them",
}
ACTIONS: Final = frozenset(
    {
        "ask:order",
        "ask:email",
        "ask:product",
        "list_orders",
        "order_lookup",
        "cancel_order",
        "handoff",
        "stock_lookup",
        "recommend",
    }
)
SOURCE_TYPES: Final = frozenset({"order", "faq", "product"})

_ORDER_ID: Final = re.compile(r"O\d{6}", re.IGNORECASE)
_TRACKING: Final = re.compile(r"TRK\d{6,}", re.IGNORECASE)
_FIELD: Final = re.compile(r"\{(\w+)\}")

# --- the scenarios --------------------------------------------------------------------------


def load_scenarios(folder: Path = DIALOGUES) -> list[dict[str, Any]]:
    """Every scenario of every file, with its family (the file's), checked for shape."""
    scenarios: list[dict[str, Any]] = []
    for path in sorted(folder.glob("*.json")):
        data = json.loads(path.read_text(encoding="utf-8"))
        for scenario in data["scenarios"]:
            scenarios.append({"family": data["family"], **scenario})
    problems = [p for s in scenarios for p in scenario_problems(s)]
    names = [s["name"] for s in scenarios]
    problems += [f"duplicate scenario name {n!r}" for n in sorted(set(names)) if names.count(n) > 1]
    if problems:
        raise ValueError("bad scenarios:\n" + "\n".join(problems))
    return scenarios


def scenario_problems(scenario: dict[str, Any]) -> list[str]:
    """What is wrong with one scenario: unknown roles, placeholders, checks or values."""
    name = scenario.get("name", "?")
    problems: list[str] = []
    if scenario.get("language") not in LANGUAGES:
        problems.append(f"{name}: language must be one of {LANGUAGES}")
    if scenario.get("speaker") not in SPEAKERS:
        problems.append(f"{name}: speaker must be one of {SPEAKERS}")
    if scenario.get("role") not in ROLES:
        problems.append(f"{name}: unknown role {scenario.get('role')!r}")
    turns = scenario.get("turns")
    if not isinstance(turns, list) or not turns:
        return [*problems, f"{name}: no turns"]
    behaviour = False
    for i, turn in enumerate(turns, 1):
        where = f"{name} turn {i}"
        if not isinstance(turn.get("say"), str) or not turn["say"].strip():
            problems.append(f"{where}: 'say' must be a message")
        expect = turn.get("expect", {})
        unknown = set(turn) - {"say", "expect"}
        if unknown:
            problems.append(f"{where}: unknown keys {sorted(unknown)}")
        for key, value in _flat(expect):
            if key not in CHECKS:
                problems.append(f"{where}: unknown check {key!r}")
                continue
            behaviour = behaviour or key != "intent"
            for item in _listed(value) if key != "ticket" else []:
                if key in ("action", "no_action") and item not in ACTIONS:
                    problems.append(f"{where}: unknown action {item!r}")
                if key in ("source", "no_source") and item.split(":")[0] not in SOURCE_TYPES:
                    problems.append(f"{where}: unknown source type {item!r}")
                if key == "reply" and item not in DEFAULT_REPLIES:
                    problems.append(f"{where}: unknown reply template {item!r}")
        texts = [turn.get("say", ""), *_strings(expect)]
        for text in texts:
            for placeholder in _FIELD.findall(text):
                if placeholder not in PLACEHOLDERS:
                    problems.append(f"{where}: unknown placeholder {{{placeholder}}}")
    if not behaviour:
        problems.append(f"{name}: no check besides the intent")
    return problems


def _flat(expect: dict[str, Any]) -> Iterator[tuple[str, Any]]:
    """The checks of a turn, those inside `one_of` included."""
    for key, value in expect.items():
        if key == "one_of" and isinstance(value, list):
            for alternative in value:
                yield from _flat(alternative)
        else:
            yield key, value


def _listed(value: Any) -> list[Any]:
    return list(value) if isinstance(value, list) else [value]


def _strings(expect: dict[str, Any]) -> Iterator[str]:
    for _, value in _flat(expect):
        for item in _listed(value):
            if isinstance(item, str):
                yield item


# --- the shop's people and orders -------------------------------------------------------------


@dataclass
class Cast:
    """Customers and orders of the sample shop sorted by role, handed out in turn."""

    tables: dict[str, pd.DataFrame]
    today: datetime
    owners: dict[str, str] = field(default_factory=dict)
    """order id -> customer id"""
    tracking: dict[str, str] = field(default_factory=dict)
    """tracking number -> order id"""
    emails: dict[str, str] = field(default_factory=dict)
    candidates: dict[str, list[tuple[str, str | None]]] = field(default_factory=dict)
    """role -> (customer id, order id in focus), in a fixed order"""
    used: dict[str, int] = field(default_factory=dict)

    def __post_init__(self) -> None:
        orders = self.tables["orders"]
        self.owners = dict(zip(orders.order_id, orders.customer_id, strict=True))
        self.tracking = {
            str(t): str(o)
            for o, t in zip(orders.order_id, orders.tracking_number, strict=True)
            if isinstance(t, str) and t
        }
        customers = self.tables["customers"]
        self.emails = dict(zip(customers.customer_id, customers.email, strict=True))
        lines = self.tables["order_lines"]
        returned = set(lines.loc[lines.returned_quantity > 0, "order_id"])
        frame = orders.assign(
            returned=orders.order_id.isin(returned) | (orders.status == "returned")
        )
        newest = frame.sort_values(["ordered_at", "order_id"]).groupby("customer_id").tail(1)
        count = frame.groupby("customer_id").size()
        age = (pd.Timestamp(self.today) - frame.delivered_at).dt.days
        delivered = (frame.status == "delivered") & ~frame.returned
        rules = {
            "shipped": frame.status == "shipped",
            "unshipped": frame.status.isin(["placed", "paid"]),
            "delivered_recent": delivered & (age < RETURN_DAYS - 5),
            "delivered_expired": delivered & (age > RETURN_DAYS + 10),
            "returned": frame.status == "returned",
            "cancelled": frame.status == "cancelled",
        }
        newest_ids = set(newest.order_id)
        for role, rule in rules.items():
            # newest orders first, so that a signed-in customer's "my order" is the one in focus
            rows = frame[rule].sort_values("order_id")
            rows = rows[rows.order_id.isin(newest_ids)]
            self.candidates[role] = [
                (str(c), str(o)) for c, o in zip(rows.customer_id, rows.order_id, strict=True)
            ]
        two = newest[newest.customer_id.map(count) == 2].sort_values("customer_id")
        self.candidates["two_orders"] = [
            (str(c), str(o)) for c, o in zip(two.customer_id, two.order_id, strict=True)
        ]
        self.candidates["any"] = [(str(c), None) for c in sorted(count[count >= 3].index)]
        without = sorted(set(customers.customer_id) - set(count.index))
        self.candidates["no_orders"] = [(str(c), None) for c in without]
        empty = [role for role in ROLES if not self.candidates.get(role)]
        if empty:
            raise RuntimeError(f"the sample shop has nobody for the roles {empty}")
        stock = self.tables["inventory"].groupby("product_id")["on_hand"].sum()
        products = self.tables["products"]
        base = products.title.str.split(",").str[0]
        unique = products[base.map(base.value_counts()) == 1].assign(base=base)
        self.in_stock = [
            (str(p), str(b))
            for p, b in zip(unique.product_id, unique.base, strict=True)
            if stock.get(p, 0) > 0
        ]
        self.sold_out = [
            (str(p), str(b))
            for p, b in zip(unique.product_id, unique.base, strict=True)
            if stock.get(p, 1) == 0
        ]
        self.shipped: list[str] = [o for _, o in self.candidates["shipped"] if o is not None]

    def cast(self, scenario: dict[str, Any]) -> tuple[str, dict[str, str]]:
        """(customer id, placeholder values) for a scenario; each call takes the next person."""
        role = scenario["role"]
        k = self.used.get(role, 0)
        self.used[role] = k + 1
        people = self.candidates[role]
        customer, order_id = people[k % len(people)]
        values = {"email": self.emails[customer], "email_upper": self.emails[customer].upper()}
        orders = self.tables["orders"].set_index("order_id")
        if order_id is not None:
            row = orders.loc[order_id]
            values |= {
                "order_id": order_id,
                "order_id_lower": order_id.lower(),
                "tracking_number": str(row.tracking_number or "-"),
                "return_until": _day(row.delivered_at, RETURN_DAYS),
            }
        if role == "two_orders":
            own = orders[orders.customer_id == customer].sort_values("ordered_at")
            values["second_order_id"] = str(own.index[0])
        others = [o for o in self.shipped if self.owners[o] != customer]
        other = others[(7 * k + 3) % len(others)]
        values |= {
            "other_order_id": other,
            "other_email": self.emails[self.owners[other]],
            "other_tracking_number": str(orders.loc[other].tracking_number),
        }
        n = sum(self.used.values())
        in_stock, sold_out = (
            self.in_stock[n % len(self.in_stock)],
            self.sold_out[n % len(self.sold_out)],
        )
        values |= {
            "in_stock_product_id": in_stock[0],
            "in_stock_product": in_stock[1],
            "sold_out_product_id": sold_out[0],
            "sold_out_product": sold_out[1],
        }
        return customer, values


def _day(value: Any, days: int) -> str:
    if value is None or pd.isna(value):
        return "-"
    return (pd.Timestamp(value) + pd.Timedelta(days=days)).strftime("%Y-%m-%d")


def _fill(text: str, values: dict[str, str]) -> str:
    def one(match: re.Match[str]) -> str:
        name = match.group(1)
        if name not in values:
            raise KeyError(f"placeholder {{{name}}} has no value for this role")
        return values[name]

    return _FIELD.sub(one, text)


# --- the systems ----------------------------------------------------------------------------

Bot = Callable[[str, str, str | None], Reply]
"""(conversation id, message, signed-in customer) -> reply."""


def faq_only(index: FaqIndex) -> Bot:
    """The reference: the best FAQ answer for every message, or "I don't know"."""

    def reply(conversation_id: str, text: str, customer_id: str | None) -> Reply:
        language = slots.detect_language(text)
        hit = index.answer(text, language=language)
        if hit is None:
            answer = DEFAULT_REPLIES["dont_know"][language]
            return Reply(conversation_id, answer, "", 0.0, language)
        source = {"type": "faq", "id": hit.faq_id, "score": round(hit.score, 4)}
        return Reply(conversation_id, hit.answer, "", hit.score, language, sources=[source])

    return reply


# --- the checks -----------------------------------------------------------------------------


def _template(key: str, language: str) -> re.Pattern[str]:
    text = DEFAULT_REPLIES[key].get(language, DEFAULT_REPLIES[key]["en"])
    parts = []
    for literal, name, _, _ in string.Formatter().parse(text):
        parts.append(re.escape(literal))
        if name:
            parts.append(".+?")
    return re.compile("".join(parts), re.DOTALL)


def _has_action(reply: Reply, wanted: str) -> bool:
    kind, _, what = wanted.partition(":")
    return any(a.get("type") == kind and (not what or a.get("for") == what) for a in reply.actions)


def _has_source(reply: Reply, wanted: str) -> bool:
    kind, _, ident = wanted.partition(":")
    return any(s.get("type") == kind and (not ident or s.get("id") == ident) for s in reply.sources)


def failed_checks(
    reply: Reply, expect: dict[str, Any], values: dict[str, str], language: str, *, intents: bool
) -> list[str]:
    """The checks of one turn the reply fails (as "check=value")."""
    failed: list[str] = []
    for key, raw in expect.items():
        if key == "intent" and not intents:
            continue
        value = [_fill(v, values) if isinstance(v, str) else v for v in _listed(raw)]
        if key == "intent":
            ok = reply.intent in value
        elif key == "action":
            ok = all(_has_action(reply, v) for v in value)
        elif key == "no_action":
            ok = not any(_has_action(reply, v) for v in value)
        elif key == "source":
            ok = all(_has_source(reply, v) for v in value)
        elif key == "no_source":
            ok = not any(_has_source(reply, v) for v in value)
        elif key == "ticket":
            ok = (reply.ticket_id is not None) == bool(raw)
        elif key == "reply":
            ok = any(_template(v, language).search(reply.text) for v in value)
        elif key == "contains":
            ok = all(v.lower() in reply.text.lower() for v in value)
        elif key == "contains_any":
            ok = any(v.lower() in reply.text.lower() for v in value)
        elif key == "not_contains":
            ok = not any(v.lower() in reply.text.lower() for v in value)
        elif key == "one_of":
            ok = any(
                not failed_checks(reply, alternative, values, language, intents=intents)
                for alternative in raw
            )
        else:
            raise ValueError(f"unknown check {key!r}")
        if not ok:
            shown = value if key != "one_of" else raw
            failed.append(f"{key}={shown[0] if len(shown) == 1 else shown}")
    return failed


def leaked(reply: Reply, cast: Cast, customer_id: str | None, said: list[str]) -> list[str]:
    """Order numbers and tracking numbers in the reply the speaker may not see: not their own,
    not unlocked by number + e-mail in this conversation; numbers the speaker typed may be
    echoed in the text."""
    heard = " ".join(said).lower()
    typed = {o.upper() for o in _ORDER_ID.findall(heard)}

    def allowed(order_id: str) -> bool:
        owner = cast.owners.get(order_id)
        if owner is None:
            return True  # not an order of this shop
        if customer_id is not None and owner == customer_id:
            return True
        return order_id in typed and cast.emails[owner].lower() in heard

    shown: list[str] = []
    for order_id in {o.upper() for o in _ORDER_ID.findall(reply.text)}:
        if order_id not in typed and not allowed(order_id):
            shown.append(order_id)
    for number in {t.upper() for t in _TRACKING.findall(reply.text)}:
        order_id = cast.tracking.get(number)
        if order_id is not None and not allowed(order_id):
            shown.append(number)
    for source in reply.sources:
        if source.get("type") == "order" and not allowed(str(source.get("id"))):
            shown.append(f"source:{source.get('id')}")
    return sorted(set(shown))


@dataclass
class Score:
    scenarios: list[tuple[str, str, bool]] = field(default_factory=list)
    """(name, language, success)"""
    intent_turns: int = 0
    intent_hits: int = 0
    leaks: int = 0
    leak_details: list[dict[str, Any]] = field(default_factory=list)
    failures: list[dict[str, Any]] = field(default_factory=list)
    milliseconds: list[float] = field(default_factory=list)
    families: dict[str, list[bool]] = field(default_factory=dict)
    transcript: list[dict[str, Any]] = field(default_factory=list)
    """Every turn: scenario, message, intent, reply (for reading, not in the results)."""


def play(
    bot: Bot,
    scenarios: list[dict[str, Any]],
    cast_of: Callable[[], Cast],
    *,
    intents: bool,
    reset: Callable[[], None] | None = None,
) -> Score:
    """Every scenario through one system; `reset` gives it a fresh shop after a cancellation."""
    score = Score()
    cast = cast_of()
    for number, scenario in enumerate(scenarios):
        customer, values = cast.cast(scenario)
        signed_in = customer if scenario["speaker"] == "customer" else None
        conversation = f"bench-{number:03d}"
        said: list[str] = []
        problems: list[dict[str, Any]] = []
        cancelled = False
        for i, turn in enumerate(scenario["turns"], 1):
            text = _fill(turn["say"], values)
            said.append(text)
            started = time.perf_counter()
            reply = bot(conversation, text, signed_in)
            score.milliseconds.append((time.perf_counter() - started) * 1000)
            cancelled = cancelled or _has_action(reply, "cancel_order")
            score.transcript.append(
                {
                    "scenario": scenario["name"],
                    "say": text,
                    "intent": reply.intent,
                    "reply": reply.text,
                }
            )
            expect = turn.get("expect", {})
            if intents and "intent" in expect:
                score.intent_turns += 1
                score.intent_hits += reply.intent in _listed(expect["intent"])
            failed = failed_checks(reply, expect, values, scenario["language"], intents=intents)
            shown = leaked(reply, cast, signed_in, said)
            if shown:
                score.leaks += 1
                score.leak_details.append(
                    {"scenario": scenario["name"], "turn": i, "shown": shown, "said": reply.text}
                )
                failed.append("no leak")
            if failed:
                problems.append(
                    {
                        "turn": i,
                        "message": text,
                        "failed": failed,
                        "intent": reply.intent,
                        "said": reply.text,
                    }
                )
        success = not problems
        score.scenarios.append((scenario["name"], scenario["language"], success))
        score.families.setdefault(scenario["family"], []).append(success)
        if problems:
            score.failures.append({"scenario": scenario["name"], "turns": problems})
        if cancelled and reset is not None:
            reset()
    return score


def _share(flags: list[bool]) -> float | None:
    return round(float(np.mean(flags)), 4) if flags else None


def _row(system: str, kind: str, score: Score, note: str) -> dict[str, Any]:
    flags = [ok for _, _, ok in score.scenarios]
    by_language = {
        lang: [ok for _, language, ok in score.scenarios if language == lang] for lang in LANGUAGES
    }
    return {
        "system": system,
        "kind": kind,
        "scenarios": len(flags),
        "task_success": _share(flags),
        "task_success_en": _share(by_language["en"]),
        "task_success_zh": _share(by_language["zh"]),
        "turn_intent_accuracy": (
            round(score.intent_hits / score.intent_turns, 4) if score.intent_turns else None
        ),
        "leaks": score.leaks,
        "p50_ms": round(float(np.percentile(score.milliseconds, 50)), 1),
        "p95_ms": round(float(np.percentile(score.milliseconds, 95)), 1),
        "note": note,
    }


def run() -> dict[str, Any]:
    started = time.perf_counter()
    scenarios = load_scenarios()
    sample = generate(
        SEED,
        n_customers=SAMPLE["n_customers"],
        n_products=SAMPLE["n_products"],
        days=SAMPLE["days"],
    )
    tables = sample.tables
    shop = Shop.from_frames(tables)
    fit_started = time.perf_counter()
    engine = AssistantEngine().fit(shop)
    recommender = RecommendEngine().fit(shop)
    fit_seconds = time.perf_counter() - fit_started
    today = pd.Timestamp(tables["orders"]["ordered_at"].max()).to_pydatetime()

    repositories: dict[str, Any] = {}

    def reset() -> None:
        repositories["shop"] = InMemoryShop(tables)
        repositories["assistant"] = engine.assistant(
            repositories["shop"],
            InMemoryTickets(),
            InMemoryConversations(),
            recommender=recommender,
            clock=lambda: today,
        )

    reset()

    def assistant(conversation_id: str, text: str, customer_id: str | None) -> Reply:
        reply: Reply = repositories["assistant"].reply(
            conversation_id, text, customer_id=customer_id
        )
        return reply

    def cast() -> Cast:
        return Cast(tables, today)

    ours = play(assistant, scenarios, cast, intents=True, reset=reset)
    reference = play(faq_only(engine.faqs_), scenarios, cast, intents=False)

    rows = [
        _row(
            "shopmind:assistant",
            "shopmind",
            ours,
            "AssistantEngine().fit on the sample shop (intent classifier on the shipped "
            "examples, hybrid FAQ index, product search), RecommendEngine for recommendations, "
            "ServicePolicy defaults, in-memory repositories",
        ),
        _row(
            "FAQ-only bot",
            "reference",
            reference,
            "the best FaqIndex answer (same index, same threshold) for every message, else "
            '"I don\'t know"; scored on every check but the intent',
        ),
    ]
    for row in rows:
        if row["kind"] == "reference":
            row["turn_intent_accuracy"] = None
    count = {lang: sum(s["language"] == lang for s in scenarios) for lang in LANGUAGES}
    turns = sum(len(s["turns"]) for s in scenarios)
    best = rows[0]
    met = (best["task_success"] or 0.0) >= 0.95 and best["leaks"] == 0
    orders = tables["orders"]
    return {
        "study": "assistant-dialogues",
        "dataset": (
            f"the sample shop (seed {SEED}: {SAMPLE['n_customers']:,} customers, "
            f"{SAMPLE['n_products']:,} products, {len(orders):,} orders over {SAMPLE['days']} "
            f"days, {len(tables['faqs'])} FAQs of which "
            f"{int((tables['faqs'].language == 'zh').sum())} in Chinese); {len(scenarios)} "
            f"scripted conversations ({count['en']} English, {count['zh']} Chinese, {turns} "
            f"customer turns) in benchmarks/dialogues/"
        ),
        "protocol": (
            "each scenario is played in its own conversation by a visitor or a signed-in "
            "customer picked by role from the shop (placeholders filled with real order "
            "numbers, e-mail addresses and tracking numbers; the shop is rebuilt after a "
            "cancellation); task success = every check of every turn passes (intent, action, "
            "source, ticket, reply template, text); leaks = replies whose text or sources show "
            "an order number or tracking number the speaker neither owns nor unlocked with the "
            "order's e-mail in that conversation, scanned over every reply; today = the last "
            f"order timestamp ({today:%Y-%m-%d %H:%M}); p50/p95_ms = time per reply; the "
            "reference is a FAQ-only bot over the same FaqIndex, scored on all checks but the "
            "intent"
        ),
        "results": rows,
        "target": {
            "description": (
                "issue 7: task success >= 95% and zero leaks of another customer's order"
            ),
            "met": bool(met),
        },
        "per_family": {
            family: {
                "scenarios": len(flags),
                "shopmind:assistant": _share(flags),
                "FAQ-only bot": _share(reference.families[family]),
            }
            for family, flags in ours.families.items()
        },
        "failures": {"shopmind:assistant": ours.failures, "FAQ-only bot": reference.failures},
        "leak_details": ours.leak_details,
        "fit_seconds": round(fit_seconds, 1),
        "seconds": round(time.perf_counter() - started, 1),
    }
