"""Rate limits per token (429 with Retry-After). The counts live in the cache; when the
cache is down the limit is not applied rather than the request failing (issue 15: the
portal keeps working without Redis)."""

import logging

from rest_framework.throttling import SimpleRateThrottle

logger = logging.getLogger(__name__)


class TokenRateThrottle(SimpleRateThrottle):
    scope = "api_token"

    def get_cache_key(self, request, view):
        token = request.auth
        if token is None or not hasattr(token, "pk"):
            return None
        scope = "write" if request.method not in ("GET", "HEAD", "OPTIONS") else "read"
        self.scope_kind = scope
        return f"api-throttle:{scope}:{token.pk}"

    def allow_request(self, request, view):
        key = self.get_cache_key(request, view)
        if key is None:
            return True
        from django.conf import settings

        rates = settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]
        self.rate = rates["api_write" if self.scope_kind == "write" else "api_read"]
        self.num_requests, self.duration = self.parse_rate(self.rate)
        self.key = key
        try:
            self.history = self.cache.get(self.key, [])
            self.now = self.timer()
            while self.history and self.history[-1] <= self.now - self.duration:
                self.history.pop()
            if len(self.history) >= self.num_requests:
                return self.throttle_failure()
            return self.throttle_success()
        except Exception:  # noqa: BLE001 - a cache outage must not fail the request
            logger.warning("API rate limit not applied: the cache is unavailable",
                           exc_info=True)
            return True

    def get_rate(self):
        return None  # chosen per request in allow_request
