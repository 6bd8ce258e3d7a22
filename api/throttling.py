"""Rate limits: per API token, and per address for anonymous requests (DRF throttles, in the cache).

Session users (people on the pages' browser session) are not throttled here; the log-in page has
its own limit on failed attempts (`accounts.login_throttle`).
"""

from rest_framework import throttling

from accounts.models import ApiToken


class TokenRateThrottle(throttling.SimpleRateThrottle):
    scope = "token"

    def get_cache_key(self, request, view):
        if isinstance(request.auth, ApiToken):
            return self.cache_format % {"scope": self.scope, "ident": request.auth.pk}
        return None


class AnonRateThrottle(throttling.AnonRateThrottle):
    scope = "anon"
