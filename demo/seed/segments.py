"""The demo's customer segments, defined through the service as a manager would (orders.services.segments)
and counted once: today's sizes, through the daily snapshot. The segment rules are evaluated now (the
member's tier now, orders up to now), so past days cannot be counted honestly: the "segment sizes" report
starts on the day the demo was seeded and grows with the nightly snapshot (beat at 04:10)."""

from __future__ import annotations

from typing import Any

from django.db import transaction

from loyalty.models import Tier
from omni.actors import Actor
from orders.models import Segment
from orders.services.segments import save_segment, snapshot_segment_sizes

# (code, name, description, rules): the names are the demo network's, in Italian like its stores
DEMO_SEGMENTS: tuple[tuple[str, str, str, list[dict[str, Any]]], ...] = (
    ("gold", "Soci Gold", "I soci del livello Gold della fedeltà.", [{"kind": "tier", "tiers": ["gold"]}]),
    (
        "big-spenders",
        "Grandi acquirenti",
        "Almeno 300,00 € di acquisti negli ultimi 365 giorni.",
        [{"kind": "spend", "min_amount": "300.00", "days": 365}],
    ),
    (
        "lapsed",
        "Clienti persi",
        "Hanno acquistato, ma non negli ultimi 90 giorni.",
        [{"kind": "last_purchase", "within": False, "days": 90}],
    ),
    (
        "app-users",
        "Utenti dell'app",
        "Hanno ordinato dall'app (o iniziato il carrello nell'app).",
        [{"kind": "channels", "channels": ["app"], "days": None}],
    ),
)


def segments_exist() -> bool:
    return Segment.objects.exists()


@transaction.atomic
def seed_segments() -> int:
    """Define the demo segments (those whose code is free) and keep today's size of every active segment;
    how many segments were defined."""
    actor = Actor.system()
    taken = set(Segment.objects.values_list("code", flat=True))
    tiers = set(Tier.objects.values_list("code", flat=True))  # a network without the tier has no gold segment
    created = 0
    for code, name, description, rules in DEMO_SEGMENTS:
        wanted_tiers = {t for rule in rules if rule["kind"] == "tier" for t in rule["tiers"]}
        if code not in taken and wanted_tiers <= tiers:
            save_segment(actor=actor, code=code, name=name, rules=rules, description=description)
            created += 1
    snapshot_segment_sizes()
    return created
