"""Settings come from the environment and fail loudly when production values are missing."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PRODUCTION = {
    "DEBUG": "0",
    "SECRET_KEY": "a-long-random-production-secret-key-with-enough-entropy-1234567890abcdef",
    "ALLOWED_HOSTS": "restoration.example.gov.cn",
    "DJANGO_SETTINGS_MODULE": "config.settings",
}


def manage(*args, **env):
    # Drop what the test settings put into this process's environment.
    ours = ("DEBUG", "SECRET_KEY", "ALLOWED_HOSTS", "SECURE_SSL_REDIRECT", "EMAIL_BACKEND", "CACHE_USE_REDIS")
    clean = {k: v for k, v in os.environ.items() if k not in ours}
    clean.update(env)
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=clean, capture_output=True, text=True, timeout=60
    )


def test_production_settings_pass_the_deployment_check_with_no_warnings():
    result = manage("check", "--deploy", "--fail-level", "WARNING", **PRODUCTION)
    assert result.returncode == 0, result.stderr + result.stdout


def test_without_a_secret_key_production_refuses_to_start():
    result = manage("check", **{**PRODUCTION, "SECRET_KEY": ""})
    assert result.returncode != 0
    assert "SECRET_KEY must be set" in result.stderr


def test_without_allowed_hosts_production_refuses_to_start():
    result = manage("check", **{**PRODUCTION, "ALLOWED_HOSTS": ""})
    assert result.returncode != 0
    assert "ALLOWED_HOSTS must be set" in result.stderr


def test_a_malformed_boolean_is_an_error_not_a_guess():
    result = manage("check", **{**PRODUCTION, "DEBUG": "maybe"})
    assert result.returncode != 0
    assert "DEBUG must be one of" in result.stderr


def test_debug_is_off_unless_asked_for():
    from django.conf import settings

    assert settings.DEBUG is False


@pytest.mark.parametrize("name", ["TIME_ZONE", "LANGUAGE_CODE", "USE_TZ"])
def test_time_and_language_defaults(name):
    from django.conf import settings

    assert {"TIME_ZONE": "Asia/Shanghai", "LANGUAGE_CODE": "zh-hans", "USE_TZ": True}[name] == getattr(settings, name)
