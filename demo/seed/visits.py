"""The demo's time in store: two bookable services at every demo store that does click and collect (a styling
consultation for two associates at once, a tailoring fitting for one) and a few appointments over the next
days, booked through appointments.services as the e-shop would, so the agenda, the booking form and the
appointments report have something to show after `make run`."""

from __future__ import annotations

import random
from datetime import datetime, timedelta

from django.utils import timezone

from appointments.services.booking import CustomerInput, book_appointment
from appointments.services.catalog import create_service
from omni.actors import Actor
from omni.exceptions import DomainError
from stores.models import Location
from stores.selectors.slots import service_slots

# (code, name, minutes, capacity): the demo network's services, in Italian like its stores
SERVICES = (
    ("styling", "Consulenza di stile", 45, 2),
    ("sartoria", "Prova sartoriale", 30, 1),
)
CUSTOMERS = (
    ("chiara.bianchi@example.it", "Chiara", "Bianchi"),
    ("luca.ferri@example.it", "Luca", "Ferri"),
    ("sofia.conti@example.it", "Sofia", "Conti"),
    ("marco.galli@example.it", "Marco", "Galli"),
)


def seed_demo_visits(rng: random.Random, *, now: datetime | None = None) -> int:
    """Services at the click-and-collect stores and a few appointments in the next three days; how many
    appointments were booked."""
    now = now or timezone.now()
    hq = Actor.system()
    booked = 0
    stores = Location.objects.filter(kind="store", click_and_collect=True, active=True).order_by("code")
    for location in stores:
        services = [
            create_service(
                actor=hq, location=location, code=code, name=name, duration_minutes=minutes, capacity=cap
            )
            for code, name, minutes, cap in SERVICES
        ]
        for days in (0, 1, 2):
            day = timezone.localtime(now + timedelta(days=days)).date()
            for service in services:
                free = [slot for slot in service_slots(service, day, not_before=now) if slot.remaining]
                for slot in rng.sample(free, min(2, len(free))):
                    email, first, last = rng.choice(CUSTOMERS)
                    try:
                        book_appointment(
                            actor=hq,
                            location_code=location.code,
                            service_code=service.code,
                            start=slot.start,
                            customer=CustomerInput(email=email, first_name=first, last_name=last),
                            language="it",
                        )
                    except DomainError:  # a rule of the booking (e.g. full): the demo simply books fewer
                        continue
                    booked += 1
    return booked
