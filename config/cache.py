"""Redis as the cache, failing open: if Redis is gone, reads miss and writes are dropped (logged),
and pages keep working. Nothing that must not be lost lives in the cache (the database is the
source of truth); what degrades while Redis is away is only speed and the rate limits' memory."""

import logging

from django.core.cache.backends.redis import RedisCache

logger = logging.getLogger(__name__)


class ResilientRedisCache(RedisCache):
    def _guard(name, default=None):  # noqa: N805 - a decorator factory used in the class body
        def wrap(method):
            def call(self, *args, **kwargs):
                try:
                    return method(self, *args, **kwargs)
                except Exception as error:  # redis-py raises ConnectionError, TimeoutError, …
                    if not _is_redis_error(error):
                        raise
                    logger.warning("cache %s failed, carrying on without the cache: %s", name, error)
                    return default() if callable(default) else default

            call.__name__ = method.__name__
            return call

        return wrap

    get = _guard("get", None)(RedisCache.get)
    get_many = _guard("get_many", dict)(RedisCache.get_many)
    set = _guard("set", None)(RedisCache.set)
    set_many = _guard("set_many", list)(RedisCache.set_many)
    add = _guard("add", False)(RedisCache.add)
    delete = _guard("delete", False)(RedisCache.delete)
    delete_many = _guard("delete_many", None)(RedisCache.delete_many)
    touch = _guard("touch", False)(RedisCache.touch)
    has_key = _guard("has_key", False)(RedisCache.has_key)
    clear = _guard("clear", False)(RedisCache.clear)

    def incr(self, key, delta=1, version=None):
        try:
            return super().incr(key, delta, version)
        except Exception as error:
            if not _is_redis_error(error):
                raise
            logger.warning("cache incr failed, carrying on without the cache: %s", error)
            raise ValueError(f"Key {key!r} not found (cache unavailable)") from None


def _is_redis_error(error) -> bool:
    import redis

    return isinstance(error, redis.exceptions.RedisError | ConnectionError | TimeoutError | OSError)
