"""Write screenshots of the main resident pages, an officer's dashboard and comparison report,
and the public "What you told us" page to docs/screenshots/ at 390px and 1280px.

    .venv/bin/python scripts/screenshots.py [FOLDER]

Runs tests/browser/test_screenshots.py against a live test server with Debian's
Chromium (see tests/browser/conftest.py), so it needs no database or demo data of its own.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent


def main() -> int:
    folder = Path(sys.argv[1]) if len(sys.argv) > 1 else REPO / "docs" / "screenshots"
    os.environ["COLLAB_SCREENSHOTS"] = str(folder.resolve())
    # The browser fixture fails rather than skips, so a missing Chromium is not silent here.
    os.environ["COLLAB_REQUIRE_BROWSER"] = "1"
    os.chdir(REPO)
    code = pytest.main(["-q", "-p", "no:cacheprovider", "tests/browser/test_screenshots.py"])
    if code == 0:
        for png in sorted(folder.glob("*.png")):
            print(png.relative_to(REPO) if png.is_relative_to(REPO) else png)
    return int(code)


if __name__ == "__main__":
    sys.exit(main())
