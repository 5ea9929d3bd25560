"""docs/images/workbook-page*.png: 資料2's print workbook as LibreOffice Calc prints it.

Run with ``make docs-screens`` (needs ``make print-tools``). Builds 資料2 from its fixture in a
throw-away SQLite database, writes the workbook with ``export_report``, converts it to PDF with
``soffice --headless`` and each page to PNG with ``pdftoppm``. ＭＳ ゴシック is mapped to IPA
Gothic as in tests/feedback/test_workbook_print.py.
"""

import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
IMAGES = ROOT / "docs" / "images"
FONTS_CONF = """<?xml version="1.0"?>
<!DOCTYPE fontconfig SYSTEM "urn:fontconfig:fonts.dtd">
<fontconfig>
  <include ignore_missing="yes">/etc/fonts/fonts.conf</include>
  <alias binding="same">
    <family>ＭＳ ゴシック</family><prefer><family>IPAGothic</family></prefer>
  </alias>
</fontconfig>
"""


def main():
    for tool in ("soffice", "pdftoppm"):
        if not shutil.which(tool):
            sys.exit(f"{tool} がありません。root で make print-tools を実行してください。")
    with tempfile.TemporaryDirectory(prefix="print-screens-") as tmp:
        folder = Path(tmp)
        env = {
            **os.environ,
            "DATABASE_URL": f"sqlite:///{folder / 'db.sqlite3'}",
            "DJANGO_DEBUG": "1",
            "FONTCONFIG_FILE": str(folder / "fonts.conf"),
            "HOME": str(folder),
        }
        (folder / "fonts.conf").write_text(FONTS_CONF, encoding="utf-8")
        manage = [sys.executable, str(ROOT / "manage.py")]
        for command in (["migrate", "-v0"], ["load_report_fixture", "-v0"]):
            subprocess.run(manage + command, check=True, env=env, cwd=ROOT)
        xlsx = folder / "shiryo2.xlsx"
        subprocess.run(
            [*manage, "export_report", "資料2", "-o", str(xlsx), "-v0"], check=True, env=env
        )
        subprocess.run(
            [
                "soffice",
                f"-env:UserInstallation={(folder / 'profile').as_uri()}",
                "--headless",
                "--convert-to",
                "pdf",
                "--outdir",
                str(folder),
                str(xlsx),
            ],
            check=True,
            env=env,
            capture_output=True,
        )
        IMAGES.mkdir(parents=True, exist_ok=True)
        prefix = folder / "workbook-page"
        subprocess.run(
            ["pdftoppm", "-r", "80", "-png", str(xlsx.with_suffix(".pdf")), str(prefix)],
            check=True,
        )
        for png in sorted(folder.glob("workbook-page-*.png")):
            target = IMAGES / png.name.replace("workbook-page-", "workbook-page")
            shutil.copyfile(png, target)
            print(target.relative_to(ROOT))


if __name__ == "__main__":
    main()
