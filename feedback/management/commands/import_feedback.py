import logging
from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from feedback import importing
from feedback.models import Meeting
from feedback.resources import import_sheet, result_errors, summary
from policy.models import Policy

audit = logging.getLogger("audit")


class Command(BaseCommand):
    help = (
        "市の様式の Excel ブック・CSV から意見・市の考え方・対応状況を読み込みます。"
        "--commit を付けない限り、確認だけで何も変更しません。"
        "エラーが一つでもあれば、ファイル全体を読み込みません。"
    )

    def add_arguments(self, parser):
        parser.add_argument("file")
        parser.add_argument(
            "--commit", action="store_true", help="確認だけでなく実際に保存します。"
        )
        parser.add_argument(
            "--publish",
            action="store_true",
            help="読み込んだ資料を公開します（--commit と一緒に。古い資料の移行用）。",
        )
        parser.add_argument(
            "--meeting", help="ファイルに会議名がないときの会議（例: 令和2年度第2回○○委員会）"
        )
        parser.add_argument(
            "--create-missing",
            action="store_true",
            help="登録されていない委員・対象項目・対応区分を作成します。",
        )
        parser.add_argument("--policy", help="新しい対象項目を作成する政策・計画の名称")
        parser.add_argument("--user", help="履歴に記録する職員のユーザー名")

    def handle(self, *args, **options):
        if options["publish"] and not options["commit"]:
            raise CommandError("--publish は --commit と一緒に指定してください。")
        path = Path(options["file"])
        try:
            content = path.read_bytes()
        except OSError as error:
            raise CommandError(f"ファイルを読めません: {path}: {error}") from error
        commit = options["commit"]
        user = self._user(options["user"])
        try:
            sheet = importing.read_upload(content, path.name)
            # The library's dry run: without --commit, everything is rolled back at the end.
            result = import_sheet(
                sheet,
                dry_run=not commit,
                diff=False,
                meeting=self._meeting(options["meeting"]),
                create_missing=options["create_missing"],
                policy=self._policy(options["policy"], create=options["create_missing"]),
                by=user,
                publish=options["publish"],
                progress=self._progress(len(sheet.rows)),
            )
        except importing.SheetError as error:
            raise CommandError("\n".join(error.messages)) from error
        self.stderr.write("")
        failed = result.has_errors() or result.has_validation_errors()
        self._summary(result, commit=commit, failed=failed)
        if commit and not failed:
            audit.info(
                "import comments from %s (command): %s",
                path.name,
                summary(result),
                extra={"user": user},
            )
        if failed:
            raise CommandError("エラーがあるため、何も読み込んでいません。")

    def _progress(self, total):
        step = max(total // 50, 1)

        def report(number):
            if number == total or number % step == 0:
                width = 30
                done = width * number // total
                self.stderr.write(
                    f"\r[{'#' * done}{'.' * (width - done)}] {number}/{total}行", ending=""
                )
                self.stderr.flush()

        return report

    def _summary(self, result, *, commit, failed):
        self.stdout.write(summary(result))
        for message in result_errors(result):
            self.stdout.write(f"エラー: {message}")
        if not failed:
            if commit:
                self.stdout.write(self.style.SUCCESS("保存しました。"))
            else:
                self.stdout.write("確認のみです。保存するには --commit を付けてください。")

    def _meeting(self, name):
        if not name:
            return None
        key = importing.parse_meeting_name(name)
        if key is None:
            raise CommandError(f"会議名として読めません: {name}")
        try:
            return Meeting.objects.get_by_natural_key(key.committee, key.fiscal_year, key.number)
        except Meeting.DoesNotExist:
            raise CommandError(f"会議「{name}」が登録されていません。") from None

    def _policy(self, title, *, create):
        if not title:
            return None
        policy = Policy.objects.filter(title=title).first()
        if policy is None:
            if not create:
                raise CommandError(
                    f"政策・計画「{title}」が登録されていません"
                    "（--create-missing を付けると作成します）。"
                )
            # Saved with the first 対象項目 it gets, so only if the import goes through.
            policy = Policy(title=title)
        return policy

    def _user(self, username):
        if not username:
            return None
        user = get_user_model().objects.filter(username=username).first()
        if user is None:
            raise CommandError(f"ユーザー「{username}」がいません。")
        return user
