"""Settings of the benchmark's gunicorn: the project's settings, with the bench URLconf on top."""

from config.settings import *  # noqa: F403

ROOT_URLCONF = "bench.peer_urls"
