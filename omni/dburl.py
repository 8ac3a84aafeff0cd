"""A DATABASE_URL for a connection's settings (to hand the same database, or a sibling one on the same
server, to a child process such as gunicorn in tests and benchmarks).

The settings come from dj-database-url, whose shape changed between releases: 2.x put a socket folder in
`HOST`, 3.x puts it in `OPTIONS["host"]` and leaves `HOST` empty. Both are read here, and every other
libpq option (sslmode, options, ...) travels in the query string, so the child connects exactly where the
parent does.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote, urlencode

# Keys of OPTIONS that are part of the address itself, or options of Django and psycopg rather than libpq
# (a child reads those from its own settings), not libpq options to pass on.
_ADDRESS_KEYS = {"host", "port"}
_NOT_LIBPQ = {"server_side_binding", "prepare_threshold", "isolation_level", "assume_role", "pool"}


def url_for(params: dict[str, Any], name: str | None = None) -> str:
    options = params.get("OPTIONS") or {}
    host = str(params.get("HOST") or options.get("host") or "")
    port = str(params.get("PORT") or options.get("port") or "")
    user = quote(params.get("USER") or "", safe="")
    password = quote(params.get("PASSWORD") or "", safe="")
    auth = f"{user}:{password}@" if password else (f"{user}@" if user else "")
    name = quote(name or params["NAME"], safe="")
    query = {
        key: str(value)
        for key, value in options.items()
        if key not in _ADDRESS_KEYS
        and key not in _NOT_LIBPQ
        and isinstance(value, str | int)
        and not isinstance(value, bool)
    }
    if host.startswith("/"):
        # A Unix socket folder: libpq takes it as the host parameter, the port names the socket file.
        # quote_via=quote: libpq decodes %20 but not "+" as a space (options="-c jit=off").
        query = {"host": host, **({"port": port} if port else {}), **query}
        return f"postgresql://{auth}/{name}?{urlencode(query, quote_via=quote)}"
    netloc = f"{host}:{port}" if port else host
    suffix = f"?{urlencode(query, quote_via=quote)}" if query else ""
    return f"postgresql://{auth}{netloc}/{name}{suffix}"
