"""The sample shop: a realistic shop generated from a seed, with the truth that was planted in it.

It is the demo shop and the fixture every engine is tested on: an estimator is right when it
recovers what `generate` planted, and `GroundTruth` says what that is. Everything is drawn from
`numpy.random.default_rng` seeded by `seed` (one child generator per step), so a seed always gives
the same shop. The period is `days` days from `start`; "now" is the end of the period.

What is planted (all of it is in `GroundTruth`, the constants below give the values):

Customers
    Four marketing segments (`SEGMENTS`) with different activity (sessions per day), lifetime
    and coupon response. Each customer gets a session rate = segment rate x lognormal noise
    (`activity`) and a lifetime (exponential, segment mean) after which it never comes back on
    its own (`churned_at`; a coupon may still bring it back once). 60% opened an account in the two
    years before `start`, 40% during the period (late sign-ups are cold-start customers). A taste
    vector of dimension `FACTORS` (`user_factors`) mixes the centroids of two favourite categories
    plus noise. The segment itself is not in the data; `attributes` holds an age band and a
    newsletter flag that depend on it (noisy features for uplift models). Names and e-mails are
    fake (`customer00042@example.com`); so are phone numbers and postal addresses, in the format
    of the customer's region (a share of customers leave them empty). All four are personal
    columns: `write` lists them in `personal.json`.
Products
    `CATEGORIES` (12, four of them consumable). Item vector = category centroid + noise
    (`item_factors`), popularity logit ~ N(0, 1) (`popularity`). Base price lognormal around the
    category median, ending in .99 (`base_price`); cost = base price x U(0.45, 0.8). Titles and
    descriptions come from category vocabularies, so text similarity carries category signal.
    65% were listed before `start`, 30% during the period and 5% in the last 30 days (cold items).
    Product ids follow listing order.
Price elasticity
    Per product, category mean (`category_elasticity`) + N(0, 0.35), clipped to [-3, -0.5]
    (`elasticity`). The probability that a view turns into a cart (and so a purchase) is
    proportional to (price that day / base price) ** elasticity. Views do not depend on price, so
    expected purchases per view follow the elasticity exactly (the constants keep every
    probability below 1, so nothing is clipped).
Prices
    A price history per product: spells of 1-5 weeks at a regular level of base x U(0.85, 1.15),
    15% of spells a 5-10 day promotion at a further 15-30% off (`promotion`=1); competitor price
    around the base for 70% of products. Order lines carry the price in force that day.
Sessions and events
    Sessions per customer are a Poisson process at `activity` x weekly x yearly multipliers
    (`weekly` Monday first, `yearly` January first, both with mean 1; `daily` has the expected
    number of sessions per day), between sign-up and churn. A session has 1 + Poisson(2.2) views
    drawn from softmax(user . item + popularity) over the products listed by that day, an optional
    search first (`search_query` from the product's words), carts with probability
    `p_cart` x 2 sigmoid(user . item - `affinity_ref`) x price ratio ** elasticity, purchases with
    `p_buy` of carts, some removes from cart and wish-list adds. 15% of sessions without a purchase
    are anonymous (session_id only). Event `value`: view = dwell seconds, cart, remove and purchase
    = quantity, rating = stars.
Repeat purchases
    In consumable categories a purchase schedules a re-view of the same item in the customer's
    first session after a Gamma gap of mean `replenish_days` x sqrt(quantity); it is bought with
    probability `p_repeat_cart` x price ratio ** elasticity x `p_repeat_buy`, and can schedule the
    next one. Durable products are bought once per customer (exceptions: 5% gifts and coupon
    purchases).
Orders
    One order per session with a purchase; quantity 1-3 (2-3 more often for consumables); the
    unit price is the price in force that day, the discount a redeemed coupon. Orders older than
    shipping plus delivery are delivered; 2% cancelled; lines are returned at a per-category rate
    (`return_rate`, fashion high), which makes the order `returned`; the last few days are placed,
    paid or shipped. About 12% of delivered lines get a rating event that rises with affinity.
Campaigns
    Three coupon campaigns (`campaigns`) sent at midnight at 25%, 50% and 75% of the period. Every
    customer with an account by then is assigned at random (half each) to the coupon arm or
    `CONTROL_ARM`. Within the window of 14 days (a quarter of the period if shorter) from sent_at,
    conversion (any order) gets a planted per-segment uplift (`uplift`: +8, +3, 0 and -2 points
    for the four segments, x 0.75, 1 and 1.25 for the three campaigns): treated customers who would
    not have bought buy once more with a coupon, and treated "sleeping dogs" who would have bought
    are put off. The recorded uplift is the exact expected effect given everyone's untreated
    outcome (capped at what is possible when few would have bought). Treated buyers redeem the
    coupon (a discount on their first order's lines) with probability 0.6.
Inventory and FAQs
    Stock at `DEFAULT_LOCATION` follows recent demand (6% out of stock); FAQs are hand-written, five
    of them in Chinese.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any, Final

import numpy as np
import numpy.typing as npt
import pandas as pd

from shopmind.data import schema

__all__ = [
    "CATEGORIES",
    "COUNTRIES",
    "FAQS",
    "PERSONAL_FILE",
    "SEGMENTS",
    "GroundTruth",
    "SampleShop",
    "generate",
    "read_truth",
    "write",
]

Floats = npt.NDArray[np.floating[Any]]
Ints = npt.NDArray[np.int64]
Bools = npt.NDArray[np.bool_]
Strs = npt.NDArray[np.str_]
Progress = Callable[[str], None]

DAY: Final = 86_400.0
FACTORS: Final = 8
ISO_FORMAT: Final = "%Y-%m-%dT%H:%M:%S"
TRUTH_DIR: Final = "truth"
PERSONAL_FILE: Final = "personal.json"
"""Beside the CSVs: table -> its personal columns (no importer reads it)."""

# Customers ------------------------------------------------------------------------------------

SEGMENTS: Final = ("deal_seekers", "regulars", "loyalists", "sleeping_dogs")
SEGMENT_SHARE: Final = (0.25, 0.35, 0.20, 0.20)
SEGMENT_SESSIONS_PER_DAY: Final = (0.11, 0.13, 0.25, 0.08)
SEGMENT_LIFETIME_DAYS: Final = (600.0, 900.0, 1800.0, 365.0)
SEGMENT_UPLIFT: Final = (0.08, 0.03, 0.0, -0.02)
SEGMENT_OPEN_RATE: Final = (0.45, 0.30, 0.35, 0.10)
SEGMENT_NEWSLETTER: Final = (0.7, 0.5, 0.6, 0.2)
AGE_BANDS: Final = ("18-24", "25-34", "35-44", "45-54", "55-64", "65+")
SEGMENT_AGE_WEIGHTS: Final = (
    (0.30, 0.30, 0.20, 0.10, 0.06, 0.04),
    (0.12, 0.25, 0.25, 0.18, 0.12, 0.08),
    (0.05, 0.15, 0.25, 0.25, 0.18, 0.12),
    (0.10, 0.20, 0.20, 0.20, 0.15, 0.15),
)
REGIONS: Final = ("DE", "FR", "NL", "AT", "BE", "ES", "IT", "PL")
REGION_WEIGHTS: Final = (0.30, 0.18, 0.12, 0.08, 0.07, 0.10, 0.10, 0.05)
FIRST_NAMES: Final = (
    "Anna", "Ben", "Clara", "David", "Elena", "Felix", "Greta", "Hugo", "Ines", "Jonas", "Katrin",
    "Lukas", "Marie", "Noah", "Olivia", "Paul", "Quentin", "Rosa", "Sofia", "Tom", "Ulla",
    "Victor", "Wei", "Xenia", "Yusuf", "Zoe", "Mei", "Li", "Amir", "Lea",
)  # fmt: skip
LAST_NAMES: Final = (
    "Müller", "Schmidt", "Martin", "Bernard", "de Vries", "Jansen", "García", "Rossi", "Nowak",
    "Wagner", "Dubois", "Peeters", "López", "Bianchi", "Kowalski", "Fischer", "Weber", "Chen",
    "Wang", "Öztürk", "Novak", "Hoffmann", "Moreau", "Bakker", "Romano", "Meyer",
)  # fmt: skip


@dataclass(frozen=True)
class _Country:
    """How a region writes phone numbers and addresses; in templates '#' is a random digit and
    '?' a random capital letter."""

    phones: tuple[str, ...]
    streets: tuple[str, ...]
    towns: tuple[tuple[str, str], ...]
    """(postcode template, town)."""
    number_first: bool = False
    """The house number comes before the street name."""


P_NO_PHONE: Final = 0.3
P_NO_ADDRESS: Final = 0.1
COUNTRIES: Final = (  # in REGIONS order
    _Country(
        ("+49 151 ########", "+49 160 #######", "+49 176 ########", "+49 30 ########"),
        ("Hauptstraße", "Lindenstraße", "Bahnhofstraße", "Schillerstraße", "Gartenweg", "Am Markt"),
        (("101##", "Berlin"), ("203##", "Hamburg"), ("803##", "München"), ("506##", "Köln"),
         ("041##", "Leipzig")),
    ),
    _Country(
        ("+33 6 ## ## ## ##", "+33 7 ## ## ## ##", "+33 1 ## ## ## ##"),
        ("rue de la Paix", "avenue Victor Hugo", "rue du Moulin", "boulevard Voltaire",
         "place de l'Église"),
        (("750##", "Paris"), ("690##", "Lyon"), ("130##", "Marseille"), ("310##", "Toulouse"),
         ("440##", "Nantes")),
        number_first=True,
    ),
    _Country(
        ("+31 6 ########", "+31 20 #######"),
        ("Kerkstraat", "Dorpsstraat", "Molenweg", "Stationsweg", "Prinsengracht"),
        (("10## ??", "Amsterdam"), ("30## ??", "Rotterdam"), ("35## ??", "Utrecht"),
         ("25## ??", "Den Haag")),
    ),
    _Country(
        ("+43 664 #######", "+43 676 #######", "+43 1 #######"),
        ("Hauptstraße", "Kirchengasse", "Bahnhofstraße", "Schulgasse", "Ringstraße"),
        (("1##0", "Wien"), ("80##", "Graz"), ("50##", "Salzburg"), ("60##", "Innsbruck")),
    ),
    _Country(
        ("+32 470 ## ## ##", "+32 486 ## ## ##", "+32 2 ### ## ##"),
        ("Rue de la Station", "Kerkstraat", "Rue Haute", "Stationsstraat", "Avenue Louise"),
        (("10##", "Bruxelles"), ("20##", "Antwerpen"), ("90##", "Gent"), ("40##", "Liège")),
    ),
    _Country(
        ("+34 6## ### ###", "+34 7## ### ###", "+34 91 ### ## ##"),
        ("Calle Mayor", "Calle Real", "Avenida de la Constitución", "Calle del Sol",
         "Plaza de España"),
        (("280##", "Madrid"), ("080##", "Barcelona"), ("460##", "Valencia"), ("410##", "Sevilla")),
    ),
    _Country(
        ("+39 3## ### ####", "+39 06 #### ####", "+39 02 #### ####"),
        ("Via Roma", "Via Garibaldi", "Corso Italia", "Via Dante", "Piazza Mazzini"),
        (("001##", "Roma"), ("201##", "Milano"), ("801##", "Napoli"), ("101##", "Torino")),
    ),
    _Country(
        ("+48 5## ### ###", "+48 6## ### ###", "+48 22 ### ## ##"),
        ("ul. Długa", "ul. Polna", "ul. Lipowa", "ul. Kościuszki", "ul. Ogrodowa"),
        (("00-###", "Warszawa"), ("30-###", "Kraków"), ("50-###", "Wrocław"), ("80-###", "Gdańsk")),
    ),
)  # fmt: skip
assert len(COUNTRIES) == len(REGIONS)


# Seasonality: multipliers of the session rate, each with mean 1.
_WEEKLY_RAW: Final = (0.92, 0.90, 0.93, 0.95, 1.00, 1.22, 1.16)
_YEARLY_RAW: Final = (0.92, 0.86, 0.95, 1.00, 1.00, 0.90, 0.80, 0.80, 0.96, 1.00, 1.22, 1.55)
_HOURLY_RAW: Final = (
    0.25, 0.12, 0.06, 0.04, 0.04, 0.08, 0.25, 0.55, 0.85, 1.00, 1.05, 1.10,
    1.20, 1.10, 1.00, 1.00, 1.10, 1.30, 1.60, 1.90, 2.00, 1.80, 1.20, 0.60,
)  # fmt: skip

# Behaviour -----------------------------------------------------------------------------------

MEAN_EXTRA_VIEWS: Final = 2.2
P_SEARCH: Final = 0.3
P_ANONYMOUS: Final = 0.15
P_CART: Final = 0.09
AFFINITY_REF: Final = 1.0
P_BUY: Final = 0.5
P_REMOVE: Final = 0.4
P_WISHLIST: Final = 0.02
P_REPEAT_CART: Final = 0.18
P_REPEAT_BUY: Final = 0.8
P_GIFT: Final = 0.05
P_CANCEL: Final = 0.02
P_RATING: Final = 0.12
P_REDEEM: Final = 0.6
QTY_DURABLE: Final = (0.75, 0.18, 0.07)
QTY_CONSUMABLE: Final = (0.50, 0.30, 0.20)

# Prices --------------------------------------------------------------------------------------

P_PROMOTION: Final = 0.15
REGULAR_RANGE: Final = (0.85, 1.15)
PROMOTION_RANGE: Final = (0.70, 0.85)
ELASTICITY_NOISE: Final = 0.35
ELASTICITY_RANGE: Final = (-3.0, -0.5)
PRICE_SIGMA: Final = 0.45
P_COMPETITOR: Final = 0.7

# Campaigns -----------------------------------------------------------------------------------

CAMPAIGN_WINDOW_DAYS: Final = 14
"""Conversion window; shorter (a quarter of the period) when the period is under 56 days."""
TREATMENT_SHARE: Final = 0.5
# (campaign_id, arm, coupon discount, position in the period, uplift scale)
CAMPAIGN_PLAN: Final = (
    ("cmp-01", "coupon10", 0.10, 0.25, 0.75),
    ("cmp-02", "coupon15", 0.15, 0.50, 1.00),
    ("cmp-03", "coupon20", 0.20, 0.75, 1.25),
)


@dataclass(frozen=True)
class _Category:
    name: str
    median_price: float
    elasticity: float
    consumable: bool
    replenish_days: float
    return_rate: float
    brands: tuple[str, ...]
    nouns: tuple[str, ...]
    adjectives: tuple[str, ...]
    features: tuple[str, ...]
    uses: tuple[str, ...]
    variant_key: str
    variants: tuple[str, ...]


_COLOURS = ("black", "white", "grey", "navy", "red", "green", "beige", "blue")

CATEGORIES: Final = (
    _Category(
        "electronics/audio", 79.0, -1.6, False, 0.0, 0.04,
        ("Sonara", "Aurix", "Beatline", "Klangwerk", "Tonic"),
        ("headphones", "earbuds", "bluetooth speaker", "soundbar", "turntable", "headset"),
        ("wireless", "noise-cancelling", "portable", "studio", "compact", "waterproof"),
        ("bluetooth 5.3", "a 30-hour battery", "usb-c charging", "a built-in microphone",
         "deep bass", "multipoint pairing"),
        ("commuting", "music at home", "calls and meetings", "travel"),
        "color", _COLOURS,
    ),
    _Category(
        "electronics/accessories", 19.0, -2.2, False, 0.0, 0.03,
        ("Voltix", "Cablo", "Chargeon", "Shieldy", "Linkup"),
        ("phone case", "usb-c cable", "fast charger", "power bank", "screen protector",
         "laptop sleeve"),
        ("slim", "rugged", "braided", "magnetic", "fast-charging", "tempered"),
        ("drop protection", "65 w output", "a 2 m length", "10000 mah capacity",
         "scratch resistance", "a lifetime warranty"),
        ("phones", "laptops", "tablets", "travel"),
        "color", _COLOURS,
    ),
    _Category(
        "home/kitchen", 45.0, -1.4, False, 0.0, 0.03,
        ("Kochwerk", "Panelle", "Cucina", "Steelcraft", "Homely"),
        ("frying pan", "knife set", "electric kettle", "blender", "cutting board", "dutch oven"),
        ("non-stick", "stainless", "cast-iron", "professional", "ergonomic", "induction-ready"),
        ("a ceramic coating", "dishwasher-safe parts", "a soft-grip handle", "1.7 l capacity",
         "rust-free steel", "even heat distribution"),
        ("everyday cooking", "meal prep", "baking", "family dinners"),
        "color", _COLOURS,
    ),
    _Category(
        "home/decor", 32.0, -1.2, False, 0.0, 0.05,
        ("Nordhus", "Lumea", "Casa Verde", "Wabi", "Atelier 9"),
        ("vase", "cushion", "candle holder", "wall art", "throw blanket", "table lamp"),
        ("handmade", "minimalist", "velvet", "ceramic", "scandinavian", "rustic"),
        ("natural materials", "a hand-painted finish", "a soft knit", "a warm glow",
         "a matte glaze", "recycled fibres"),
        ("the living room", "the bedroom", "gifts", "cosy evenings"),
        "color", _COLOURS,
    ),
    _Category(
        "fashion/shoes", 85.0, -1.8, False, 0.0, 0.15,
        ("Stride", "Peakform", "Urbano", "Trailfox", "Solea"),
        ("running shoes", "sneakers", "ankle boots", "sandals", "loafers", "hiking boots"),
        ("lightweight", "leather", "cushioned", "breathable", "waterproof", "classic"),
        ("a cushioned sole", "a breathable mesh upper", "a non-slip outsole",
         "full-grain leather", "arch support", "a removable insole"),
        ("running", "city walks", "the office", "hiking"),
        "size", ("37", "38", "39", "40", "41", "42", "43", "44", "45"),
    ),
    _Category(
        "fashion/apparel", 39.0, -1.9, False, 0.0, 0.12,
        ("Linnea", "Northwear", "Basico", "Urbano", "Cotton Club"),
        ("t-shirt", "hoodie", "jeans", "rain jacket", "summer dress", "merino sweater"),
        ("organic", "oversized", "slim-fit", "relaxed", "recycled", "lightweight"),
        ("organic cotton", "a relaxed fit", "merino wool", "a water-repellent finish",
         "stretch denim", "reinforced seams"),
        ("everyday wear", "layering", "the weekend", "rainy days"),
        "size", ("XS", "S", "M", "L", "XL", "XXL"),
    ),
    _Category(
        "sports/outdoor", 49.0, -1.5, False, 0.0, 0.05,
        ("Peakform", "Trailfox", "Alpina", "Flexo", "Wildcamp"),
        ("yoga mat", "dumbbell set", "camping tent", "water bottle", "hiking backpack",
         "resistance bands"),
        ("non-slip", "adjustable", "ultralight", "insulated", "durable", "foldable"),
        ("a non-slip surface", "adjustable weights", "a 2-person capacity",
         "double-wall insulation", "a 30 l volume", "rip-stop fabric"),
        ("home workouts", "camping", "the gym", "day hikes"),
        "color", _COLOURS,
    ),
    _Category(
        "toys/games", 29.0, -1.3, False, 0.0, 0.03,
        ("Playfox", "Brixel", "Tinytown", "Puzzlo", "Meeple & Co"),
        ("board game", "jigsaw puzzle", "building set", "plush toy", "card game", "wooden train"),
        ("family", "strategy", "educational", "cuddly", "cooperative", "classic"),
        ("2-6 players", "1000 pieces", "350 bricks", "safe materials", "quick rules",
         "a 30-minute play time"),
        ("game nights", "kids aged 6+", "rainy afternoons", "birthday gifts"),
        "color", _COLOURS,
    ),
    _Category(
        "grocery/coffee-tea", 11.0, -2.5, True, 21.0, 0.01,
        ("Kaffeehaus", "Bean & Leaf", "Roastery 21", "Teahouse", "Crema"),
        ("coffee beans", "ground coffee", "espresso pods", "green tea", "herbal tea", "chai"),
        ("dark-roast", "single-origin", "organic", "decaf", "fair-trade", "loose-leaf"),
        ("notes of chocolate", "a medium roast", "arabica beans", "sencha leaves",
         "no added sugar", "a rich crema"),
        ("espresso machines", "filter coffee", "a calm evening", "the morning cup"),
        "pack", ("250 g", "500 g", "1 kg", "20 bags", "40 pods"),
    ),
    _Category(
        "beauty/skincare", 24.0, -1.7, True, 40.0, 0.02,
        ("Dermaline", "Purelle", "Glowé", "Skinfolk", "Aqualis"),
        ("moisturiser", "cleanser", "face serum", "sunscreen", "sheet mask", "eye cream"),
        ("hydrating", "fragrance-free", "vitamin c", "spf 50", "gentle", "anti-ageing"),
        ("hyaluronic acid", "niacinamide", "no parabens", "a lightweight texture",
         "dermatologist testing", "vitamin e"),
        ("dry skin", "sensitive skin", "daily care", "sunny days"),
        "pack", ("30 ml", "50 ml", "100 ml", "200 ml"),
    ),
    _Category(
        "pets/food", 32.0, -2.0, True, 30.0, 0.01,
        ("Happy Paws", "Whiskerz", "Canido", "Felina", "Petfarm"),
        ("dry dog food", "wet cat food", "dog treats", "kitten food", "cat litter", "puppy food"),
        ("grain-free", "high-protein", "senior", "salmon", "chicken", "sensitive"),
        ("real meat as the first ingredient", "added vitamins", "no artificial colours",
         "omega-3", "clumping granules", "a resealable bag"),
        ("dogs", "cats", "puppies", "kittens"),
        "pack", ("1 kg", "2 kg", "5 kg", "12 x 85 g", "10 l"),
    ),
    _Category(
        "household/cleaning", 8.0, -2.8, True, 35.0, 0.01,
        ("Sparkl", "Clean Co", "Ecowash", "Frisch", "Brilliant"),
        ("dish soap", "laundry detergent", "all-purpose cleaner", "sponges", "bin bags",
         "glass cleaner"),
        ("eco", "concentrated", "lemon", "unscented", "extra-strong", "plant-based"),
        ("plant-based surfactants", "a fresh lemon scent", "a refill pack", "30 washes",
         "streak-free shine", "recycled plastic"),
        ("the kitchen", "laundry day", "bathrooms", "a quick clean"),
        "pack", ("500 ml", "1 l", "2 l", "10 pack", "30 washes"),
    ),
)  # fmt: skip

# FAQs ----------------------------------------------------------------------------------------

FAQS: Final[tuple[tuple[str, str, str, str], ...]] = (
    ("How long does delivery take?",
     "Orders placed before 2 pm on a working day leave our warehouse the same day. Standard "
     "delivery takes 2-4 working days, express delivery 1-2 working days.",
     "shipping,delivery", "en"),
    ("How much does shipping cost?",
     "Standard shipping is free from 49 EUR; below that it costs 4.95 EUR. Express shipping costs "
     "9.95 EUR whatever the order value.",
     "shipping,cost", "en"),
    ("Do you ship abroad?",
     "We ship to Germany, France, the Netherlands, Austria, Belgium, Spain, Italy and Poland. "
     "Delivery abroad takes 3-7 working days.",
     "shipping,international", "en"),
    ("How can I track my order?",
     "As soon as your order has shipped we send you an e-mail with the tracking number. You can "
     "also see it under 'My orders' in your account.",
     "shipping,tracking,orders", "en"),
    ("Can I change or cancel my order?",
     "You can cancel an order or change the address until it has been shipped: open 'My orders' "
     "and choose 'Cancel' or contact us. Once shipped, please return it instead.",
     "orders,cancel", "en"),
    ("What is your return policy?",
     "You can return any unused item within 30 days of delivery. Food, opened cosmetics and "
     "hygiene products can only be returned if they are sealed.",
     "returns,policy", "en"),
    ("How do I return an item?",
     "Go to 'My orders', choose the order and 'Return items', and print the free return label. "
     "Pack the items in their original packaging and drop the parcel at any post office.",
     "returns,label", "en"),
    ("When will I get my refund?",
     "We refund within 5 working days of receiving your return, to the payment method you used. "
     "Your bank may need a few more days to show it.",
     "refunds,returns,payment", "en"),
    ("Which payment methods do you accept?",
     "We accept credit and debit cards (Visa, Mastercard, American Express), PayPal, Apple Pay, "
     "Google Pay, bank transfer and invoice for returning customers.",
     "payment", "en"),
    ("My payment failed. What should I do?",
     "Check the card details and that your bank allows online payments, then try again or choose "
     "another payment method. Your order is kept for 24 hours.",
     "payment,problems", "en"),
    ("Is it safe to pay on your site?",
     "Yes. Payments are encrypted and handled by certified payment providers; we never store your "
     "full card number.",
     "payment,security", "en"),
    ("How do I create an account?",
     "Click 'Sign in' and then 'Create account', enter your e-mail address and choose a password. "
     "You can also create one at checkout.",
     "account", "en"),
    ("I forgot my password.",
     "Click 'Sign in' and 'Forgot password?'. We send you a link to set a new password; it is "
     "valid for one hour.",
     "account,password", "en"),
    ("How do I delete my account?",
     "Write to privacy@example.com from the address of your account. We delete your personal data "
     "within 30 days, except what we must keep for invoices.",
     "account,privacy", "en"),
    ("How do I use a coupon code?",
     "Enter the code in the field 'Coupon code' in your basket and click 'Apply'. One coupon per "
     "order; coupons cannot be exchanged for cash.",
     "coupons,discounts", "en"),
    ("Why does my coupon not work?",
     "Coupons have an end date and sometimes a minimum order value or excluded categories. Check "
     "the conditions in the e-mail you received, or ask us and we will help.",
     "coupons,problems", "en"),
    ("How do I find my size?",
     "Every shoe and clothing page has a size chart. If you are between two sizes we recommend the "
     "larger one; exchanges for another size are free.",
     "sizes,fashion", "en"),
    ("Is this product in stock?",
     "The product page shows the stock level. If an item is sold out, click 'Notify me' and we "
     "e-mail you when it is back.",
     "stock,products", "en"),
    ("Can I subscribe to regular deliveries?",
     "Yes, coffee, tea, pet food, skincare and cleaning products can be ordered as a subscription "
     "every 2, 4 or 8 weeks with 5% off. You can pause or cancel at any time.",
     "subscriptions,consumables", "en"),
    ("My item arrived damaged.",
     "We are sorry! Send us a photo within 14 days through the contact form and we will send a "
     "replacement or refund you at once; you do not need to return it.",
     "returns,damaged,complaints", "en"),
    ("怎样查询我的订单物流？",
     "订单发货后，我们会通过电子邮件发送快递单号。您也可以在账户的“我的订单”中查看物流状态。",
     "shipping,tracking,orders", "zh"),
    ("退货政策是什么？",
     "收到商品后30天内，未使用的商品可以退货。食品、已开封的化妆品和个人护理用品需保持密封才能退货。",
     "returns,policy", "zh"),
    ("退款需要多长时间？",
     "我们收到退货后5个工作日内退款，原路退回到您的付款方式。银行入账可能还需要几天。",
     "refunds,returns,payment", "zh"),
    ("支持哪些付款方式？",
     "我们支持信用卡和借记卡（Visa、Mastercard、American Express）、"
     "PayPal、Apple Pay、Google Pay 和银行转账。",
     "payment", "zh"),
    ("优惠券怎么使用？",
     "在购物车的“优惠码”一栏输入优惠码并点击“使用”。每个订单限用一张优惠券，优惠券不能兑换现金。",
     "coupons,discounts", "zh"),
)  # fmt: skip


# The truth ----------------------------------------------------------------------------------


@dataclass(frozen=True, eq=False)
class GroundTruth:
    """What `generate` planted; `write` stores it and `read_truth` reads it back."""

    seed: int
    n_customers: int
    n_products: int
    start: str
    """First day of the period, ISO date."""
    days: int
    segments: tuple[str, ...]
    consumable_categories: tuple[str, ...]
    weekly: tuple[float, ...]
    """Session-rate multipliers Monday..Sunday, mean 1."""
    yearly: tuple[float, ...]
    """Session-rate multipliers January..December, mean 1."""
    hourly: tuple[float, ...]
    """Share of sessions starting in each hour of the day."""
    category_elasticity: dict[str, float]
    replenish_days: dict[str, float]
    return_rate: dict[str, float]
    params: dict[str, float]
    """Behaviour constants (funnel probabilities and the like)."""
    campaigns: pd.DataFrame
    """campaign_id, treatment, discount, sent_at, window_days, treatment_share."""
    uplift: pd.DataFrame
    """campaign_id, segment, uplift: planted effect on conversion in the window, in probability."""
    elasticity: pd.Series
    base_price: pd.Series
    popularity: pd.Series
    item_factors: pd.DataFrame
    segment: pd.Series
    activity: pd.Series
    """Natural sessions per day (before seasonal multipliers)."""
    churned_at: pd.Series
    user_factors: pd.DataFrame
    daily: pd.DataFrame
    """date, weekly, yearly, multiplier, active_rate, expected_sessions (natural sessions)."""

    def equals(self, other: object) -> bool:
        """True when every field of `other` is the same (frames and series exactly)."""
        if not isinstance(other, GroundTruth):
            return False
        return all(_same(getattr(self, f.name), getattr(other, f.name)) for f in fields(self))


def _same(a: object, b: object) -> bool:
    try:
        if isinstance(a, pd.DataFrame) and isinstance(b, pd.DataFrame):
            pd.testing.assert_frame_equal(a, b, check_exact=True)
        elif isinstance(a, pd.Series) and isinstance(b, pd.Series):
            pd.testing.assert_series_equal(a, b, check_exact=True)
        else:
            return a == b
    except AssertionError:
        return False
    return True


@dataclass(frozen=True)
class SampleShop:
    """The canonical tables of the sample shop and the truth planted in them."""

    tables: dict[str, pd.DataFrame]
    truth: GroundTruth


# Generation ---------------------------------------------------------------------------------

_STEPS: Final = (
    "customers",
    "products",
    "prices",
    "sessions",
    "browsing",
    "repeat purchases",
    "campaigns",
    "orders",
    "events",
    "inventory",
    "faqs",
    "contacts",  # last, so that adding it left the other steps' streams as they were
)


def generate(
    seed: int = 42,
    *,
    n_customers: int = 3000,
    n_products: int = 1200,
    start: str = "2024-01-01",
    days: int = 730,
    progress: Progress | None = None,
) -> SampleShop:
    """Generate the sample shop for `seed`; `progress` is told the name of each step."""
    if n_customers < 10 or n_products < 10 or days < 30:
        raise ValueError("the sample shop needs n_customers >= 10, n_products >= 10, days >= 30")
    origin = pd.Timestamp(start)
    if origin != origin.normalize():
        raise ValueError(f"start must be a date, got {start!r}")
    rngs = dict(
        zip(
            _STEPS,
            (np.random.default_rng(s) for s in np.random.SeedSequence(seed).spawn(len(_STEPS))),
            strict=True,
        )
    )

    def step(name: str) -> np.random.Generator:
        if progress is not None:
            progress(name)
        return rngs[name]

    cal = _Calendar.build(origin, days)
    cust = _make_customers(step("customers"), n_customers, days)
    prod = _make_products(step("products"), n_products, days)
    prices = _make_prices(step("prices"), prod, days)
    sess = _make_sessions(step("sessions"), cust, cal)
    views = _browse(step("browsing"), sess, cust, prod, prices)
    views = _repeat_purchases(step("repeat purchases"), views, sess, prod, prices, cal)
    plan = _run_campaigns(step("campaigns"), views, sess, cust, prod, prices, cal)
    views, sess = plan.views, plan.sessions
    orders = _make_orders(step("orders"), views, sess, cust, prod, prices, cal)
    events = _make_events(step("events"), views, sess, orders, cust, prod, cal)
    inventory = _make_inventory(step("inventory"), orders, prod, cal)
    contacts = _make_contacts(step("contacts"), cust.region)
    step("faqs")
    tables = {
        "products": prod.frame(prices, cal),
        "customers": cust.frame(cal, contacts),
        "orders": orders.orders,
        "order_lines": orders.lines,
        "events": events,
        "prices": prices.frame(prod, cal),
        "inventory": inventory,
        "campaigns": _campaign_frame(plan, orders, cust, cal),
        "faqs": _faq_frame(),
    }
    truth = _truth(seed, cust, prod, plan, cal)
    return SampleShop(tables=tables, truth=truth)


@dataclass(frozen=True)
class _Calendar:
    origin: pd.Timestamp
    days: int
    dow: Ints
    month: Ints
    weekly: Floats
    yearly: Floats
    hourly: Floats
    season: Floats
    """weekly x yearly multiplier of each day."""

    @classmethod
    def build(cls, origin: pd.Timestamp, days: int) -> _Calendar:
        dates = pd.date_range(origin, periods=days, freq="D")
        dow = np.asarray(dates.day_of_week, dtype=np.int64)
        month = np.asarray(dates.month, dtype=np.int64) - 1
        weekly = np.asarray(_WEEKLY_RAW) / np.mean(_WEEKLY_RAW)
        yearly = np.asarray(_YEARLY_RAW) / np.mean(_YEARLY_RAW)
        hourly = np.asarray(_HOURLY_RAW) / np.sum(_HOURLY_RAW)
        season = weekly[dow] * yearly[month]
        return cls(origin, days, dow, month, weekly, yearly, hourly, season)

    @property
    def now(self) -> float:
        """The end of the period, in seconds from the origin."""
        return self.days * DAY

    def stamps(self, seconds: Floats) -> pd.Series:
        """Whole-second timestamps (NaT for NaN) from seconds after the origin."""
        whole = np.floor(seconds)
        delta = pd.to_timedelta(whole, unit="s")
        return pd.Series(self.origin + delta, dtype="datetime64[us]")


def _ids(prefix: str, n: int, width: int = 5) -> Strs:
    return _numbered(prefix, np.arange(1, n + 1), max(width, len(str(n))))


def _numbered(prefix: str, numbers: Ints, width: int) -> Strs:
    """prefix + zero-padded numbers."""
    if len(numbers) == 0:  # np.strings.zfill fails on empty arrays
        return np.asarray([], dtype=str)
    return np.strings.add(prefix, np.strings.zfill(numbers.astype(str), width))


def _choice(rng: np.random.Generator, weights: Sequence[float], size: int) -> Ints:
    p = np.asarray(weights, dtype=np.float64)
    return rng.choice(len(p), size=size, p=p / p.sum()).astype(np.int64)


def _charm(x: Floats) -> Floats:
    """Shop prices: .99 endings above 10, .x9 below."""
    high = np.round(x) - 0.01
    low = np.round(x * 10.0) / 10.0 - 0.01
    return np.round(np.maximum(np.where(x >= 10.0, high, low), 0.49), 2)


def _json_objects(keys: Sequence[str], values: Sequence[Strs]) -> Strs:
    """One JSON object per row from string columns (values must need no escaping)."""
    out: Strs = np.full(len(values[0]), "{")
    for i, (key, col) in enumerate(zip(keys, values, strict=True)):
        sep = "" if i == 0 else ", "
        out = np.strings.add(np.strings.add(out, f'{sep}"{key}": '), col)
    return np.strings.add(out, "}")


def _quote(values: Strs) -> Strs:
    return np.strings.add(np.strings.add('"', values), '"')


# Customers ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Customers:
    ids: Strs
    segment: Ints
    rate: Floats
    created: Floats
    """Days from the origin (negative: before the period)."""
    churn: Floats
    factors: Floats
    region: Ints
    age_band: Ints
    newsletter: Bools
    first_name: Ints
    last_name: Ints

    @property
    def n(self) -> int:
        return len(self.ids)

    @property
    def first_day(self) -> Ints:
        """First day with a session: the day after sign-up, at the earliest day 0."""
        return np.maximum(np.floor(self.created).astype(np.int64) + 1, 0)

    def frame(self, cal: _Calendar, contacts: _Contacts) -> pd.DataFrame:
        numbers = np.strings.slice(self.ids, 1, None)
        names = np.strings.add(
            np.strings.add(np.asarray(FIRST_NAMES)[self.first_name], " "),
            np.asarray(LAST_NAMES)[self.last_name],
        )
        attributes = _json_objects(
            ("age_band", "newsletter"),
            (
                _quote(np.asarray(AGE_BANDS)[self.age_band]),
                np.where(self.newsletter, "true", "false"),
            ),
        )
        return pd.DataFrame(
            {
                "customer_id": self.ids,
                "email": np.strings.add(np.strings.add("customer", numbers), "@example.com"),
                "name": names,
                "phone": contacts.phone,
                "address": contacts.address,
                "created_at": cal.stamps(self.created * DAY),
                "region": np.asarray(REGIONS)[self.region],
                "attributes": attributes,
            }
        )


def _make_customers(rng: np.random.Generator, n: int, days: int) -> _Customers:
    segment = _choice(rng, SEGMENT_SHARE, n)
    sigma = 0.6
    rate = np.asarray(SEGMENT_SESSIONS_PER_DAY)[segment] * rng.lognormal(-(sigma**2) / 2, sigma, n)
    late = rng.random(n) < 0.4
    # late sign-ups spread over the period, the others over the two years before it
    created = np.where(late, rng.uniform(0.0, days, n), rng.uniform(-730.0, 0.0, n))
    lifetime = rng.exponential(np.asarray(SEGMENT_LIFETIME_DAYS)[segment])
    centroids = _centroids()
    favourite = rng.integers(0, len(CATEGORIES), (n, 2))
    factors = (
        0.5 * centroids[favourite[:, 0]]
        + 0.3 * centroids[favourite[:, 1]]
        + rng.normal(0.0, 0.25, (n, FACTORS))
    )
    age = np.empty(n, dtype=np.int64)
    u = rng.random(n)
    for s, weights in enumerate(SEGMENT_AGE_WEIGHTS):
        cum = np.cumsum(weights) / np.sum(weights)
        age = np.where(segment == s, np.minimum(np.searchsorted(cum, u), len(cum) - 1), age)
    return _Customers(
        ids=_ids("C", n),
        segment=segment,
        rate=rate,
        created=created,
        churn=created + lifetime,
        factors=factors,
        region=_choice(rng, REGION_WEIGHTS, n),
        age_band=age,
        newsletter=rng.random(n) < np.asarray(SEGMENT_NEWSLETTER)[segment],
        first_name=rng.integers(0, len(FIRST_NAMES), n),
        last_name=rng.integers(0, len(LAST_NAMES), n),
    )


@dataclass(frozen=True)
class _Contacts:
    phone: pd.Series
    """Missing for customers who gave none."""
    address: pd.Series


def _make_contacts(rng: np.random.Generator, region: Ints) -> _Contacts:
    """Fake phone numbers and postal addresses in the format of each customer's region."""
    n = len(region)

    def pick(options: Sequence[Sequence[Any]]) -> Ints:
        """Per customer, the flat index of a uniform choice among its region's options."""
        counts = np.asarray([len(o) for o in options], dtype=np.int64)
        offsets = np.concatenate([[0], np.cumsum(counts)[:-1]])
        return offsets[region] + np.floor(rng.random(n) * counts[region]).astype(np.int64)

    phones = np.asarray([t for c in COUNTRIES for t in c.phones])
    streets = np.asarray([s for c in COUNTRIES for s in c.streets])
    towns = [t for c in COUNTRIES for t in c.towns]
    phone = _fill(rng, phones[pick([c.phones for c in COUNTRIES])])
    street = streets[pick([c.streets for c in COUNTRIES])]
    town = pick([c.towns for c in COUNTRIES])
    postcode = _fill(rng, np.asarray([t[0] for t in towns])[town])
    number = rng.integers(1, 120, n).astype(str)
    first = np.asarray([c.number_first for c in COUNTRIES])[region]
    line = np.where(first, _join(number, " ", street), _join(street, " ", number))
    address = _join(line, ", ", postcode, " ", np.asarray(towns)[town, 1])
    no_phone = rng.random(n) < P_NO_PHONE
    no_address = rng.random(n) < P_NO_ADDRESS
    return _Contacts(
        phone=pd.Series(phone, dtype="str").mask(no_phone),
        address=pd.Series(address, dtype="str").mask(no_address),
    )


def _fill(rng: np.random.Generator, templates: Strs) -> Strs:
    """Templates with each '#' replaced by a random digit and each '?' by a random capital."""
    width = max(int(np.strings.str_len(templates).max(initial=0)), 1)
    chars = templates.astype(f"<U{width}").view("<U1").reshape(len(templates), width)
    digits = np.asarray(list("0123456789"))[rng.integers(0, 10, chars.shape)]
    letters = np.asarray(list("ABCDEFGHIJKLMNOPQRSTUVWXYZ"))[rng.integers(0, 26, chars.shape)]
    chars = np.where(chars == "#", digits, np.where(chars == "?", letters, chars))
    # back to one string per row; the padding (empty characters) falls away
    return np.ascontiguousarray(chars, dtype="<U1").view(f"<U{width}").ravel()


def _centroids() -> Floats:
    """Category centroids in taste space: fixed (the same for every seed), like the categories."""
    return np.random.default_rng(20240101).normal(0.0, 0.7, (len(CATEGORIES), FACTORS))


# Products -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Products:
    ids: Strs
    category: Ints
    brand: Strs
    title: Strs
    description: Strs
    attributes: Strs
    noun: Strs
    adjective: Strs
    created: Floats
    base_price: Floats
    cost: Floats
    elasticity: Floats
    factors: Floats
    popularity: Floats

    @property
    def n(self) -> int:
        return len(self.ids)

    @property
    def listed_day(self) -> Ints:
        """First day the product can be seen: the day after listing."""
        return np.floor(self.created).astype(np.int64) + 1

    @property
    def consumable(self) -> Bools:
        return np.asarray([c.consumable for c in CATEGORIES])[self.category]

    def frame(self, prices: _Prices, cal: _Calendar) -> pd.DataFrame:
        return pd.DataFrame(
            {
                "product_id": self.ids,
                "title": self.title,
                "description": self.description,
                "category": np.asarray([c.name for c in CATEGORIES])[self.category],
                "brand": self.brand,
                "price": prices.matrix[:, -1],
                "cost": self.cost,
                "created_at": cal.stamps(self.created * DAY),
                "attributes": self.attributes,
            }
        )


def _make_products(rng: np.random.Generator, n: int, days: int) -> _Products:
    n_new = max(1, round(0.05 * n))
    n_old = max(1, round(0.65 * n))
    n_mid = n - n_new - n_old
    created = np.sort(
        np.concatenate(
            [
                rng.uniform(-365.0, 0.0, n_old),
                rng.uniform(0.0, days - 30.0, n_mid),
                rng.uniform(days - 30.0, days - 1.0, n_new),
            ]
        )
    )
    category = rng.permutation(np.arange(n) % len(CATEGORIES)).astype(np.int64)
    centroids = _centroids()
    factors = centroids[category] + rng.normal(0.0, 0.35, (n, FACTORS))
    popularity = rng.normal(0.0, 1.0, n)
    median = np.asarray([c.median_price for c in CATEGORIES])[category]
    base_price = _charm(median * rng.lognormal(0.0, PRICE_SIGMA, n))
    cost = np.round(base_price * rng.uniform(0.45, 0.8, n), 2)
    mean_e = np.asarray([c.elasticity for c in CATEGORIES])[category]
    elasticity = np.clip(mean_e + rng.normal(0.0, ELASTICITY_NOISE, n), *ELASTICITY_RANGE)
    # words: one pick per product from its category's vocabularies
    picks = {
        name: rng.integers(0, 1 << 30, n)
        for name in ("brand", "noun", "adj", "f1", "f2", "use", "variant")
    }
    chosen = {k: np.empty(n, dtype=object) for k in picks}
    keys = np.empty(n, dtype=object)
    for c, spec in enumerate(CATEGORIES):
        m = category == c
        vocab = {
            "brand": spec.brands,
            "noun": spec.nouns,
            "adj": spec.adjectives,
            "f1": spec.features,
            "f2": spec.features,
            "use": spec.uses,
            "variant": spec.variants,
        }
        for k, options in vocab.items():
            pick = picks[k][m] % len(options)
            if k == "f2":  # a second, different feature
                pick = (picks["f1"][m] % len(options) + 1 + pick % (len(options) - 1)) % len(
                    options
                )
            chosen[k][m] = np.asarray(options)[pick]
        keys[m] = spec.variant_key
    words: dict[str, Strs] = {k: v.astype(str) for k, v in chosen.items()}
    variant_key: Strs = keys.astype(str)
    cap_adj = np.strings.add(
        np.strings.upper(np.strings.slice(words["adj"], 0, 1)),
        np.strings.slice(words["adj"], 1, None),
    )
    title = _join(words["brand"], " ", _title_case(words["adj"]), " ", _title_case(words["noun"]))
    title = _join(title, ", ", words["variant"])
    description = _join(
        cap_adj, " ", words["noun"], " by ", words["brand"], " with ", words["f1"], " and ",
        words["f2"], ". Ideal for ", words["use"], ".",
    )  # fmt: skip
    attributes = np.strings.add(
        np.strings.add(np.strings.add('{"', variant_key), '": '), _quote(words["variant"])
    )
    attributes = np.strings.add(attributes, "}")
    return _Products(
        ids=_ids("P", n),
        category=category,
        brand=words["brand"],
        title=title,
        description=description,
        attributes=attributes,
        noun=words["noun"],
        adjective=words["adj"],
        created=created,
        base_price=base_price,
        cost=cost,
        elasticity=elasticity,
        factors=factors,
        popularity=popularity,
    )


def _join(*parts: Strs | str) -> Strs:
    out: Strs = np.asarray(parts[0]).astype(str)
    for p in parts[1:]:
        out = np.strings.add(out, p)
    return out


def _title_case(words: Strs) -> Strs:
    return np.char.title(words)


# Prices -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Prices:
    matrix: Floats
    """Price in force per product (rows) and day (columns)."""
    product: Ints
    valid_from: Ints
    """Day index of each price row (negative: the listing day before the period)."""
    price: Floats
    competitor: Floats
    promotion: Bools

    def ratio(self, products: Ints, days: Ints, base: Floats) -> Floats:
        return self.matrix[products, days] / base[products]

    def frame(self, prod: _Products, cal: _Calendar) -> pd.DataFrame:
        return pd.DataFrame(
            {
                "product_id": prod.ids[self.product],
                "location": schema.DEFAULT_LOCATION,
                "valid_from": cal.stamps(self.valid_from * DAY),
                "price": self.price,
                "competitor_price": self.competitor,
                "promotion": self.promotion,
            }
        )


def _make_prices(rng: np.random.Generator, prod: _Products, days: int) -> _Prices:
    n = prod.n
    k = days // 5 + 2
    promo = rng.random((n, k)) < P_PROMOTION
    promo[:, 0] = False
    length = np.where(promo, rng.integers(5, 11, (n, k)), 7 + rng.geometric(1.0 / 14.0, (n, k)))
    regular = rng.uniform(*REGULAR_RANGE, (n, k))
    regular[:, 0] = 1.0
    level = regular * np.where(promo, rng.uniform(*PROMOTION_RANGE, (n, k)), 1.0)
    price = _charm(prod.base_price[:, None] * level)
    tracked = rng.random(n) < P_COMPETITOR
    competitor = np.round(prod.base_price[:, None] * rng.uniform(0.88, 1.12, (n, k)), 2)
    competitor = np.where(tracked[:, None], competitor, np.nan)
    first = np.clip(prod.listed_day, 0, days - 1)
    begin = first[:, None] + np.concatenate(
        [np.zeros((n, 1), dtype=np.int64), np.cumsum(length, axis=1)[:, :-1]], axis=1
    )
    keep = begin < days  # a prefix of each row
    end = np.minimum(np.concatenate([begin[:, 1:], np.full((n, 1), days)], axis=1), days)
    span = np.where(keep, end - begin, 0)
    matrix = np.empty((n, days))
    sold = np.arange(days)[None, :] >= first[:, None]
    matrix[sold] = np.repeat(price[keep], span[keep])
    matrix = np.where(sold, matrix, price[:, :1])
    valid_from = begin.copy()
    valid_from[:, 0] = np.floor(prod.created)  # the first price holds from the listing day
    rows = np.broadcast_to(np.arange(n)[:, None], (n, k))
    return _Prices(
        matrix=matrix,
        product=rows[keep].astype(np.int64),
        valid_from=valid_from[keep].astype(np.int64),
        price=price[keep],
        competitor=competitor[keep],
        promotion=promo[keep],
    )


# Sessions and browsing ----------------------------------------------------------------------


@dataclass(frozen=True)
class _Sessions:
    """Sessions sorted by customer, then time (natural ones), campaign sessions after them."""

    customer: Ints
    day: Ints
    second: Floats
    """Start, in seconds after midnight."""
    campaign: Bools
    coupon: Floats
    """Coupon discount used by the order of the session (0 when none)."""

    @property
    def n(self) -> int:
        return len(self.customer)


def _make_sessions(rng: np.random.Generator, cust: _Customers, cal: _Calendar) -> _Sessions:
    days = cal.days
    cum = np.concatenate([[0.0], np.cumsum(cal.season)])
    lo = np.minimum(cust.first_day, days)
    hi = np.maximum(np.clip(np.floor(cust.churn).astype(np.int64), 0, days), lo)
    n = rng.poisson(cust.rate * (cum[hi] - cum[lo]))
    who = np.repeat(np.arange(cust.n), n)
    target = cum[lo[who]] + rng.random(len(who)) * (cum[hi[who]] - cum[lo[who]])
    day = np.clip(np.searchsorted(cum, target, side="right") - 1, lo[who], hi[who] - 1)
    second = _start_seconds(rng, cal, len(who))
    order = np.lexsort((second, day, who))
    return _Sessions(
        customer=who[order].astype(np.int64),
        day=day[order].astype(np.int64),
        second=second[order],
        campaign=np.zeros(len(who), dtype=bool),
        coupon=np.zeros(len(who)),
    )


def _start_seconds(rng: np.random.Generator, cal: _Calendar, n: int) -> Floats:
    hour = _choice(rng, tuple(cal.hourly), n)
    return np.floor((hour + rng.random(n)) * 3600.0)


@dataclass(frozen=True)
class _Views:
    """Product views with what came of them; kind 0 natural, 1 repeat purchase, 2 campaign."""

    session: Ints
    product: Ints
    seq: Ints
    kind: Ints
    cart: Bools
    buy: Bools
    remove: Bools
    wish: Bools
    qty: Floats

    def take(self, mask: Bools) -> _Views:
        return _Views(*(getattr(self, f.name)[mask] for f in fields(self)))

    @staticmethod
    def concat(parts: Sequence[_Views]) -> _Views:
        return _Views(
            *(np.concatenate([getattr(p, f.name) for p in parts]) for f in fields(_Views))
        )


def _draw_products(
    rng: np.random.Generator,
    customer: Ints,
    day: Ints,
    cust: _Customers,
    prod: _Products,
) -> Ints:
    """One product per (customer, day) from softmax(user . item + popularity) over listed items."""
    u = rng.random(len(customer))
    n_items = prod.n
    listed = np.searchsorted(prod.listed_day, day, side="right").astype(np.int64)
    out = np.zeros(len(customer), dtype=np.int64)
    order = np.argsort(customer, kind="stable")
    sorted_c = customer[order]
    block = max(1, 2_000_000 // n_items)
    for c0 in range(0, cust.n, block):  # blocks of customers bound the memory used
        c1 = min(c0 + block, cust.n)
        lo, hi = np.searchsorted(sorted_c, [c0, c1])
        if lo == hi:
            continue
        logits = cust.factors[c0:c1] @ prod.factors.T + prod.popularity
        weights = np.exp(logits - logits.max(axis=1, keepdims=True))
        cum = np.cumsum(weights, axis=1)
        cum /= cum[:, -1:]
        row = np.arange(c1 - c0)
        cum += row[:, None]
        sel = order[lo:hi]
        r = customer[sel] - c0
        k = listed[sel]
        target = r + u[sel] * (cum[r, k - 1] - r)
        pos = np.searchsorted(cum.ravel(), target, side="right")
        out[sel] = np.clip(pos - r * n_items, 0, k - 1)
    return out


def _affinity(cust: _Customers, prod: _Products, customer: Ints, product: Ints) -> Floats:
    return np.asarray(np.einsum("ij,ij->i", cust.factors[customer], prod.factors[product]))


def _quantities(rng: np.random.Generator, prod: _Products, product: Ints) -> Floats:
    u = rng.random(len(product))
    durable = 1 + np.searchsorted(np.cumsum(QTY_DURABLE), u * sum(QTY_DURABLE))
    consumable = 1 + np.searchsorted(np.cumsum(QTY_CONSUMABLE), u * sum(QTY_CONSUMABLE))
    return np.where(prod.consumable[product], consumable, durable).astype(np.float64)


def _browse(
    rng: np.random.Generator,
    sess: _Sessions,
    cust: _Customers,
    prod: _Products,
    prices: _Prices,
) -> _Views:
    n_views = 1 + rng.poisson(MEAN_EXTRA_VIEWS, sess.n)
    session = np.repeat(np.arange(sess.n), n_views)
    seq = np.arange(len(session)) - np.repeat(np.cumsum(n_views) - n_views, n_views)
    customer, day = sess.customer[session], sess.day[session]
    product = _draw_products(rng, customer, day, cust, prod)
    _, first_idx = np.unique(session * prod.n + product, return_index=True)
    first = np.zeros(len(session), dtype=bool)
    first[first_idx] = True
    aff = _affinity(cust, prod, customer, product)
    ratio = prices.ratio(product, day, prod.base_price)
    taste = 2.0 / (1.0 + np.exp(-(aff - AFFINITY_REF)))
    p_cart = P_CART * taste * ratio ** prod.elasticity[product]
    cart = first & (rng.random(len(session)) < np.minimum(p_cart, 1.0))
    buy = cart & (rng.random(len(session)) < P_BUY)
    remove = cart & ~buy & (rng.random(len(session)) < P_REMOVE)
    wish = ~cart & (rng.random(len(session)) < P_WISHLIST)
    qty = np.where(buy, _quantities(rng, prod, product), 0.0)
    return _Views(session, product, seq, np.zeros(len(session), np.int64), cart, buy, remove,
                  wish, qty)  # fmt: skip


def _repeat_purchases(
    rng: np.random.Generator,
    views: _Views,
    sess: _Sessions,
    prod: _Products,
    prices: _Prices,
    cal: _Calendar,
) -> _Views:
    """Consumables are bought again: each purchase schedules a re-view; then durables dedupe."""
    days = cal.days
    key = sess.customer * days + sess.day  # sorted: sessions are by customer, then day
    replenish = np.asarray([c.replenish_days for c in CATEGORIES])
    parts = [views]
    seeds = views.take(views.buy & prod.consumable[views.product])
    generation = 0
    while len(seeds.session) and generation < 500:
        generation += 1
        c = sess.customer[seeds.session]
        mean = replenish[prod.category[seeds.product]] * np.sqrt(seeds.qty)
        target = sess.day[seeds.session] + np.ceil(rng.gamma(4.0, mean / 4.0)).astype(np.int64)
        pos = np.searchsorted(key, c * days + np.minimum(target, days - 1), side="left")
        ok = (pos < sess.n) & (target < days)
        ok[ok] &= sess.customer[pos[ok]] == c[ok]
        session, product = pos[ok].astype(np.int64), seeds.product[ok]
        m = len(session)
        ratio = prices.ratio(product, sess.day[session], prod.base_price)
        p_cart = np.minimum(P_REPEAT_CART * ratio ** prod.elasticity[product], 1.0)
        cart = rng.random(m) < p_cart
        buy = cart & (rng.random(m) < P_REPEAT_BUY)
        new = _Views(
            session=session,
            product=product,
            seq=np.full(m, 1000 + generation, dtype=np.int64),
            kind=np.ones(m, dtype=np.int64),
            cart=cart,
            buy=buy,
            remove=cart & ~buy & (rng.random(m) < P_REMOVE),
            wish=np.zeros(m, dtype=bool),
            qty=np.where(buy, _quantities(rng, prod, product), 0.0),
        )
        parts.append(new)
        seeds = new.take(new.buy)
    out = _Views.concat(parts)
    # one purchase per session and product; durables once per customer (gifts aside)
    bought = np.flatnonzero(out.buy)
    bought = bought[np.lexsort((out.seq[bought], out.session[bought]))]
    _, first_in_session = np.unique(
        out.session[bought] * prod.n + out.product[bought], return_index=True
    )
    keep = np.zeros(len(bought), dtype=bool)
    keep[first_in_session] = True
    _, first_for_customer = np.unique(
        sess.customer[out.session[bought]] * prod.n + out.product[bought], return_index=True
    )
    first_buy = np.zeros(len(bought), dtype=bool)
    first_buy[first_for_customer] = True
    durable = ~prod.consumable[out.product[bought]]
    again = durable & ~first_buy & (rng.random(len(bought)) >= P_GIFT)
    drop = bought[~keep | again]
    buy = out.buy.copy()
    buy[drop] = False
    qty = np.where(buy, out.qty, 0.0)
    return _Views(out.session, out.product, out.seq, out.kind, out.cart, buy, out.remove, out.wish,
                  qty)  # fmt: skip


# Campaigns ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Campaigns:
    views: _Views
    sessions: _Sessions
    sent_day: Ints
    window_days: int
    assigned: Bools
    """(campaign, customer): on the mailing list when the campaign went out."""
    treated: Bools
    opened: Bools
    uplift: Floats
    """(campaign, segment): planted effect on conversion."""


def _run_campaigns(
    rng: np.random.Generator,
    views: _Views,
    sess: _Sessions,
    cust: _Customers,
    prod: _Products,
    prices: _Prices,
    cal: _Calendar,
) -> _Campaigns:
    n_c, n_k, n_s = cust.n, len(CAMPAIGN_PLAN), len(SEGMENTS)
    sent_day = np.asarray([int(plan[3] * cal.days) for plan in CAMPAIGN_PLAN], dtype=np.int64)
    window_days = min(CAMPAIGN_WINDOW_DAYS, cal.days // 4)
    sent = sent_day * DAY
    assigned = cust.created[None, :] * DAY < sent[:, None]
    treated = assigned & (rng.random((n_k, n_c)) < TREATMENT_SHARE)
    opened = treated & (rng.random((n_k, n_c)) < np.asarray(SEGMENT_OPEN_RATE)[cust.segment])
    uplift = np.zeros((n_k, n_s))
    buy = views.buy.copy()
    coupon = np.zeros(sess.n)
    extra_customer: list[Ints] = []
    extra_day: list[Ints] = []
    extra_coupon: list[Floats] = []
    for k, (_, _, discount, _, scale) in enumerate(CAMPAIGN_PLAN):
        # sessions never cross midnight, so the window holds whole sessions and their orders
        window = (sess.day >= sent_day[k]) & (sess.day < sent_day[k] + window_days)
        bought = np.bincount(views.session[buy], minlength=sess.n) > 0
        buying = window & bought
        converted = np.bincount(sess.customer[buying], minlength=n_c) > 0
        u = rng.random(n_c)
        gained = np.zeros(n_c, dtype=bool)
        lost = np.zeros(n_c, dtype=bool)
        for s in range(n_s):
            members = assigned[k] & (cust.segment == s)
            p0 = float(converted[members].mean()) if members.any() else 0.0
            target = SEGMENT_UPLIFT[s] * scale
            if target >= 0:
                pi = min(1.0, target / (1.0 - p0)) if p0 < 1.0 else 0.0
                uplift[k, s] = pi * (1.0 - p0)
                gained |= members & treated[k] & ~converted & (u < pi)
            else:
                pi = min(1.0, -target / p0) if p0 > 0.0 else 0.0
                uplift[k, s] = -pi * p0
                lost |= members & treated[k] & converted & (u < pi)
        # put off: their purchases in the window do not happen
        drop = buying[views.session] & lost[sess.customer[views.session]]
        buy &= ~drop
        # treated buyers redeem the coupon on their first order in the window
        redeemers = treated[k] & converted & ~lost & (rng.random(n_c) < P_REDEEM)
        first = np.flatnonzero(buying & redeemers[sess.customer])
        _, first_of_customer = np.unique(sess.customer[first], return_index=True)
        coupon[first[first_of_customer]] = discount
        # persuaded: one more session with a purchase, inside the window
        who = np.flatnonzero(gained).astype(np.int64)
        offset = rng.integers(0, window_days, len(who))
        extra_customer.append(who)
        extra_day.append(sent_day[k] + offset)
        extra_coupon.append(np.full(len(who), discount))
    views = _Views(views.session, views.product, views.seq, views.kind, views.cart, buy,
                   views.remove, views.wish, np.where(buy, views.qty, 0.0))  # fmt: skip
    # the persuaded sessions
    e_cust = np.concatenate(extra_customer)
    e_day = np.concatenate(extra_day)
    m = len(e_cust)
    e_second = np.floor(rng.uniform(9.5, 22.0, m) * 3600.0)
    sessions = _Sessions(
        customer=np.concatenate([sess.customer, e_cust]),
        day=np.concatenate([sess.day, e_day]),
        second=np.concatenate([sess.second, e_second]),
        campaign=np.concatenate([sess.campaign, np.ones(m, dtype=bool)]),
        coupon=np.concatenate([coupon, np.concatenate(extra_coupon)]),
    )
    n_views = 1 + rng.poisson(MEAN_EXTRA_VIEWS, m)
    local = np.repeat(np.arange(m), n_views)
    seq = np.arange(len(local)) - np.repeat(np.cumsum(n_views) - n_views, n_views)
    product = _draw_products(rng, e_cust[local], e_day[local], cust, prod)
    lead = seq == 0
    n_v = len(local)
    extra = _Views(
        session=(sess.n + local).astype(np.int64),
        product=product,
        seq=seq.astype(np.int64),
        kind=np.full(n_v, 2, dtype=np.int64),
        cart=lead,
        buy=lead,
        remove=np.zeros(n_v, dtype=bool),
        wish=np.zeros(n_v, dtype=bool),
        qty=np.where(lead, _quantities(rng, prod, product), 0.0),
    )
    return _Campaigns(
        views=_Views.concat([views, extra]),
        sessions=sessions,
        sent_day=sent_day,
        window_days=window_days,
        assigned=assigned,
        treated=treated,
        opened=opened,
        uplift=uplift,
    )


# Orders -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Orders:
    orders: pd.DataFrame
    lines: pd.DataFrame
    session_rank: Ints
    """Chronological rank of every session (its id number - 1)."""
    session_offset: Floats
    """Seconds from session start to checkout; the session start was moved so all fits the day."""
    session_start: Floats
    """Session start, seconds from the origin."""
    view_offset: Floats
    order_session: Ints
    order_time: Floats
    line_order: Ints
    line_product: Ints
    line_view: Ints
    line_delivered: Floats
    line_returned: Bools


def _make_orders(
    rng: np.random.Generator,
    views: _Views,
    sess: _Sessions,
    cust: _Customers,
    prod: _Products,
    prices: _Prices,
    cal: _Calendar,
) -> _Orders:
    # session timing: views one after another, checkout after the last one
    order = np.lexsort((views.seq, views.session))
    v_sess = views.session[order]
    gaps = 5.0 + rng.exponential(40.0, len(order))
    cs = np.cumsum(gaps)
    starts = np.searchsorted(v_sess, np.arange(sess.n))
    before = cs[starts] - gaps[starts]
    offset_sorted = cs - before[v_sess]
    offset = np.empty(len(order))
    offset[order] = offset_sorted
    last = np.maximum.reduceat(offset_sorted, starts)
    checkout = last + 150.0 + rng.uniform(0.0, 240.0, sess.n)
    second = np.minimum(sess.second, DAY - 1.0 - checkout)
    start_time = sess.day * DAY + second
    chrono = np.lexsort((np.arange(sess.n), start_time))
    rank = np.empty(sess.n, dtype=np.int64)
    rank[chrono] = np.arange(sess.n)

    bought = np.flatnonzero(views.buy)
    has_order = np.bincount(views.session[bought], minlength=sess.n) > 0
    o_sess = np.flatnonzero(has_order)
    o_time = np.floor(start_time[o_sess] + checkout[o_sess])
    by_time = np.lexsort((rank[o_sess], o_time))
    o_sess, o_time = o_sess[by_time], o_time[by_time]
    n_o = len(o_sess)
    order_of_session = np.full(sess.n, -1, dtype=np.int64)
    order_of_session[o_sess] = np.arange(n_o)
    o_cust = sess.customer[o_sess]
    order_ids = _ids("O", n_o, 6)

    # lines
    line_order = order_of_session[views.session[bought]]
    lo = np.lexsort((views.product[bought], line_order))
    line_view = bought[lo]
    line_order = line_order[lo]
    product = views.product[line_view]
    qty = views.qty[line_view]
    unit_price = prices.matrix[product, sess.day[views.session[line_view]]]
    discount = np.round(qty * unit_price * sess.coupon[o_sess][line_order], 2)

    # fulfilment
    now = cal.now
    shipped = o_time + np.floor(rng.uniform(0.3, 2.0, n_o) * DAY)
    delivered = shipped + np.floor(rng.uniform(1.0, 5.0, n_o) * DAY)
    cancelled = rng.random(n_o) < P_CANCEL
    rate = np.asarray([c.return_rate for c in CATEGORIES])[prod.category[product]]
    line_return = rng.random(len(product)) < rate
    return_time = delivered + rng.uniform(2.0, 14.0, n_o) * DAY
    wants_return = np.bincount(line_order[line_return], minlength=n_o) > 0
    placed = rng.random(n_o) < 0.3
    status = np.select(
        [cancelled, delivered <= now, shipped <= now, placed],
        ["cancelled", "delivered", "shipped", "placed"],
        "paid",
    )
    returned = (status == "delivered") & wants_return & (return_time <= now)
    status = np.where(returned, "returned", status)
    is_shipped = np.isin(status, ["shipped", "delivered", "returned"])
    is_delivered = np.isin(status, ["delivered", "returned"])
    tracking = _numbered("TRK", rng.integers(0, 10**10, n_o), 10)
    channel_app = rng.beta(2.0, 3.0, cust.n)  # each customer's taste for the app
    channel = np.where(rng.random(n_o) < channel_app[o_cust], "app", "web")
    orders_frame = pd.DataFrame(
        {
            "order_id": order_ids,
            "customer_id": cust.ids[o_cust],
            "ordered_at": cal.stamps(o_time),
            "status": status,
            "channel": channel,
            "location": schema.DEFAULT_LOCATION,
            "shipped_at": cal.stamps(np.where(is_shipped, shipped, np.nan)),
            "delivered_at": cal.stamps(np.where(is_delivered, delivered, np.nan)),
            "tracking_number": pd.Series(tracking).where(is_shipped),
        }
    )
    line_returned = returned[line_order] & line_return
    lines_frame = pd.DataFrame(
        {
            "order_id": order_ids[line_order],
            "product_id": prod.ids[product],
            "quantity": qty,
            "unit_price": unit_price,
            "discount": discount,
            "returned_quantity": np.where(line_returned, qty, 0.0),
        }
    )
    return _Orders(
        orders=orders_frame,
        lines=lines_frame,
        session_rank=rank,
        session_offset=checkout,
        session_start=start_time,
        view_offset=offset,
        order_session=o_sess,
        order_time=o_time,
        line_order=line_order,
        line_product=product,
        line_view=line_view,
        line_delivered=np.where(is_delivered[line_order], delivered[line_order], np.nan),
        line_returned=line_returned,
    )


# Events -------------------------------------------------------------------------------------

_TYPE_CODE: Final = {t: i for i, t in enumerate(schema.EVENT_TYPES)}


def _make_events(
    rng: np.random.Generator,
    views: _Views,
    sess: _Sessions,
    orders: _Orders,
    cust: _Customers,
    prod: _Products,
    cal: _Calendar,
) -> pd.DataFrame:
    n_v = len(views.session)
    t_view = orders.session_start[views.session] + orders.view_offset
    t_cart = t_view + rng.uniform(5.0, 60.0, n_v)
    t_remove = t_cart + rng.uniform(10.0, 60.0, n_v)
    t_wish = t_view + rng.uniform(2.0, 20.0, n_v)
    dwell = np.round(rng.lognormal(3.5, 0.8, n_v), 1)
    qty1 = np.where(views.qty > 0, views.qty, 1.0)

    # searches open some natural sessions; the query comes from the first product viewed
    first_view = views.seq == 0
    natural_first = np.flatnonzero(first_view & (views.kind == 0))
    searched = natural_first[rng.random(len(natural_first)) < P_SEARCH]
    with_adj = rng.random(len(searched)) < 0.5
    q_noun = prod.noun[views.product[searched]]
    q_adj = prod.adjective[views.product[searched]]
    query = np.where(with_adj, np.strings.add(np.strings.add(q_adj, " "), q_noun), q_noun)
    t_search = orders.session_start[views.session[searched]] + 1.0

    # ratings some time after delivery
    line_has = ~np.isnan(orders.line_delivered)
    rated = np.flatnonzero(line_has & (rng.random(len(line_has)) < P_RATING))
    t_rating = orders.line_delivered[rated] + rng.uniform(1.0, 10.0, len(rated)) * DAY
    rated, t_rating = rated[t_rating < cal.now], t_rating[t_rating < cal.now]
    r_view = orders.line_view[rated]
    r_cust = sess.customer[views.session[r_view]]
    aff = _affinity(cust, prod, r_cust, orders.line_product[rated])
    stars = np.clip(
        np.round(
            3.6
            + 0.7 * (aff - AFFINITY_REF)
            - 1.5 * orders.line_returned[rated]
            + rng.normal(0.0, 0.9, len(rated))
        ),
        1.0,
        5.0,
    )

    # purchases at checkout
    bought = np.flatnonzero(views.buy)
    t_buy = (
        orders.session_start[views.session[bought]] + orders.session_offset[views.session[bought]]
    )

    parts: list[tuple[Ints, Ints, Floats, int, Floats]] = [  # view index, session, ts, type, value
        (np.arange(n_v), views.session, t_view, _TYPE_CODE["view"], dwell),
        (np.flatnonzero(views.cart), views.session[views.cart], t_cart[views.cart],
         _TYPE_CODE["cart"], qty1[views.cart]),
        (np.flatnonzero(views.remove), views.session[views.remove], t_remove[views.remove],
         _TYPE_CODE["remove_from_cart"], qty1[views.remove]),
        (np.flatnonzero(views.wish), views.session[views.wish], t_wish[views.wish],
         _TYPE_CODE["wishlist"], np.full(int(views.wish.sum()), np.nan)),
        (bought, views.session[bought], np.floor(t_buy), _TYPE_CODE["purchase"],
         views.qty[bought]),
        (r_view, views.session[r_view], t_rating, _TYPE_CODE["rating"], stars),
    ]  # fmt: skip
    v_idx = np.concatenate([p[0] for p in parts] + [searched])
    session = np.concatenate([p[1] for p in parts] + [views.session[searched]])
    ts = np.floor(np.concatenate([p[2] for p in parts] + [t_search]))
    kind = np.concatenate(
        [np.full(len(p[0]), p[3], dtype=np.int64) for p in parts]
        + [np.full(len(searched), _TYPE_CODE["search"], dtype=np.int64)]
    )
    value = np.concatenate([p[4] for p in parts] + [np.full(len(searched), np.nan)])
    is_search = kind == _TYPE_CODE["search"]
    q = np.full(len(kind), "", dtype=query.dtype if len(query) else "<U1")
    q[is_search] = query
    # anonymous: some sessions without a purchase are not signed in
    has_buy = np.bincount(views.session[bought], minlength=sess.n) > 0
    anonymous = ~has_buy & ~sess.campaign & (rng.random(sess.n) < P_ANONYMOUS)
    anon = anonymous[session] & (kind != _TYPE_CODE["rating"])
    order = np.lexsort((kind, session, ts))
    customer_ids = pd.Series(cust.ids[sess.customer[session]]).where(~anon)
    product_ids = pd.Series(prod.ids[views.product[v_idx]]).where(~is_search)
    session_ids = pd.Series(_ids("S", sess.n, 7)[orders.session_rank[session]]).where(
        kind != _TYPE_CODE["rating"]
    )
    frame = pd.DataFrame(
        {
            "customer_id": customer_ids,
            "session_id": session_ids,
            "product_id": product_ids,
            "ts": cal.stamps(ts),
            "type": np.asarray(schema.EVENT_TYPES)[kind],
            "value": value,
            "search_query": pd.Series(q).where(is_search),
        }
    )
    return frame.iloc[order].reset_index(drop=True)


# Inventory, campaigns table, FAQs ------------------------------------------------------------


def _make_inventory(
    rng: np.random.Generator, orders: _Orders, prod: _Products, cal: _Calendar
) -> pd.DataFrame:
    n = prod.n
    window = min(56, cal.days)
    recent = orders.order_time[orders.line_order] >= cal.now - window * DAY
    live = orders.orders["status"].to_numpy()[orders.line_order] != "cancelled"
    qty = orders.lines["quantity"].to_numpy()
    units = np.bincount(orders.line_product[recent & live], qty[recent & live], minlength=n)
    rate = units / window
    lead = rng.integers(3, 22, n).astype(np.float64)
    consumable = prod.consumable
    pack = np.where(
        consumable, rng.choice([6.0, 12.0, 24.0], n), rng.choice([1.0, 1.0, 2.0, 5.0], n)
    )
    moq = pack * rng.choice([1.0, 2.0, 4.0], n)
    on_hand = np.round(rate * rng.uniform(0.0, 50.0, n)) + rng.poisson(2.0, n)
    on_hand = np.where(rng.random(n) < 0.06, 0.0, on_hand)
    short = on_hand < rate * lead
    reorder = np.maximum(np.ceil(rate * (lead + 14.0) / pack) * pack, moq)
    on_order = np.where(short & (rng.random(n) < 0.7), reorder, 0.0)
    price = prod.base_price
    return pd.DataFrame(
        {
            "product_id": prod.ids,
            "location": schema.DEFAULT_LOCATION,
            "on_hand": on_hand,
            "on_order": on_order,
            "lead_time_days": lead,
            "unit_cost": prod.cost,
            "holding_cost_rate": np.round(rng.uniform(0.15, 0.30, n), 3),
            "stockout_cost": np.round(price - prod.cost + 0.1 * price, 2),
            "order_cost": np.round(rng.uniform(15.0, 60.0, n), 2),
            "min_order_qty": moq,
            "pack_size": pack,
        }
    )


def _campaign_frame(
    plan: _Campaigns, orders: _Orders, cust: _Customers, cal: _Calendar
) -> pd.DataFrame:
    n_c = cust.n
    lines = orders.lines
    live = orders.orders["status"].to_numpy() != "cancelled"
    line_value = (lines["quantity"] * lines["unit_price"] - lines["discount"]).to_numpy()
    order_value = np.bincount(orders.line_order, line_value, minlength=len(orders.order_time))
    o_cust = plan.sessions.customer[orders.order_session]
    s_time = orders.session_start
    frames = []
    for k, (campaign_id, arm, _, _, _) in enumerate(CAMPAIGN_PLAN):
        sent = plan.sent_day[k] * DAY
        end = sent + plan.window_days * DAY
        in_window = (orders.order_time >= sent) & (orders.order_time < end)
        converted = np.bincount(o_cust[in_window], minlength=n_c) > 0
        revenue = np.bincount(
            o_cust[in_window & live], order_value[in_window & live], minlength=n_c
        )
        visited_s = (s_time >= sent) & (s_time < end)
        visited = np.bincount(plan.sessions.customer[visited_s], minlength=n_c) > 0
        who = np.flatnonzero(plan.assigned[k])
        frames.append(
            pd.DataFrame(
                {
                    "campaign_id": campaign_id,
                    "customer_id": cust.ids[who],
                    "treatment": np.where(plan.treated[k, who], arm, schema.CONTROL_ARM),
                    "sent_at": cal.stamps(np.full(len(who), sent)),
                    "responded": (visited | plan.opened[k])[who],
                    "converted": converted[who],
                    "revenue": np.round(revenue[who], 2),
                    "randomized": True,
                }
            )
        )
    return pd.concat(frames, ignore_index=True)


def _faq_frame() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "faq_id": [f"faq-{i:02d}" for i in range(1, len(FAQS) + 1)],
            "question": [f[0] for f in FAQS],
            "answer": [f[1] for f in FAQS],
            "tags": [f[2] for f in FAQS],
            "language": [f[3] for f in FAQS],
        }
    )


# Truth --------------------------------------------------------------------------------------


def _truth(
    seed: int, cust: _Customers, prod: _Products, plan: _Campaigns, cal: _Calendar
) -> GroundTruth:
    pid = pd.Index(prod.ids, name="product_id", dtype="str")
    cid = pd.Index(cust.ids, name="customer_id", dtype="str")
    cols = [f"f{i}" for i in range(FACTORS)]
    lo = np.minimum(cust.first_day, cal.days)
    hi = np.maximum(np.clip(np.floor(cust.churn).astype(np.int64), 0, cal.days), lo)
    active = np.cumsum(
        np.bincount(lo, cust.rate, minlength=cal.days + 1)
        - np.bincount(hi, cust.rate, minlength=cal.days + 1)
    )[: cal.days]
    daily = pd.DataFrame(
        {
            "date": pd.Series(pd.date_range(cal.origin, periods=cal.days, freq="D")).astype(
                "datetime64[us]"
            ),
            "weekly": cal.weekly[cal.dow],
            "yearly": cal.yearly[cal.month],
            "multiplier": cal.season,
            "active_rate": active,
            "expected_sessions": cal.season * active,
        }
    )
    campaigns = pd.DataFrame(
        {
            "campaign_id": [c[0] for c in CAMPAIGN_PLAN],
            "treatment": [c[1] for c in CAMPAIGN_PLAN],
            "discount": [c[2] for c in CAMPAIGN_PLAN],
            "sent_at": cal.stamps(plan.sent_day * DAY),
            "window_days": np.full(len(CAMPAIGN_PLAN), plan.window_days, dtype=np.int64),
            "treatment_share": TREATMENT_SHARE,
        }
    )
    uplift = pd.DataFrame(
        {
            "campaign_id": np.repeat([c[0] for c in CAMPAIGN_PLAN], len(SEGMENTS)),
            "segment": np.tile(SEGMENTS, len(CAMPAIGN_PLAN)),
            "uplift": plan.uplift.ravel(),
        }
    )
    params = {
        "mean_extra_views": MEAN_EXTRA_VIEWS,
        "p_search": P_SEARCH,
        "p_anonymous": P_ANONYMOUS,
        "p_cart": P_CART,
        "affinity_ref": AFFINITY_REF,
        "p_buy": P_BUY,
        "p_remove": P_REMOVE,
        "p_wishlist": P_WISHLIST,
        "p_repeat_cart": P_REPEAT_CART,
        "p_repeat_buy": P_REPEAT_BUY,
        "p_gift": P_GIFT,
        "p_cancel": P_CANCEL,
        "p_rating": P_RATING,
        "p_redeem": P_REDEEM,
        "p_promotion": P_PROMOTION,
        "elasticity_noise": ELASTICITY_NOISE,
    }
    churned = np.where(cust.churn < cal.days, cust.churn * DAY, np.nan)
    return GroundTruth(
        seed=seed,
        n_customers=cust.n,
        n_products=prod.n,
        start=cal.origin.date().isoformat(),
        days=cal.days,
        segments=tuple(SEGMENTS),
        consumable_categories=tuple(c.name for c in CATEGORIES if c.consumable),
        weekly=tuple(float(x) for x in cal.weekly),
        yearly=tuple(float(x) for x in cal.yearly),
        hourly=tuple(float(x) for x in cal.hourly),
        category_elasticity={c.name: c.elasticity for c in CATEGORIES},
        replenish_days={c.name: c.replenish_days for c in CATEGORIES if c.consumable},
        return_rate={c.name: c.return_rate for c in CATEGORIES},
        params=params,
        campaigns=campaigns,
        uplift=uplift,
        elasticity=pd.Series(prod.elasticity, index=pid, name="elasticity"),
        base_price=pd.Series(prod.base_price, index=pid, name="base_price"),
        popularity=pd.Series(prod.popularity, index=pid, name="popularity"),
        item_factors=pd.DataFrame(prod.factors, index=pid, columns=cols),
        segment=pd.Series(np.asarray(SEGMENTS)[cust.segment], index=cid, name="segment",
                          dtype="str"),
        activity=pd.Series(cust.rate, index=cid, name="activity"),
        churned_at=pd.Series(cal.stamps(churned).to_numpy(), index=cid, name="churned_at"),
        user_factors=pd.DataFrame(cust.factors, index=cid, columns=cols),
        daily=daily,
    )  # fmt: skip


# Files --------------------------------------------------------------------------------------

_JSON_FIELDS: Final = (
    "seed", "n_customers", "n_products", "start", "days", "segments", "consumable_categories",
    "weekly", "yearly", "hourly", "category_elasticity", "replenish_days", "return_rate", "params",
)  # fmt: skip


def write(shop: SampleShop, directory: Path) -> list[Path]:
    """Write `<table>.csv` per table, `personal.json` (which columns of those files are personal
    data) and the truth under `truth/`; return the paths written."""
    directory = Path(directory)
    truth_dir = directory / TRUTH_DIR
    truth_dir.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    for name in schema.IMPORT_ORDER:
        if name not in shop.tables or shop.tables[name].empty:
            continue  # an empty file is an import error; an absent table is not
        path = directory / f"{name}.csv"
        shop.tables[name].to_csv(
            path, index=False, encoding="utf-8", date_format=ISO_FORMAT, lineterminator="\n"
        )
        written.append(path)
    personal = {
        name: schema.table(name).personal_columns
        for name in schema.IMPORT_ORDER
        if directory / f"{name}.csv" in written and schema.table(name).personal_columns
    }
    path = directory / PERSONAL_FILE
    path.write_text(json.dumps(personal, indent=2) + "\n", encoding="utf-8")
    written.append(path)
    t = shop.truth
    doc: dict[str, Any] = {}
    for name in _JSON_FIELDS:
        value = getattr(t, name)
        doc[name] = list(value) if isinstance(value, tuple) else value
    doc["campaigns"] = json.loads(t.campaigns.to_json(orient="records", date_format="iso"))
    doc["uplift"] = t.uplift.to_dict(orient="records")
    path = truth_dir / "truth.json"
    path.write_text(json.dumps(doc, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    written.append(path)
    products = pd.concat(
        [t.elasticity, t.base_price, t.popularity, t.item_factors], axis=1
    ).reset_index()
    customers = pd.concat([t.segment, t.activity, t.churned_at, t.user_factors], axis=1)
    for name, frame in (
        ("products", products),
        ("customers", customers.reset_index()),
        ("daily", t.daily),
    ):
        path = truth_dir / f"{name}.parquet"
        frame.to_parquet(path, index=False)
        written.append(path)
    return written


def read_truth(directory: Path) -> GroundTruth:
    """Read the truth `write` stored under `directory` (or `directory` itself if it holds it)."""
    directory = Path(directory)
    truth_dir = directory / TRUTH_DIR
    if not (truth_dir / "truth.json").exists():
        truth_dir = directory
    doc = json.loads((truth_dir / "truth.json").read_text(encoding="utf-8"))
    products = _strings(pd.read_parquet(truth_dir / "products.parquet")).set_index("product_id")
    customers = _strings(pd.read_parquet(truth_dir / "customers.parquet")).set_index("customer_id")
    daily = pd.read_parquet(truth_dir / "daily.parquet")
    campaigns = _strings(pd.DataFrame(doc["campaigns"]))
    campaigns["sent_at"] = pd.to_datetime(campaigns["sent_at"]).dt.tz_localize(None)
    campaigns["sent_at"] = campaigns["sent_at"].astype("datetime64[us]")
    campaigns["window_days"] = campaigns["window_days"].astype(np.int64)
    cols = [f"f{i}" for i in range(FACTORS)]
    return GroundTruth(
        seed=int(doc["seed"]),
        n_customers=int(doc["n_customers"]),
        n_products=int(doc["n_products"]),
        start=str(doc["start"]),
        days=int(doc["days"]),
        segments=tuple(doc["segments"]),
        consumable_categories=tuple(doc["consumable_categories"]),
        weekly=tuple(float(x) for x in doc["weekly"]),
        yearly=tuple(float(x) for x in doc["yearly"]),
        hourly=tuple(float(x) for x in doc["hourly"]),
        category_elasticity={k: float(v) for k, v in doc["category_elasticity"].items()},
        replenish_days={k: float(v) for k, v in doc["replenish_days"].items()},
        return_rate={k: float(v) for k, v in doc["return_rate"].items()},
        params={k: float(v) for k, v in doc["params"].items()},
        campaigns=campaigns,
        uplift=_strings(pd.DataFrame(doc["uplift"])),
        elasticity=products["elasticity"],
        base_price=products["base_price"],
        popularity=products["popularity"],
        item_factors=products[cols],
        segment=customers["segment"],
        activity=customers["activity"],
        churned_at=customers["churned_at"].astype("datetime64[us]"),
        user_factors=customers[cols],
        daily=daily,
    )


def _strings(frame: pd.DataFrame) -> pd.DataFrame:
    """Text columns as pandas' string dtype, whatever the reader made of them."""
    for name in frame.columns:
        if frame[name].dtype == object or pd.api.types.is_string_dtype(frame[name].dtype):
            frame[name] = frame[name].astype("str")
    return frame
