"""Open a report page in headless Chromium; print how long it took, as JSON (seconds).

    python benchmarks/render_page.py PAGE.html CHROMIUM

``load``: from navigation to the load event and the next two animation frames (parsed,
styled, laid out, painted). ``filter``: from the click on the attention filter to the
next two frames (the rows restyled and laid out again).
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

# Nothing the browser does may reach the network or change the machine; the browser tests
# launch it with these too (tests/support/browser.py).
LAUNCH_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
FRAMES = "() => new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)))"


def main(page_file: str, chromium: str) -> None:
    from playwright.sync_api import sync_playwright  # here: the tests import LAUNCH_ARGS alone

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium, args=LAUNCH_ARGS)
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        start = time.perf_counter()
        page.goto(Path(page_file).resolve().as_uri(), wait_until="load", timeout=120_000)
        page.evaluate(FRAMES)
        load = time.perf_counter() - start
        box = page.locator("#attention-only")
        start = time.perf_counter()
        box.click()
        page.evaluate(FRAMES)
        filtered = time.perf_counter() - start
        browser.close()
    print(json.dumps({"load": load, "filter": filtered}))


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
