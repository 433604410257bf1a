"""Every room's tables. Each room owns one module here; all are imported so that
``Base.metadata`` is complete for Alembic and for tests."""

from __future__ import annotations

import importlib
import pkgutil

for _mod in pkgutil.iter_modules(__path__):
    importlib.import_module(f"{__name__}.{_mod.name}")

from certyard.db.models.cluster import Node, Setting  # noqa: E402
from certyard.db.models.store import PrivateKey, Purpose, StoreEntry  # noqa: E402

__all__ = ["Node", "PrivateKey", "Purpose", "Setting", "StoreEntry"]
