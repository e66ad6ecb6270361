"""The documentation site: `mkdocs build --strict` passes, and the built site works in a real browser (Debian's
Chromium driven by Playwright): images load, the search finds a page, no console error."""

import functools
import http.server
import shutil
import subprocess
import sys
import threading
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    pytest.importorskip("mkdocs")
    out = tmp_path_factory.mktemp("site")
    done = subprocess.run([sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", str(out)], cwd=ROOT,
                          capture_output=True, text=True, env={**_env(), "NO_MKDOCS_2_WARNING": "1"})  # fmt: skip
    assert done.returncode == 0, done.stderr[-3000:]
    assert "WARNING" not in done.stderr, done.stderr[-3000:]
    return out


def _env():
    import os

    return dict(os.environ)


@pytest.mark.slow
def test_the_site_builds_strictly_with_every_page_and_the_api(site):
    for page in ("index.html", "getting-started/index.html", "data/index.html", "chapters/15/index.html",
                 "speed/index.html", "architecture/index.html", "api/train/index.html"):  # fmt: skip
        assert (site / page).is_file(), page
    api = (site / "api" / "train" / "index.html").read_text()
    assert 'id="dive.train.Trainer"' in api and 'id="dive.train.plugins.precision.PrecisionPlugin"' in api
    assert "fashion-mnist" in (site / "data" / "index.html").read_text()  # the table generated from DATASETS


@pytest.fixture(scope="module")
def served(site):
    class Quiet(http.server.SimpleHTTPRequestHandler):
        def log_message(self, *args):
            pass

    handler = functools.partial(Quiet, directory=str(site))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()


CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update", "--disable-sync"]  # fmt: skip


@pytest.mark.slow
def test_the_site_in_chromium_loads_its_images_searches_and_logs_no_error(served):
    sync_api = pytest.importorskip("playwright.sync_api")
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    if chromium is None:
        pytest.skip("Debian's chromium is not installed (.ci/run installs it)")
    errors: list[str] = []
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium, args=CHROMIUM_FLAGS)
        page = browser.new_page()
        page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda e: errors.append(str(e)))
        pages = (("/", 0), ("/chapters/07/", 3), ("/chapters/14/", 2), ("/chapters/20/", 1), ("/training/", 2))
        for path, images in pages:
            page.goto(served + path, wait_until="networkidle")
            widths = page.eval_on_selector_all("article img", "imgs => imgs.map(i => i.complete ? i.naturalWidth : 0)")
            assert len(widths) >= images and all(w > 0 for w in widths), (path, widths)
        page.goto(served + "/", wait_until="networkidle")
        page.keyboard.press("/")  # Material's search hotkey, as a reader opens it
        page.keyboard.type("lr-find")
        page.wait_for_selector(".md-search-result__item", timeout=15000)
        assert page.locator(".md-search-result__item").count() > 0
        browser.close()
    assert not errors, errors
