"""The print workbook printed for real: LibreOffice Calc turns it into a PDF, poppler reads it back.

Many city offices open the workbook in LibreOffice. These tests convert the public 資料2
download and a 2,000-row workbook with ``soffice --headless --convert-to pdf`` and check, with
``pdftotext``, that every cell's whole text is printed (nothing cut by a row too low), that the
header is on every page, and that every page starts on the row the written row heights predict,
where the workbook's manual page break puts it.

``make test`` installs LibreOffice Calc, poppler-utils and the IPA Gothic font as root (``make
print-tools``). Without ``soffice`` these tests fail, never skip.

ＭＳ ゴシック is mapped to IPAGothic for LibreOffice here (a private fontconfig file), as a
Windows PC has ＭＳ ゴシック itself: both are fixed-pitch with half-width ASCII, so the
column widths, counted in the default font's digit, are the same in both.
"""

import datetime
import io
import math
import os
import random
import re
import shutil
import subprocess
from dataclasses import dataclass, replace
from html.parser import HTMLParser
from pathlib import Path

import pytest
from django.urls import reverse
from openpyxl import load_workbook
from openpyxl.utils import get_column_letter

from feedback import excel, table
from tests.helpers import SOURCE_DATA

# A4 landscape: 297 × 210 mm in points.
PAGE_WIDTH, PAGE_HEIGHT = 297 / 25.4 * 72, 210 / 25.4 * 72
CONVERT_TIMEOUT = 300
FONTS_CONF = """<?xml version="1.0"?>
<!DOCTYPE fontconfig SYSTEM "urn:fontconfig:fonts.dtd">
<fontconfig>
  <include ignore_missing="yes">/etc/fonts/fonts.conf</include>
  <alias binding="same">
    <family>ＭＳ ゴシック</family><prefer><family>IPAGothic</family></prefer>
  </alias>
</fontconfig>
"""


def squeeze(text):
    """Text without whitespace: wrapping adds line breaks, layout adds spaces."""
    return re.sub(r"\s+", "", text)


def tool(name, package):
    path = shutil.which(name)
    if not path:
        pytest.fail(
            f"{name} がありません。root で make print-tools を実行して {package} を入れてください。"
        )
    return path


def run(*command, **options):
    return subprocess.run(
        command, check=True, capture_output=True, timeout=CONVERT_TIMEOUT, **options
    )


def to_pdf(xlsx, folder):
    """Convert with LibreOffice in a profile of its own, so parallel runs never share one."""
    soffice = tool("soffice", "libreoffice-calc")
    fonts_conf = folder / "fonts.conf"
    fonts_conf.write_text(FONTS_CONF, encoding="utf-8")
    profile = folder / "libreoffice-profile"
    env = {**os.environ, "FONTCONFIG_FILE": str(fonts_conf), "HOME": str(folder)}
    run(
        soffice,
        f"-env:UserInstallation={profile.as_uri()}",
        "--headless",
        "--convert-to",
        "pdf",
        "--outdir",
        str(folder),
        str(xlsx),
        env=env,
    )
    pdf = xlsx.with_suffix(".pdf")
    assert pdf.exists(), f"LibreOffice が {pdf.name} を書き出しませんでした"
    return pdf


@dataclass(frozen=True)
class Word:
    x: float
    y: float
    text: str


class _BboxParser(HTMLParser):
    """``pdftotext -bbox`` output: the centre and text of every word, page by page."""

    def __init__(self):
        super().__init__()
        self.pages, self._word = [], None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "page":
            self.pages.append([])
        elif tag == "word":
            box = [float(attrs[k]) for k in ("xmin", "ymin", "xmax", "ymax")]
            self._word = ((box[0] + box[2]) / 2, (box[1] + box[3]) / 2)

    def handle_data(self, data):
        if self._word:
            self.pages[-1].append(Word(*self._word, data))

    def handle_endtag(self, tag):
        if tag == "word":
            self._word = None


@dataclass
class Printed:
    """A workbook, its PDF as LibreOffice printed it, and the pages the row heights predict."""

    sheet: object
    pdf: Path
    words: list  # per page, the words with their centres
    layout: list  # per page, ``pdftotext -layout`` text
    expected: "Pagination"

    @classmethod
    def convert(cls, content, folder, name):
        xlsx = folder / f"{name}.xlsx"
        xlsx.write_bytes(content)
        pdf = to_pdf(xlsx, folder)
        pdftotext = tool("pdftotext", "poppler-utils")
        bbox = _BboxParser()
        bbox.feed(run(pdftotext, "-bbox", str(pdf), "-").stdout.decode("utf-8"))
        layout = run(pdftotext, "-layout", str(pdf), "-").stdout.decode("utf-8")
        sheet = load_workbook(xlsx).active
        return cls(
            sheet=sheet,
            pdf=pdf,
            words=bbox.pages,
            layout=layout.split("\f")[: len(bbox.pages)],
            expected=Pagination.of(sheet),
        )


@dataclass
class Pagination:
    """Where each row prints, from the heights and widths written in the workbook.

    Fit to one page wide: the largest whole percentage at which the columns fit between the
    side margins (column widths count in the digit of the default font, ＭＳ ゴシック 10 pt: 5 pt).
    A page holds the rows whose scaled heights fit between the top and the bottom margin (the
    room Excel leaves; LibreOffice leaves a little more), at least one data row; page 1 starts
    with the title and the header, every other page with the header rows. The workbook writes a
    manual break at the end of each page, so LibreOffice neither breaks elsewhere nor tries its
    2 % smaller scale (tdf#103516), which would save no page.
    """

    scale: float
    left: float
    column_edges: list  # x of each column's left edge, and the right edge of the last
    pages: list  # per page, ``(row, top, bottom)`` in points from the page's top edge

    @classmethod
    def of(cls, sheet):
        margins = sheet.page_margins
        left, right = margins.left * 72, margins.right * 72
        top, bottom = margins.top * 72, margins.bottom * 72
        digit = excel.BODY_FONT.size / 2
        widths = [
            sheet.column_dimensions[get_column_letter(column)].width * digit
            for column in range(1, sheet.max_column + 1)
        ]
        printable = PAGE_WIDTH - left - right
        height = {row: sheet.row_dimensions[row].height for row in range(1, sheet.max_row + 1)}
        assert sheet.print_title_rows == f"${excel.GROUP_ROW}:${excel.HEADER_ROW}"

        scale = min(100, math.floor(printable * 100 / sum(widths))) / 100
        room = PAGE_HEIGHT - top - bottom
        pages, current = [], [1, 2, 3, 4]
        for row in range(excel.FIRST_DATA_ROW, sheet.max_row + 1):
            used = sum(height[r] for r in current) * scale
            if current[-1] >= excel.FIRST_DATA_ROW and used + height[row] * scale > room:
                pages.append(current)
                current = [excel.GROUP_ROW, excel.HEADER_ROW]
            current.append(row)
        pages.append(current)

        x = left + (printable - sum(widths) * scale) / 2  # centred horizontally
        edges = [x]
        for width in widths:
            edges.append(edges[-1] + width * scale)

        placed = []
        for rows in pages:
            y, page = top, []
            for row in rows:
                page.append((row, y, y + height[row] * scale))
                y += height[row] * scale
            placed.append(page)
        return cls(scale=scale, left=x, column_edges=edges, pages=placed)

    def breaks(self):
        """The last row of every page but the last."""
        return [page[-1][0] for page in self.pages[:-1]]

    def data_rows(self, page):
        return [entry for entry in self.pages[page] if entry[0] >= excel.FIRST_DATA_ROW]


def printed_columns(printed):
    """Each column's printed text, page after page, read below the header and above the footer.

    Only the scale and the header rows' heights place the words; where the page breaks fall is
    checked separately, by the page count.
    """
    sheet, expected = printed.sheet, printed.expected
    height = {row: sheet.row_dimensions[row].height for row in range(1, excel.FIRST_DATA_ROW)}
    top = sheet.page_margins.top * 72
    footer = PAGE_HEIGHT - sheet.page_margins.bottom * 72
    edges = expected.column_edges
    columns = [[] for _ in range(len(edges) - 1)]
    for page, words in enumerate(printed.words):
        header_rows = range(1, excel.FIRST_DATA_ROW) if page == 0 else (3, 4)
        body_top = top + sum(height[row] for row in header_rows) * expected.scale
        inside = sorted(
            (w for w in words if body_top < w.y < footer), key=lambda w: (round(w.y), w.x)
        )
        for column in range(len(columns)):
            columns[column] += [w.text for w in inside if edges[column] <= w.x < edges[column + 1]]
    return [squeeze("".join(texts)) for texts in columns]


def assert_every_cell_printed_whole(printed):
    """Every cell's whole text is printed, in order: a row too low would cut its end off."""
    sheet = printed.sheet
    printed_text = printed_columns(printed)
    for column in range(1, sheet.max_column + 1):
        cells = [
            squeeze("" if value is None else str(value))
            for (value,) in sheet.iter_rows(
                min_row=excel.FIRST_DATA_ROW,
                min_col=column,
                max_col=column,
                values_only=True,
            )
        ]
        expected, got = "".join(cells), printed_text[column - 1]
        if got != expected:
            at = next(
                (i for i, (a, b) in enumerate(zip(expected, got, strict=False)) if a != b),
                min(len(expected), len(got)),
            )
            pytest.fail(
                f"column {get_column_letter(column)} printed differently at character {at}: "
                f"expected …{expected[at - 20 : at + 40]!r}, printed …{got[at - 20 : at + 40]!r}"
            )


def printed_first_numbers(printed):
    """The No. of the first row on each printed page: the topmost number in the No. column."""
    left, right = printed.expected.column_edges[:2]
    firsts = []
    for words in printed.words:
        numbers = [w for w in words if left <= w.x < right and w.text.isdigit()]
        firsts.append(int(min(numbers, key=lambda w: w.y).text) if numbers else None)
    return firsts


def assert_pages_as_predicted(printed):
    """LibreOffice starts every page on the row the heights predict, and the workbook's manual
    page breaks are exactly there (so Excel starts its pages on the same rows)."""
    expected, sheet = printed.expected, printed.sheet
    assert [brk.id for brk in sheet.row_breaks.brk] == expected.breaks()
    predicted = [
        sheet.cell(rows[0][0], 1).value
        for rows in map(expected.data_rows, range(len(expected.pages)))
    ]
    assert printed_first_numbers(printed) == predicted


def assert_header_on_every_page(printed, remarks_heading, response_heading):
    header = squeeze("".join(table.TITLES))
    for number, text in enumerate(printed.layout, start=1):
        page = squeeze(text)
        assert header in page, f"page {number} has no column titles"
        assert squeeze(remarks_heading) in page, f"page {number} has no remarks heading"
        assert squeeze(response_heading) in page, f"page {number} has no response heading"


# -- 資料2, downloaded from its public URL ------------------------------------------------------


_converted = {}


@pytest.fixture
def shiryo2_printed(shiryo2, client, tmp_path_factory):
    """資料2 downloaded from its public URL, converted once for all the tests of this module.

    The database is per test, so the download is repeated; the conversion is not.
    """
    response = client.get(f"/reports/{shiryo2.pk}/download.xlsx")
    assert response.status_code == 200
    assert response.request["PATH_INFO"] == reverse(
        "feedback:report-download", args=[shiryo2.pk, "xlsx"]
    )
    if "shiryo2" not in _converted:
        _converted["shiryo2"] = Printed.convert(
            response.content, tmp_path_factory.mktemp("shiryo2"), "資料2"
        )
    return _converted["shiryo2"]


def test_shiryo2_prints_every_cell_whole(shiryo2_printed):
    assert shiryo2_printed.sheet.max_row == excel.FIRST_DATA_ROW + len(SOURCE_DATA["rows"]) - 1
    assert_every_cell_printed_whole(shiryo2_printed)


def test_shiryo2_prints_the_header_on_every_page(shiryo2_printed):
    assert len(shiryo2_printed.layout) > 1
    assert_header_on_every_page(
        shiryo2_printed, SOURCE_DATA["remarks_heading"], SOURCE_DATA["response_heading"]
    )
    first = squeeze(shiryo2_printed.layout[0])
    assert first.startswith(squeeze(SOURCE_DATA["title"]))
    assert squeeze(SOURCE_DATA["title"]) not in squeeze(shiryo2_printed.layout[1])


def test_shiryo2_page_count_is_what_the_row_heights_predict(shiryo2_printed):
    assert shiryo2_printed.expected.scale == 0.86
    assert len(shiryo2_printed.words) == len(shiryo2_printed.expected.pages) == 2
    assert [[row for row, _, _ in page] for page in shiryo2_printed.expected.pages] == [
        [1, 2, 3, 4, 5, 6, 7],
        [3, 4, 8, 9, 10, 11],
    ]
    assert_pages_as_predicted(shiryo2_printed)


# -- 2,000 rows of varied text -------------------------------------------------------------------

GENERATED_ROWS = 2000
# Text the source does not have but real tables do: ASCII words and URLs, full-width digits
# and letters, brackets, line breaks, long words, spaces.
EXTRAS = (
    "https://www.city.hiratsuka.kanagawa.jp/kurashi/page-0123456789.html",
    "ＡＩ・ＩｏＴ・ＲＰＡ",
    "令和３年度（２０２１年度）",
    "LINE、Facebook、X（旧Twitter）、Instagram、YouTube",
    "「（仮称）デジタル推進課」",
    "Society 5.0",
    "\n",
    "\n・",
    "　",
    "ー",
    "ExtraordinarilyLongIdentifierWithoutAnySpacesThatMustBeSplitSomewhere",
    "100%",
    "ＭＳ ゴシック 10pt",
    "…",
)


def generated_rows(count=GENERATED_ROWS):
    random_ = random.Random(14)
    members = sorted({row[1] for row in SOURCE_DATA["rows"]})
    items = sorted({row[2] for row in SOURCE_DATA["rows"]})
    texts = [cell for row in SOURCE_DATA["rows"] for cell in row[3:7] if len(cell) > 2]

    def text(longest):
        pieces = []
        while not pieces or random_.random() < 0.5:
            source = random_.choice(texts)
            start = random_.randrange(len(source))
            pieces.append(source[start : start + random_.randrange(1, 160)])
            if random_.random() < 0.6:
                pieces.append(random_.choice(EXTRAS))
        return "".join(pieces)[:longest].strip() or "参考"

    rows = []
    for number in range(1, count + 1):
        rows.append(
            table.TableRow(
                id=number,
                url=f"/comments/{number}/",
                meeting="令和2年度第2回平塚市行政改革推進委員会",
                committee="平塚市行政改革推進委員会",
                fiscal_year=2020,
                meeting_number=2,
                held_on=None,
                number=number,
                member=random_.choice(members),
                policy="平塚市デジタル化基本方針（素案）",
                policy_item=random_.choice(items),
                remark=text(500),
                response=text(500),
                category=random_.choice(["反映", "参考", "一部反映", "今後検討"]),
                follow_up=text(400) if random_.random() < 0.8 else "",
                follow_ups=(),
                updated_at=datetime.datetime.fromisoformat("2021-04-01T00:00:00+09:00"),
            )
        )
    return rows


@pytest.fixture(scope="module")
def large_printed(tmp_path_factory):
    workbook = excel.build_workbook(
        title=SOURCE_DATA["title"],
        label=SOURCE_DATA["label"],
        remarks_heading=SOURCE_DATA["remarks_heading"],
        response_heading=SOURCE_DATA["response_heading"],
        rows=generated_rows(),
    )
    return Printed.convert(
        excel.workbook_bytes(workbook), tmp_path_factory.mktemp("large"), "2000rows"
    )


def test_large_workbook_prints_every_cell_whole(large_printed):
    assert large_printed.sheet.max_row == excel.FIRST_DATA_ROW + GENERATED_ROWS - 1
    assert_every_cell_printed_whole(large_printed)


def test_large_workbook_prints_the_header_on_every_page(large_printed):
    assert_header_on_every_page(
        large_printed, SOURCE_DATA["remarks_heading"], SOURCE_DATA["response_heading"]
    )


def test_large_workbook_page_count_is_what_the_row_heights_predict(large_printed):
    printed, predicted = len(large_printed.words), len(large_printed.expected.pages)
    assert large_printed.expected.scale == 0.86
    assert printed == predicted == 461
    assert_pages_as_predicted(large_printed)


def test_page_breaks_stop_at_excels_limit():
    """Excel keeps at most 1,023 manual page breaks: a longer book stops writing them there."""
    # Rows of Excel's greatest height, one a page: 1,100 pages.
    tall = "\n".join(["あ"] * 40)
    rows = [replace(row, remark=tall) for row in generated_rows(1100)]
    workbook = excel.build_workbook(
        title="題", label="", remarks_heading="意見", response_heading="対応", rows=rows
    )
    sheet = load_workbook(io.BytesIO(excel.workbook_bytes(workbook))).active
    assert {sheet.row_dimensions[row].height for row in range(5, 1105)} == {409}
    assert [brk.id for brk in sheet.row_breaks.brk] == list(range(5, 5 + 1023))
