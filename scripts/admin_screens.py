"""docs/images/admin-*.png: a member of staff entering a meeting's remarks in the admin.

Run with ``make docs-screens`` (needs Debian's Chromium: ``make chromium``). Builds 資料2 in a
throw-away SQLite database, starts ``runserver`` on it, signs in as an 入力担当 and takes
screenshots with Playwright driving /usr/bin/chromium: the remark list of the meeting, a new
remark being typed (the meeting chosen, the next No. proposed), and the 資料 with its rows.
"""

import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

from playwright.sync_api import sync_playwright

ROOT = Path(__file__).resolve().parent.parent
IMAGES = ROOT / "docs" / "images"
CHROMIUM = "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--no-first-run"]
PASSWORD = "screens-" + "x" * 16
CREATE_EDITOR = (
    "from django.contrib.auth import get_user_model; from django.contrib.auth.models import Group;"
    f"u = get_user_model().objects.create_user('nyuryoku', password='{PASSWORD}', is_staff=True,"
    " last_name='入力', first_name='担当');"
    "u.groups.add(Group.objects.get(name='入力担当'))"
)


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for(url, seconds=30):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(url, timeout=2)  # nosec B310 - our own local server
            return
        except OSError:
            time.sleep(0.3)
    sys.exit(f"{url} が起動しませんでした。")


def main():
    if not Path(CHROMIUM).exists():
        sys.exit(f"{CHROMIUM} がありません。root で make chromium を実行してください。")
    IMAGES.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="admin-screens-") as tmp:
        env = {
            **os.environ,
            "DATABASE_URL": f"sqlite:///{Path(tmp) / 'db.sqlite3'}",
            "DJANGO_DEBUG": "1",
        }
        manage = [sys.executable, str(ROOT / "manage.py")]
        for command in (["migrate", "-v0"], ["load_report_fixture", "-v0"]):
            subprocess.run(manage + command, check=True, env=env, cwd=ROOT)
        subprocess.run([*manage, "shell", "-c", CREATE_EDITOR], check=True, env=env, cwd=ROOT)
        port = free_port()
        server = subprocess.Popen(
            [*manage, "runserver", f"127.0.0.1:{port}", "--noreload"],
            env=env,
            cwd=ROOT,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        base = f"http://127.0.0.1:{port}"
        try:
            wait_for(base + "/admin/login/")
            shoot(base)
        finally:
            server.terminate()
            server.wait(10)


def shoot(base):
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=ARGS)
        page = browser.new_page(viewport={"width": 1366, "height": 900}, locale="ja-JP")
        page.goto(base + "/admin/login/")
        page.fill("#id_username", "nyuryoku")
        page.fill("#id_password", PASSWORD)
        page.click("input[type=submit]")
        page.goto(base + "/admin/feedback/comment/")
        page.screenshot(path=IMAGES / "admin-remarks.png")
        page.goto(base + "/admin/feedback/comment/add/?meeting=1")
        page.fill("#id_number", page.input_value("#id_number") or "8")
        page.fill("#id_body", "会議で出された新しい意見を、ここに入力します。")
        page.screenshot(path=IMAGES / "admin-remark-add.png", full_page=True)
        page.goto(base + "/admin/feedback/report/1/change/")
        page.screenshot(path=IMAGES / "admin-report.png")
        browser.close()
    for name in ("admin-remarks.png", "admin-remark-add.png", "admin-report.png"):
        print(IMAGES / name)


if __name__ == "__main__":
    main()
