"""Headless Chromium for the tests that look at the report page (marker ``browser``).

The system's browser (Debian's ``chromium`` package, which ``.ci/run`` installs) driven
by Playwright for Python; Playwright's own browser downloads are never used.
``RECONCILER_CHROMIUM`` names another executable. Selected without a browser, a test
fails with how to get one (``tests/support/external.py``): never a skip.
"""

from __future__ import annotations

import importlib.util
import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from benchmarks.render_page import LAUNCH_ARGS

DEFAULT_CHROMIUM = "/usr/bin/chromium"
INSTALL_HINT = (
    "install it with `apt-get install -y chromium` (.ci/run does) and the test extras "
    "(`pip install -e '.[test]'`, which bring Playwright), or set RECONCILER_CHROMIUM"
)
REPO_ROOT = Path(__file__).resolve().parents[2]


def chromium_path() -> str:
    return os.environ.get("RECONCILER_CHROMIUM") or DEFAULT_CHROMIUM


def chromium_missing() -> str | None:
    """Why the ``browser`` tests cannot run here (None: they can)."""
    path = chromium_path()
    if not (Path(path).is_file() and os.access(path, os.X_OK)) and shutil.which(path) is None:
        return f"no Chromium at {path}: {INSTALL_HINT}"
    if importlib.util.find_spec("playwright") is None:
        return f"Playwright for Python is not installed: {INSTALL_HINT}"
    return None


@contextmanager
def chromium() -> Iterator[Any]:
    """A headless Chromium (a Playwright ``Browser``), closed afterwards."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium_path(), args=LAUNCH_ARGS)
        try:
            yield browser
        finally:
            browser.close()


def screenshots_dir() -> Path:
    """Where the screenshots go: ``artifacts/report-screenshots`` (CI keeps it)."""
    configured = os.environ.get("RECONCILER_SCREENSHOTS_DIR")
    folder = Path(configured) if configured else REPO_ROOT / "artifacts" / "report-screenshots"
    folder.mkdir(parents=True, exist_ok=True)
    return folder
