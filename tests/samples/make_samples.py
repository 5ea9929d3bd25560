"""Write the sample sheets under tests/samples/ (run: python tests/samples/make_samples.py).

They imitate what city staff have on their disks: a workbook laid out by hand like a 資料, and
a CSV saved by Japanese Excel in CP932. The files are committed; this script is how they were
made, so they can be made again.
"""

from pathlib import Path

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font

HERE = Path(__file__).resolve().parent
MEETING = "令和3年度第1回平塚市行政改革推進委員会"


def city_workbook():
    """資料3 of a later meeting: title, label, merged group headings, No. inside the member cell."""
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "資料3"
    sheet["A1"] = "平塚市デジタル化推進計画への意見"
    sheet["A1"].font = Font(name="ＭＳ ゴシック", size=14, bold=True)
    sheet["F1"] = "資料3"
    sheet.merge_cells("A3:D3")
    sheet["A3"] = f"{MEETING}における委員からの意見、質問等に対する市の考え方"
    sheet.merge_cells("E3:F3")
    sheet["E3"] = "計画策定に当たった対応"
    for column, title in enumerate(
        ["委員名", "対象項目", "意見、質問等", "市の考え方", "対応区分", "対応状況"], start=1
    ):
        sheet.cell(4, column, title)
    rows = [
        [
            "1 秋山委員",
            "情報セキュリティの確保",
            "外部監査の結果を公表してほしい。\n特に改善点を知りたい。",
            "監査結果の概要を公表します。",
            "反映",
            "令和4年3月に概要を公表しました。",
        ],
        [
            "2 芦川委員",
            "本市の未来像",
            "「誰一人取り残さない」をどう実現するのか。",
            "デジタル活用支援を続けます。",
            "今後検討",
            "",
        ],
    ]
    for row_index, values in enumerate(rows, start=5):
        for column, value in enumerate(values, start=1):
            cell = sheet.cell(row_index, column, value)
            cell.alignment = Alignment(wrap_text=True, vertical="top")
    # Trailing rows that only look empty: Excel keeps formatting far below the table.
    for row_index in range(7, 12):
        sheet.cell(row_index, 1).font = Font(bold=True)
    workbook.save(HERE / "city_sheet.xlsx")


def cp932_csv():
    """A CSV saved by Japanese Excel: CP932, CRLF, a No. column, characters shift_jis lacks."""
    lines = [
        "平塚市デジタル化推進計画への意見,,,,,,",
        f"{MEETING}における委員からの意見、質問等に対する市の考え方,,,,,計画策定に当たった対応,",
        "No.,委員名,対象項目,意見、質問等,市の考え方,対応区分,対応状況",
        '3,久田委員,方針2 行政内部のデジタル化,"①AI-OCRの対象業務は？\n髙橋課長の説明を求めます。",'
        "対象業務を選定中です。,参考,山﨑部長から説明しました。",
        "",
    ]
    (HERE / "city_sheet_cp932.csv").write_bytes("\r\n".join(lines).encode("cp932"))


def formula_workbook():
    workbook = Workbook()
    sheet = workbook.active
    for column, title in enumerate(["No.", "委員名", "対象項目", "意見、質問等"], start=1):
        sheet.cell(1, column, title)
    sheet.append([1, "秋山委員", "本市の未来像", '=HYPERLINK("http://example.com")'])
    workbook.save(HERE / "formula.xlsx")


if __name__ == "__main__":
    city_workbook()
    cp932_csv()
    formula_workbook()
