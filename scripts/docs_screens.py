"""docs/images/report-*.png: the 資料 page as Chromium prints it and as a phone shows it.

Run with ``make docs-screens-pages`` (needs Chromium at /usr/bin/chromium and poppler's
pdftoppm: ``make chromium print-tools``). Builds 資料2 from its fixture in a throw-away SQLite
database, serves it with ``runserver`` on a free local port and drives Debian's Chromium with
Playwright (the same browser and flags as tests/browser/):

- ``report-print-page1.png``: page 1 of ``page.pdf()`` (print media, A4 landscape), by pdftoppm;
- ``report-phone-top.png`` and ``report-phone-table.png``: 375 px wide, the top of the page and
  the first row of the table as a card.
"""

import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

from playwright.sync_api import sync_playwright

ROOT = Path(__file__).resolve().parent.parent
IMAGES = ROOT / "docs" / "images"
CHROMIUM = "/usr/bin/chromium"
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_for(url, server, seconds=60):
    """Poll until the server answers (or has died, or the time is up)."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if server.poll() is not None:
            sys.exit("runserver が終了しました。")
        try:
            with urllib.request.urlopen(url, timeout=5):  # nosec B310: our own local server
                return
        except (urllib.error.URLError, ConnectionError):
            time.sleep(0.5)
    sys.exit(f"{url} が応答しません。")


def shoot(base, folder):
    written = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=ARGS)
        page = browser.new_page(viewport={"width": 1280, "height": 800})
        page.goto(base + "/")
        report_url = base + page.locator(".report-card__title a").first.get_attribute("href")
        page.goto(report_url)
        pdf = folder / "report.pdf"
        page.pdf(path=str(pdf), prefer_css_page_size=True)
        page.close()
        subprocess.run(
            [
                "pdftoppm",
                "-r",
                "80",
                "-png",
                "-f",
                "1",
                "-l",
                "1",
                "-singlefile",
                str(pdf),
                str(IMAGES / "report-print-page1"),
            ],
            check=True,
        )
        written.append(IMAGES / "report-print-page1.png")

        phone = browser.new_page(
            viewport={"width": 375, "height": 812}, device_scale_factor=2, is_mobile=True
        )
        phone.goto(report_url)
        phone.screenshot(path=str(IMAGES / "report-phone-top.png"))
        phone.evaluate("document.querySelector('#report-table').scrollIntoView()")
        phone.screenshot(path=str(IMAGES / "report-phone-table.png"))
        written += [IMAGES / "report-phone-top.png", IMAGES / "report-phone-table.png"]
        browser.close()
    return written


def main():
    if not Path(CHROMIUM).exists():
        sys.exit(f"{CHROMIUM} がありません。root で make chromium を実行してください。")
    if not shutil.which("pdftoppm"):
        sys.exit("pdftoppm がありません。root で make print-tools を実行してください。")
    IMAGES.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="docs-screens-") as tmp:
        folder = Path(tmp)
        env = {
            **os.environ,
            "DATABASE_URL": f"sqlite:///{folder / 'db.sqlite3'}",
            "DJANGO_DEBUG": "1",
            "HOME": str(folder),
        }
        env.pop("REDIS_URL", None)
        manage = [sys.executable, str(ROOT / "manage.py")]
        for command in (["migrate", "-v0"], ["createcachetable"], ["load_report_fixture", "-v0"]):
            subprocess.run(manage + command, check=True, env=env, cwd=ROOT)
        port = free_port()
        server = subprocess.Popen(  # nosec B603: our own manage.py, fixed arguments
            [*manage, "runserver", "--noreload", f"127.0.0.1:{port}"],
            env=env,
            cwd=ROOT,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            base = f"http://127.0.0.1:{port}"
            wait_for(base + "/", server)
            for path in shoot(base, folder):
                print(path.relative_to(ROOT))
        finally:
            server.terminate()
            server.wait(timeout=30)


if __name__ == "__main__":
    main()
