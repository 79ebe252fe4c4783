"""Prepare ./static for a fast first start: plotly.js and the shipped model's map files.

    .venv/bin/python scripts/warm_static.py

The app writes these itself on the first run for each model (that first run waits
for torch to import and the test set to be encoded, several seconds); running this
once after installing, or after replacing a checkpoint, makes the first
`streamlit run` as fast as every later one. It runs the app once without a browser.
"""

from __future__ import annotations

import sys
from pathlib import Path

from streamlit.testing.v1 import AppTest

APP = Path(__file__).resolve().parents[1] / "app.py"


def main() -> int:
    at = AppTest.from_file(str(APP), default_timeout=300)
    at.run()
    if at.exception:
        print("\n".join(e.value for e in at.exception), file=sys.stderr)
        return 1
    static = APP.parent / "static"
    print(f"ready: {len(list(static.glob('map-*.json')))} model map(s) in {static}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
