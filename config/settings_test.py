"""Settings for the test suite: production settings (DEBUG off) with test-only values."""

import os

os.environ.setdefault("SECRET_KEY", "test-only-secret-key-not-for-production")
os.environ.setdefault("ALLOWED_HOSTS", "testserver,localhost,127.0.0.1")
os.environ.setdefault("SECURE_SSL_REDIRECT", "0")
os.environ.setdefault("EMAIL_BACKEND", "django.core.mail.backends.locmem.EmailBackend")
os.environ.setdefault("CACHE_USE_REDIS", "0")

from config.env import env_bool  # noqa: E402
from config.settings import *  # noqa: E402,F403
from config.settings import INSTALLED_APPS, MIDDLEWARE  # noqa: E402

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

# N+1 queries fail the test that causes them.
INSTALLED_APPS = [*INSTALLED_APPS, "zeal"]
MIDDLEWARE = [*MIDDLEWARE, "zeal.middleware.zeal_middleware"]
ZEAL_RAISE = True
ZEAL_NPLUSONE_THRESHOLD = 2

# Tasks run in-process in tests; the tests that need a real worker start one themselves
# (and start it with CELERY_TASK_ALWAYS_EAGER=0).
CELERY_TASK_ALWAYS_EAGER = env_bool("CELERY_TASK_ALWAYS_EAGER", True)
# The session row is read once per request; several requests in one test are not an N+1.
# Admin user pages read the signed-in user and the edited user: two User.get() calls, not an N+1.
ZEAL_ALLOWLIST = [{"model": "sessions.Session"}, {"model": "accounts.User"}]
