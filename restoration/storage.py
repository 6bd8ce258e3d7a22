"""Evidence files live in a private storage that no URL maps to."""

import uuid

from django.core.files.storage import storages


def evidence_storage():
    return storages["evidence"]


def evidence_path(instance, filename):
    """An unguessable path with no user-supplied part: evidence/ab/<32 hex>."""
    token = uuid.uuid4().hex
    return f"evidence/{token[:2]}/{token}"
