"""create_api_client NAME --role ROLE [--location CODE]: prints the new token alone on the last line."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from omni.exceptions import DomainError
from omni.models import LOCATION_BOUND_ROLES, ApiRole
from omni.services import create_api_client
from stores.models import Location


class Command(BaseCommand):
    help = "Create an API client and print its token (shown once; only its hash is stored)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("name", help="A unique name, e.g. eshop-production.")
        parser.add_argument("--role", required=True, help=f"One of: {', '.join(ApiRole.values)}.")
        parser.add_argument("--location", help="The location code; required for the kiosk and store roles.")

    def handle(self, *args: Any, name: str, role: str, location: str | None, **options: Any) -> None:
        if role not in ApiRole.values:
            raise CommandError(f"Unknown role {role!r}: choose one of {', '.join(ApiRole.values)}.")
        if role in LOCATION_BOUND_ROLES and not location:
            raise CommandError(f"A {role} client acts at one location: give it with --location CODE.")
        location_id = None
        if location:
            found = Location.objects.filter(code=location.upper()).values_list("pk", flat=True).first()
            if found is None:
                raise CommandError(f"No location with code {location!r}.")
            location_id = found
        try:
            client, token = create_api_client(name=name, role=role, location_id=location_id)
        except DomainError as exc:
            raise CommandError(exc.detail) from exc
        where = f" at {location.upper()}" if location else ""
        self.stderr.write(
            f"Created API client {client.name!r} ({client.role}{where}). Its token, shown once:"
        )
        self.stdout.write(token)
