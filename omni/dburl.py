"""A DATABASE_URL for a connection's settings (to hand the same database, or a sibling one on the same
server, to a child process such as gunicorn in tests and benchmarks)."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote


def url_for(params: dict[str, Any], name: str | None = None) -> str:
    host = params.get("HOST") or ""
    user = quote(params.get("USER") or "")
    password = quote(params.get("PASSWORD") or "")
    auth = f"{user}:{password}@" if password else (f"{user}@" if user else "")
    name = name or params["NAME"]
    if host.startswith("/"):
        return f"postgresql://{auth}/{name}?host={quote(host)}"
    port = params.get("PORT") or 5432
    return f"postgresql://{auth}{host}:{port}/{name}"
