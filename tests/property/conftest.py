"""Property tests over generated raw exports: the helpers here are imported by name
(generated_exports, date_texts), and the Hypothesis profile is chosen by
HYPOTHESIS_PROFILE ("ci", the default, or "long"; see generated_exports)."""

from __future__ import annotations

import sys
from pathlib import Path

HERE = str(Path(__file__).resolve().parent)
if HERE not in sys.path:
    sys.path.insert(0, HERE)

import generated_exports  # noqa: E402,F401  (registers and loads the profiles)
