from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from omni.models import ApiClient
from omni.services import revoke_api_client


class Command(BaseCommand):
    help = "Revoke an API client's token: its next request answers 401."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("name")

    def handle(self, *args: Any, name: str, **options: Any) -> None:
        client = ApiClient.objects.filter(name=name).first()
        if client is None:
            raise CommandError(f"No API client named {name!r}.")
        revoke_api_client(client=client)
        self.stdout.write(f"Revoked {client.name!r}.")
