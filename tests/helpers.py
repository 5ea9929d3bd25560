"""What several test modules share, so that no test module imports another.

Factories are in ``tests/factories.py``, HTML readers in ``tests/html.py``, fixtures in the
``conftest.py`` files; the rest is here.
"""

import os
import re
import subprocess
import sys
from pathlib import Path

from django.conf import settings
from django.urls import reverse

from feedback.models import (
    CityResponse,
    Comment,
    Committee,
    FollowUp,
    Meeting,
    Member,
    ReflectionCategory,
    Report,
    ReportEntry,
)
from policy.models import PolicyItem

PROJECT = settings.BASE_DIR
SAMPLES = Path(__file__).resolve().parent / "samples"

# -- 資料2 as the city published it, parsed independently of the fixture ----------------------

# The project's copy of the city's text (tab-separated, extracted from the PDF).
SOURCE = Path(settings.BASE_DIR) / "fixtures" / "source" / "shiryo2.txt"


def parse_source():
    lines = SOURCE.read_text(encoding="utf-8").split("\n")
    non_blank = [line for line in lines if line.strip()]
    title, label = non_blank[0], non_blank[1]
    page_one_heading = non_blank[2].split("\t")
    rows = []
    for line in non_blank[3:]:
        cells = line.split("\t")
        if cells[0].startswith("令和") or "委員名" in cells:
            continue  # the header, repeated on page 2
        # Page 1 merges No. and member into one cell: 「1 秋山委員」.
        merged = re.fullmatch(r"(\d+) (\S+委員)", cells[0])
        if merged:
            cells = [merged[1], merged[2], *cells[1:]]
        rows.append(cells)
    return {
        "title": title,
        "label": label,
        "remarks_heading": page_one_heading[0],
        "response_heading": next(cell for cell in page_one_heading[1:] if cell),
        "rows": rows,
    }


SOURCE_DATA = parse_source()


def pasted_source_rows():
    """Rows 1–3 of 資料2 as copied from Excel: header, then 「1 秋山委員」 cells."""
    lines = SOURCE.read_text(encoding="utf-8").split("\n")
    return "\n".join(lines[7:11])


# -- the import ---------------------------------------------------------------------------------


def snapshot():
    """Every record the import could touch, as plain values."""
    models = [
        Committee,
        Meeting,
        Member,
        PolicyItem,
        ReflectionCategory,
        Comment,
        CityResponse,
        FollowUp,
        Report,
        ReportEntry,
    ]
    return {model.__name__: list(model.objects.order_by("pk").values()) for model in models}


def confirm(client, preview):
    """Post the confirm form the preview page rendered, as the browser does."""
    form = preview.context["confirm_form"]
    data = {name: form[name].value() for name in form.fields}
    return client.post(
        reverse("admin:feedback_comment_process_import"),
        {k: ("" if v is None else v) for k, v in data.items()},
    )


# -- search folding -----------------------------------------------------------------------------

# The alphabet of the generated texts in the folding and search-index properties: kana of both
# widths, voiced marks, variant kanji, long-vowel marks and dashes, letters, punctuation, spaces.
JAPANESE = (
    "あいうえおかがきぎっつゃやょよぁァアカガキッツャヤョヨヴヵヶ"
    "ｱｶｶﾞｷｯﾂｬﾔｮﾖﾞﾟｰ"
    "漢字市民意見高髙崎﨑辺邊邉斎齋斉"
    "ーｰ～〜-－"
    "ＡＢＤＸａｂ０１ABdx01"
    "、。「」（）・%_\\"
    " \u3000\u3099\u309b"
)

# -- drafts that must never reach the public (the ``drafts`` fixture in tests/conftest.py) --------

MARKER = "DRAFTLEAK7q"

# -- the admin's pages ---------------------------------------------------------------------------


def change_url(obj):
    """The admin change page of ``obj``."""
    return reverse(f"admin:{obj._meta.app_label}_{obj._meta.model_name}_change", args=[obj.pk])


# -- logging in through the admin's form ----------------------------------------------------------

PASSWORD = "correct-horse-battery-staple"


def admin_login(client, username, password=PASSWORD, **extra):
    client.get("/admin/login/", **extra)
    return client.post(
        "/admin/login/?next=/admin/",
        {"username": username, "password": password},
        **extra,
    )


# -- manage.py in a subprocess, with the environment of a fresh shell ---------------------------


def run_manage(*args, **env):
    environment = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("DJANGO_", "DATABASE_URL"))
    }
    environment.update(env)
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=PROJECT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=60,
    )
