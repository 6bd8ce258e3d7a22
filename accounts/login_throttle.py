"""Failed log-in attempts, counted in the cache (locmem or Redis, per settings).

After `LOGIN_FAILURE_LIMIT` failures for one username from one address within
`LOGIN_FAILURE_WINDOW` seconds, further attempts for that pair are refused until the window
ends; a looser limit per address alone stops one machine trying many usernames. A successful
log-in clears the pair's count. The window is fixed from the first failure.
"""

import hashlib

from django.conf import settings
from django.core.cache import cache


def _key(kind: str, *parts: str) -> str:
    digest = hashlib.sha256("\x00".join(parts).encode("utf-8", "surrogatepass")).hexdigest()[:40]
    return f"login-failures:{kind}:{digest}"


def client_address(request) -> str:
    # REMOTE_ADDR is the proxy's address behind a proxy; gunicorn's --forwarded-allow-ips
    # makes it the client's. X-Forwarded-For is not trusted here: any client can send it.
    return request.META.get("REMOTE_ADDR", "") or "unknown"


def _keys(username: str, address: str) -> tuple[str, str]:
    return _key("user", (username or "").strip().lower(), address), _key("address", address)


def is_blocked(username: str, address: str) -> bool:
    pair, by_address = _keys(username, address)
    counts = cache.get_many([pair, by_address])
    return (
        counts.get(pair, 0) >= settings.LOGIN_FAILURE_LIMIT
        or counts.get(by_address, 0) >= settings.LOGIN_FAILURE_LIMIT_PER_ADDRESS
    )


def record_failure(username: str, address: str) -> None:
    for key in _keys(username, address):
        # add() starts the window only if no count exists; incr() keeps the key's expiry.
        cache.add(key, 0, timeout=settings.LOGIN_FAILURE_WINDOW)
        try:
            cache.incr(key)
        except ValueError:  # expired between add() and incr()
            cache.set(key, 1, timeout=settings.LOGIN_FAILURE_WINDOW)


def clear(username: str, address: str) -> None:
    cache.delete(_keys(username, address)[0])
