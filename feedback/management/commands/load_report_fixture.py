import json
from pathlib import Path

from django.apps import apps
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from feedback.models import Comment, Report
from feedback.search import refresh_search_text
from feedback.services import report_confirm_presented, report_publish

DEFAULT_FIXTURE = Path(settings.BASE_DIR) / "fixtures" / "shiryo2.json"


class Command(BaseCommand):
    help = (
        "資料のフィクスチャ（既定: fixtures/shiryo2.json）を読み込んで公開し、"
        "配布版として確定します。"
        "同じ資料が既にあれば何もしないので、職員の修正を上書きすることはありません。"
    )

    def add_arguments(self, parser):
        parser.add_argument("fixture", nargs="?", default=str(DEFAULT_FIXTURE))
        parser.add_argument(
            "--draft", action="store_true", help="公開せず下書きのまま読み込みます。"
        )

    def handle(self, *args, fixture, draft, verbosity, **options):
        path = Path(fixture)
        try:
            objects = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as error:
            raise CommandError(f"フィクスチャを読めません: {path}: {error}") from error
        report_keys = [
            (obj["fields"]["title"], obj["fields"]["label"])
            for obj in objects
            if obj["model"] == "feedback.report"
        ]
        if not report_keys:
            raise CommandError(f"フィクスチャに資料（feedback.report）がありません: {path}")
        existing = [
            (title, label)
            for title, label in report_keys
            if Report.objects.filter(title=title, label=label).exists()
        ]
        if existing:
            for title, label in existing:
                if verbosity:
                    self.stdout.write(f"{label}「{title}」は読み込み済みです。何も変更しません。")
            return

        with transaction.atomic():
            call_command("loaddata", str(path), verbosity=0)
            # Fixtures are saved raw, which django-simple-history does not record: give every
            # loaded record its first history entry so later corrections have a starting point.
            for label in sorted({obj["model"] for obj in objects}):
                model = apps.get_model(label)
                pk_name = model._meta.pk.attname
                recorded = model.history.values_list(pk_name, flat=True)
                model.history.bulk_history_create(
                    list(model.objects.exclude(pk__in=recorded)),
                    default_change_reason="資料の初期読み込み",
                )
            reports = [Report.objects.get_by_natural_key(*key) for key in report_keys]
            refresh_search_text(Comment.objects.filter(reports__in=reports))  # search_text
            if not draft:
                for report in reports:
                    report_publish(report=report)
                    # The fixture is the table as handed out: its 配布版, so the 「提出時点」
                    # page exists from the start. Without a 提出日 the service takes the
                    # meeting's date, or leaves the date empty (資料2 has neither).
                    report_confirm_presented(report=report, by=None)
        for report in reports if verbosity else []:
            state = "下書き" if draft else "公開"
            self.stdout.write(
                self.style.SUCCESS(
                    f"{report.label}「{report.title}」を読み込みました（{report.entries.count()}件、{state}）。"
                )
            )
