"""TEMPORARY shim while the code moves: the per-day counts now live in cxdata.store.counts."""

from cxdata.store.counts import *  # noqa: F403
from cxdata.store.counts import _COLUMNS, DIMENSIONS, NONE  # noqa: F401
