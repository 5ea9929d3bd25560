from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from feedback import excel, table, writers
from feedback.models import Report
from feedback.selectors import report_comments


class Command(BaseCommand):
    help = (
        "資料を印刷用の Excel ブック（または CSV・JSON）に書き出します。"
        "会議資料の準備用なので、下書きの資料も書き出せます。"
    )

    def add_arguments(self, parser):
        parser.add_argument("report", help="資料の ID、または「資料2」のような資料番号")
        parser.add_argument("--output", "-o", required=True, help="書き出すファイル")
        parser.add_argument("--format", choices=["xlsx", "csv", "json"], default=None)
        parser.add_argument(
            "--published-only", action="store_true", help="公開済みの意見だけを書き出します。"
        )

    def handle(self, *args, report, output, format, published_only, verbosity, **options):
        report_obj = self._find_report(report)
        path = Path(output)
        fmt = format or path.suffix.lstrip(".").lower()
        if fmt not in ("xlsx", "csv", "json"):
            raise CommandError(
                "形式が分かりません。--format に xlsx・csv・json のいずれかを指定してください。"
            )
        comments = report_comments(report_obj, published_only=published_only)
        rows = table.rows(comments)
        if fmt == "xlsx":
            # Drafts are marked 「未公開」, so that nobody hands them out unapproved.
            workbook = excel.report_workbook(report_obj, rows, drafts=excel.unpublished(comments))
            content = excel.workbook_bytes(workbook)
        elif fmt == "csv":
            content = writers.write_csv(rows)
        else:
            content = writers.write_json(rows, report=report_obj)
        try:
            path.write_bytes(content)
        except OSError as error:
            raise CommandError(f"ファイルに書き込めません: {path}: {error}") from error
        if verbosity:
            name = f"{report_obj.label}「{report_obj.title}」"
            self.stdout.write(
                self.style.SUCCESS(f"{name}{len(rows)}件を {path} に書き出しました。")
            )

    def _find_report(self, key):
        reports = (
            Report.objects.filter(pk=int(key))
            if key.isdigit()
            else Report.objects.filter(label=key)
        )
        found = list(reports[:2])
        if not found:
            raise CommandError(f"資料「{key}」が見つかりません。")
        if len(found) > 1:
            raise CommandError(f"資料番号「{key}」の資料が複数あります。ID で指定してください。")
        return found[0]
