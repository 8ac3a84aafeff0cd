"""Demo data: the Italian network `make run` starts with, and benchmark-size data for `make bench`.

The demo network is written in one transaction. Locations and API clients go through their services;
the catalog, staff and stock are bulk-inserted for speed, keeping the ledger's invariant exactly: every
stock level's on_hand is the sum of its movements' deltas (receipts, then some sales), so `check_stock`
finds no drift. The benchmark data is inserted by the database itself (INSERT ... SELECT over the cross
product of locations and SKUs), in one transaction per slice of locations, so it is resumable.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal

from django.contrib.auth.hashers import make_password
from django.db import connection, transaction
from django.utils import timezone

from demo.seed import data
from demo.seed.activity import quietly, seed_demo_activity
from demo.seed.feedback import seed_demo_feedback
from demo.seed.segments import seed_segments
from demo.seed.visits import seed_demo_visits
from inventory.gtin import make_gtin, to_gtin14
from inventory.models import (
    Brand,
    Category,
    MovementKind,
    Product,
    StockLevel,
    StockMovement,
    Variant,
)
from inventory.services.alerts import evaluate_low_stock
from loyalty.models import Member
from omni.actors import Actor
from omni.models import ApiClient, StaffRole, User, hash_token
from omni.services import create_api_client_with_token
from orders.models import Order, Return
from stores.models import Location, LocationKind, StaffMembership
from stores.services import HoursSpec, create_location

VAT_RATE = Decimal("22.00")
CENT = Decimal("0.01")
DEMO_GTIN_PREFIX = "8012"  # 4 + 8 serial digits + check digit = EAN-13 (private range, never on real goods)
BENCH_GTIN_PREFIX = "8099"
BENCH_PREFIX = "BENCH-"
SEED_LOCK = 7_402_611  # pg_advisory_xact_lock key: two seeders never run at once


@dataclass
class SeedResult:
    created: bool
    counts: dict[str, int] = field(default_factory=dict)


def _lock() -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(%s)", [SEED_LOCK])


def _counts() -> dict[str, int]:
    return {
        "locations": Location.objects.count(),
        "products": Product.objects.count(),
        "skus": Variant.objects.count(),
        "stock levels": StockLevel.objects.count(),
        "stock movements": StockMovement.objects.count(),
        "staff users": User.objects.count(),
        "API clients": ApiClient.objects.count(),
        "orders": Order.objects.count(),
        "returns": Return.objects.count(),
        "loyalty members": Member.objects.count(),
    }


# --- The demo network -----------------------------------------------------------------------------


def seed_demo_network(*, now: datetime | None = None) -> SeedResult:
    """Create the demo network, unless any location exists (then nothing changes: created=False): the
    network, its catalog, staff and stock in one transaction, then a morning's trading through the services
    (each order in its own transaction, as at a till)."""
    with transaction.atomic():
        _lock()
        if Location.objects.exists():
            return SeedResult(created=False, counts=_counts())
        now = now or timezone.now()
        rng = random.Random(2026)  # the same network every time
        locations = _create_locations()
        _create_staff(locations)
        variants = _create_catalog(rng)
        _stock(rng, locations, variants, now)
        by_code = {loc.code: loc for loc in locations}
        for name, role, token, code in data.DEMO_API_CLIENTS:
            create_api_client_with_token(
                name=name, role=role, location_id=by_code[code].pk if code else None, token=token
            )
    seed_demo_activity(locations, variants, rng)
    seed_segments()  # after the trading, so the segments have members
    seed_demo_feedback(rng)  # answers about the trading, some unhappy: the follow-up queue
    with quietly():  # the appointments' confirmation emails are not printed while seeding
        seed_demo_visits(rng)  # services and the next days' appointments at the click-and-collect stores
    return SeedResult(created=True, counts=_counts())


def _create_locations() -> list[Location]:
    actor = Actor.system()
    created = []
    for spec in data.LOCATIONS:
        payload = {
            "code": spec.code,
            "name": spec.name,
            "kind": spec.kind,
            "address": spec.address,
            "postcode": spec.postcode,
            "city": spec.city,
            "country": "IT",
            "latitude": Decimal(spec.latitude),
            "longitude": Decimal(spec.longitude),
            "phone": spec.phone,
            "email": f"{spec.code.lower()}@omni.example",
            "click_and_collect": spec.click_and_collect,
            "ships": spec.ships,
            "accepts_returns": spec.accepts_returns,
            "pickup_hold_days": spec.pickup_hold_days,
            "preparation_minutes": spec.preparation_minutes,
            "default_safety_stock": spec.default_safety_stock,
        }
        hours = [HoursSpec(weekday=d, opens=o, closes=c) for d, o, c in spec.hours]
        created.append(create_location(actor=actor, data=payload, hours=hours))
    return created


def _create_staff(locations: list[Location]) -> None:
    password = make_password(data.DEMO_PASSWORD)  # hashed once: the same hash for every demo user
    names = iter(
        (data.FIRST_NAMES[i % len(data.FIRST_NAMES)], data.LAST_NAMES[(i * 7) % len(data.LAST_NAMES)])
        for i in range(10_000)
    )

    def user(username: str, role: str, **extra: object) -> User:
        first, last = next(names)
        return User(
            username=username,
            password=password,
            first_name=first,
            last_name=last,
            email=f"{username}@omni.example",
            role=role,
            preferred_language="it",
            **extra,
        )

    users = [
        user("admin", StaffRole.ADMIN, is_staff=True, is_superuser=True),
        user("hq.manager", StaffRole.HQ_MANAGER),
    ]
    stems = {spec.code: spec.staff for spec in data.LOCATIONS}
    at: list[tuple[str, str]] = []  # (username, location code)
    stores_first = sorted(locations, key=lambda loc: loc.kind != LocationKind.STORE)  # stable
    for location in stores_first:
        stem = stems[location.code]
        for suffix, role in (("manager", StaffRole.STORE_MANAGER), ("1", StaffRole.ASSOCIATE)) + (
            (("2", StaffRole.ASSOCIATE),) if location.kind == LocationKind.STORE else ()
        ):
            users.append(user(f"{stem}.{suffix}", role))
            at.append((f"{stem}.{suffix}", location.code))
    User.objects.bulk_create(users)
    user_ids = dict(User.objects.filter(username__in=[u for u, _ in at]).values_list("username", "pk"))
    location_ids = {loc.code: loc.pk for loc in locations}
    StaffMembership.objects.bulk_create(
        [StaffMembership(user_id=user_ids[u], location_id=location_ids[c]) for u, c in at]
    )


def _price(rng: random.Random, low: int, high: int) -> Decimal:
    return Decimal(f"{rng.randint(low, high)}.90")


def _create_catalog(rng: random.Random) -> list[Variant]:
    brands = Brand.objects.bulk_create([Brand(name=name) for name in data.BRANDS])
    categories: dict[str, Category] = {}
    for name, slug, parent in data.CATEGORIES:  # parents come first
        categories[slug] = Category.objects.create(
            name=name, slug=slug, parent=categories[parent] if parent else None
        )
    colours = {code: name for name, code in data.COLOURS}

    plans: list[tuple[Product, list[tuple[str, str, str]]]] = []  # product, [(sku, size, colour code)]
    prices: list[Decimal] = []
    for ptype in data.PRODUCT_TYPES:
        for n in range(1, ptype.count + 1):
            noun = ptype.nouns[(n - 1) % len(ptype.nouns)]
            model = data.MODELS[(n * 7 + len(ptype.code) * 3 + ord(ptype.code[0])) % len(data.MODELS)]
            detail = ptype.details[(n - 1) // len(ptype.nouns) % len(ptype.details)]
            product = Product(
                name=f"{noun} {model} {detail}",
                brand=rng.choice(brands),
                category=categories[ptype.category],
                description=f"{noun} {detail}, linea {model}. Prodotto disegnato in Italia.",
                vat_rate=VAT_RATE,
            )
            picked = rng.sample(ptype.colours, rng.randint(*ptype.colours_per_product))
            product_number = f"{ptype.code}-{n:04d}"
            skus = [
                (f"{product_number}-{size[:3].replace('-', '')}-{colour}", size, colour)
                for colour in picked
                for size in ptype.sizes
            ]
            plans.append((product, skus))
            prices.append(_price(rng, *ptype.price))
    Product.objects.bulk_create([product for product, _ in plans])

    variants = []
    serial = 0
    for (product, skus), price in zip(plans, prices, strict=True):
        net = price / Decimal("1.22")
        cost = (net * Decimal(str(rng.uniform(0.38, 0.55)))).quantize(CENT)
        for sku, size, colour in skus:
            serial += 1
            gtin = make_gtin(f"{DEMO_GTIN_PREFIX}{serial:08d}")
            variants.append(
                Variant(
                    product=product,
                    sku=sku,
                    gtin=gtin,
                    gtin14=to_gtin14(gtin),
                    size=size,
                    color=colours[colour],
                    price=price,
                    cost_price=cost,
                )
            )
    return Variant.objects.bulk_create(variants, batch_size=2000)


# Share of the catalog each store carries, by store.
STORE_RANGE = {"MI-DUOMO": 0.8, "RM-CORSO": 0.75, "MI-PNUOVA": 0.65, "NA-TOLEDO": 0.6, "TO-ROMA": 0.6}
CORE_SIZES = {"M", "L", "42", "43", "48", "50", "UNICA", "39-42", "90"}


def _stock(rng: random.Random, locations: list[Location], variants: list[Variant], now: datetime) -> None:
    """Receipts (and, in stores, some sales) into the ledger, with levels equal to their sums."""
    levels: list[StockLevel] = []
    movements: list[StockMovement] = []
    for location in locations:
        is_store = location.kind == LocationKind.STORE
        share = STORE_RANGE.get(location.code, 0.45) if is_store else 0.93
        receipt_day = now - timedelta(days=rng.randint(20, 40), hours=rng.randint(6, 10))
        receipt_ref = f"DDT-{receipt_day:%Y}-{location.code}"
        for variant in variants:
            if rng.random() >= share:
                continue
            if is_store:
                core = variant.size in CORE_SIZES
                received = rng.randint(4, 12) if core else rng.randint(2, 6)
            else:
                received = rng.randint(20, 220)
            moves = [(MovementKind.RECEIPT, received, receipt_day, receipt_ref)]
            on_hand = received
            last_sale = None
            if is_store and rng.random() < 0.35:  # some sold, a few sold out
                sold = received if rng.random() < 0.15 else rng.randint(1, max(1, received // 2))
                on_hand -= sold
                last_sale = now - timedelta(hours=rng.randint(1, 24 * 12), minutes=rng.randint(0, 59))
                ticket = f"POS-{location.code}-{rng.randint(1, 99999):05d}"
                moves.append((MovementKind.SALE, -sold, last_sale, ticket))
            running = 0
            for kind, delta, at, reference in moves:
                running += delta
                movements.append(
                    StockMovement(
                        location_id=location.pk,
                        variant_id=variant.pk,
                        kind=kind,
                        delta=delta,
                        on_hand_after=running,
                        reference=reference,
                        note="Dati demo",
                        actor_label="system",
                        created_at=at,
                    )
                )
            levels.append(
                StockLevel(
                    location_id=location.pk,
                    variant_id=variant.pk,
                    on_hand=on_hand,
                    safety_stock=location.default_safety_stock,
                    reorder_point=(3 if core else 1) if is_store else 15,
                    last_sale_at=last_sale,
                    last_movement_at=moves[-1][2],
                )
            )
    StockLevel.objects.bulk_create(levels, batch_size=5000)
    StockMovement.objects.bulk_create(movements, batch_size=5000)
    low = [
        level.pk
        for level in levels
        if level.reorder_point > 0 and max(level.on_hand - level.safety_stock, 0) < level.reorder_point
    ]
    evaluate_low_stock(low)


# --- Benchmark data (--scale) ---------------------------------------------------------------------

Progress = Callable[[int, int], None]  # (stock levels written so far, total)


def seed_benchmark(
    *, skus: int, locations: int, progress: Progress | None = None, rows_per_batch: int = 100_000
) -> SeedResult:
    """`skus` SKUs x `locations` stores, all with stock (one receipt each). Independent of the demo
    network: its rows are prefixed BENCH-. Resumable: locations without stock yet are filled; when every
    benchmark location has stock, nothing changes (created=False)."""
    location_ids, variant_count = _bench_catalog(skus=skus, locations=locations)
    todo = _bench_locations_without_stock(location_ids)
    total = len(location_ids) * variant_count
    done = total - len(todo) * variant_count
    if not todo:
        return SeedResult(created=False, counts=_counts())
    if progress:
        progress(done, total)
    per_batch = max(1, rows_per_batch // max(variant_count, 1))
    for start in range(0, len(todo), per_batch):
        batch = todo[start : start + per_batch]
        _bench_stock(batch)
        done += len(batch) * variant_count
        if progress:
            progress(done, total)
    with connection.cursor() as cursor:
        for model in (Location, Product, Variant, StockLevel, StockMovement):
            cursor.execute(f"ANALYZE {model._meta.db_table}")
    return SeedResult(created=True, counts=_counts())


@transaction.atomic
def _bench_catalog(*, skus: int, locations: int) -> tuple[list[int], int]:
    """Create the benchmark locations and SKUs unless they exist; (location ids, number of SKUs)."""
    _lock()
    existing = list(
        Location.objects.filter(code__startswith=BENCH_PREFIX).order_by("pk").values_list("pk", flat=True)
    )
    if existing:
        return existing, Variant.objects.filter(sku__startswith=BENCH_PREFIX).count()
    rng = random.Random(20_000)
    cities = data.BENCH_CITIES
    rows = []
    for n in range(1, locations + 1):
        city, lat, lon = cities[(n - 1) % len(cities)]
        warehouse = n % 40 == 0
        rows.append(
            Location(
                code=f"{BENCH_PREFIX}{n:04d}",
                name=f"{'Magazzino' if warehouse else 'Negozio'} {city} {n}",
                kind=LocationKind.WAREHOUSE if warehouse else LocationKind.STORE,
                city=city,
                latitude=Decimal(str(round(lat + rng.uniform(-0.03, 0.03), 6))),
                longitude=Decimal(str(round(lon + rng.uniform(-0.03, 0.03), 6))),
                click_and_collect=not warehouse,
                ships=warehouse or n % 5 == 0,
                accepts_returns=True,
            )
        )
    Location.objects.bulk_create(rows)
    brand, _ = Brand.objects.get_or_create(name="Omni Bench")
    category, _ = Category.objects.get_or_create(slug="benchmark", defaults={"name": "Catalogo benchmark"})
    sizes = data.APPAREL_SHORT
    product_count = (skus + len(sizes) - 1) // len(sizes)
    products = Product.objects.bulk_create(
        [
            Product(
                name=f"Articolo {data.MODELS[n % len(data.MODELS)]} {n:06d}",
                brand=brand,
                category=category,
                vat_rate=VAT_RATE,
            )
            for n in range(1, product_count + 1)
        ],
        batch_size=5000,
    )
    variants = []
    for n in range(1, skus + 1):
        gtin = make_gtin(f"{BENCH_GTIN_PREFIX}{n:08d}")
        price = Decimal(f"{9 + n % 150}.90")
        variants.append(
            Variant(
                product=products[(n - 1) // len(sizes)],
                sku=f"{BENCH_PREFIX}{n:06d}",
                gtin=gtin,
                gtin14=to_gtin14(gtin),
                size=sizes[(n - 1) % len(sizes)],
                color=data.COLOURS[n % len(data.COLOURS)][0],
                price=price,
                cost_price=(price * Decimal("0.4")).quantize(CENT),
            )
        )
    Variant.objects.bulk_create(variants, batch_size=5000)
    ids = list(
        Location.objects.filter(code__startswith=BENCH_PREFIX).order_by("pk").values_list("pk", flat=True)
    )
    return ids, skus


def _bench_locations_without_stock(location_ids: list[int]) -> list[int]:
    stocked = set(
        StockLevel.objects.filter(location_id__in=location_ids)
        .values_list("location_id", flat=True)
        .distinct()
    )
    return [pk for pk in location_ids if pk not in stocked]


# The same deterministic quantity (1..40) in the level and in its receipt.
_QTY = "(1 + ((l.id * 7919 + v.id * 104729) %% 40))"


@transaction.atomic
def _bench_stock(location_ids: Iterable[int]) -> None:
    """Stock levels and their receipts for these locations x every benchmark SKU, in one transaction."""
    level, movement, variant = (
        StockLevel._meta.db_table,
        StockMovement._meta.db_table,
        Variant._meta.db_table,
    )
    source = (
        f"FROM unnest(%s::bigint[]) AS l(id) "  # noqa: S608 - our table names
        f"CROSS JOIN (SELECT id FROM {variant} WHERE sku LIKE %s) AS v"
    )
    ids, pattern, now = list(location_ids), BENCH_PREFIX + "%", timezone.now()
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {level} (location_id, variant_id, on_hand, reserved, safety_stock, reorder_point, "
            f"last_movement_at) SELECT l.id, v.id, {_QTY}, 0, 0, 3, %s {source}",
            [now, ids, pattern],
        )
        cursor.execute(
            f"INSERT INTO {movement} (location_id, variant_id, kind, delta, on_hand_after, reason, note, "
            f"reference, actor_label, created_at) SELECT l.id, v.id, %s, {_QTY}, {_QTY}, '', '', "
            f"'BENCH-LOAD', 'system', %s {source}",
            [MovementKind.RECEIPT.value, now, ids, pattern],
        )


# --- What demo_credentials prints -----------------------------------------------------------------


@dataclass(frozen=True)
class DemoToken:
    name: str
    role: str
    token: str
    location_code: str | None


def demo_tokens() -> list[DemoToken]:
    """The fixed demo tokens that still authenticate (their client exists and is not revoked)."""
    hashes = {hash_token(token): token for _, _, token, _ in data.DEMO_API_CLIENTS}
    clients = ApiClient.objects.filter(token_hash__in=hashes, revoked_at__isnull=True).select_related(
        "location"
    )
    found = {client.token_hash: client for client in clients}
    result = []
    for token_hash, token in hashes.items():
        if (client := found.get(token_hash)) is not None:
            location = client.location
            code = location.code if location is not None else None
            result.append(DemoToken(name=client.name, role=client.role, token=token, location_code=code))
    return result


def staff_examples(per_role: int = 3) -> list[tuple[str, list[str], int]]:
    """(role label, a few usernames, how many) for each staff role with active users."""
    result = []
    for role in (StaffRole.ADMIN, StaffRole.HQ_MANAGER, StaffRole.STORE_MANAGER, StaffRole.ASSOCIATE):
        users = User.objects.filter(role=role, is_active=True).order_by("pk")
        names = list(users.values_list("username", flat=True)[:per_role])
        if names:
            result.append((str(role.label), names, users.count()))
    return result


def demo_password_works(username: str) -> bool:
    user = User.objects.filter(username=username).first()
    return bool(user and user.check_password(data.DEMO_PASSWORD))
