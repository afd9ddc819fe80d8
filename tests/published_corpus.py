"""Where Microsoft's published Azure-Sentinel content is, for the compatibility tests.

../shared/corpus/azure-sentinel next to the repository, or the folder DETECTIONS_CORPUS names (a local
rebuild at the original paths). Tests that need it skip cleanly when it is absent.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

CORPUS = Path(
    os.environ.get("DETECTIONS_CORPUS")
    or Path(__file__).resolve().parents[2] / "shared" / "corpus" / "azure-sentinel"
)

needs_corpus = pytest.mark.skipif(not CORPUS.is_dir(), reason=f"the published corpus is not on this machine ({CORPUS})")
