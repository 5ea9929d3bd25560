"""Import of the city's sheets through django-import-export.

``CitySheetFormat`` turns an uploaded workbook or CSV into a dataset (``feedback.importing`` does
the reading), and ``CommentImportResource`` applies it: a changed remark through the model's
save, new remarks with their answers and follow-ups in batches of 1,000, and in both cases
django-simple-history records every change with its author. The whole file applies or nothing
does: the resource runs in one transaction and any row error rolls it back.

Members, policy items and categories are matched by name; an unknown one is a row error unless
``create_missing`` is set. Committees and meetings named in the file (the group heading
「令和2年度第2回平塚市行政改革推進委員会における…」 or a 会議 column) are used or created, and a
sheet with a title and a 資料 label becomes that 資料, listing the rows in file order.
"""

import copy
import re

import tablib
from django.core.exceptions import ObjectDoesNotExist, ValidationError
from django.db.models import Max, Prefetch
from django.utils import timezone
from django.utils.safestring import mark_safe
from import_export import fields, resources
from import_export.formats.base_formats import Format
from import_export.resources import Diff
from simple_history.utils import bulk_create_with_history

from feedback import importing, permissions
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
from feedback.search import refresh_search_text
from policy.enums import ItemKind
from policy.models import Policy, PolicyItem

HEADERS = (
    "行",
    "会議",
    "No.",
    "委員名",
    "対象項目",
    "意見、質問等",
    "市の考え方",
    "対応区分",
    "対応状況",
)
ERRORS = "_errors"
# The resource's columns, in the table's order (see CommentImportResource).
IMPORT_FIELDS = (
    "meeting_name",
    "number_value",
    "member_name",
    "item_heading",
    "remark",
    "city_view",
    "category",
    "follow_up",
)


def version_key(meeting, number):
    """How a row's remark is named in the versions the preview hands to the confirmation: by
    the meeting's natural key, since a meeting the preview created (and rolled back) gets
    another id at confirmation on PostgreSQL."""
    return f"{meeting.committee.name}|{meeting.fiscal_year}|{meeting.number}|{number}"


class ImportRefused(Exception):
    """The whole file is refused (its message, in Japanese, is shown as it is)."""


def dataset_from_sheet(sheet):
    """The rows of a ``importing.Sheet`` as a tablib dataset; the sheet rides along."""
    if not sheet.rows:
        raise importing.SheetError("見出し行の下にデータの行がありません。")
    dataset = tablib.Dataset(headers=[*HEADERS, ERRORS])
    for row in sheet.rows:
        dataset.append(
            [
                row.line,
                row.meeting,
                row.number,
                row.member,
                row.policy_item,
                row.remark,
                row.city_view,
                row.category,
                row.follow_up,
                "\n".join(row.errors),
            ]
        )
    dataset.sheet = sheet
    return dataset


class CitySheetFormat(Format):
    """Excel (.xlsx), CSV (UTF-8 or CP932) or tab-separated text in the city's table layout."""

    def __init__(self, encoding=None):
        # The encoding is detected from the bytes (UTF-8, else CP932); the admin passes one.
        self.encoding = encoding

    def get_title(self):
        return "Excel・CSV（資料の様式）"

    def create_dataset(self, in_stream):
        content = in_stream if isinstance(in_stream, bytes) else in_stream.encode("utf-8")
        return dataset_from_sheet(importing.read_upload(content))

    def get_extension(self):
        return "xlsx"

    def get_content_type(self):
        return "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

    def can_import(self):
        return True


class PlainDiff(Diff):
    """The preview's diff without inline ``style`` attributes, which our CSP refuses;
    static/css/admin-import.css colours ``<ins>`` and ``<del>`` instead."""

    def as_html(self):
        # diff_match_patch escapes the texts it marks up; only its style attributes go.
        return [mark_safe(_STYLE_ATTRIBUTE.sub("", html)) for html in super().as_html()]  # nosec B308 B703


_STYLE_ATTRIBUTE = re.compile(r' style="[^"]*"')


class RowValue(fields.Field):
    """A column shown in the preview and compared for changes; written by the resource itself."""

    def __init__(self, column_name, read):
        super().__init__(column_name=column_name, readonly=True)
        self.read = read

    def get_value(self, instance):
        if instance is None:
            return ""
        try:
            return self.read(instance)
        except (AttributeError, ObjectDoesNotExist):
            return ""

    def clean(self, row, **kwargs):
        return row.get(self.column_name)


def _row_values(comment):
    """What a row of the sheet says about a saved remark, to tell unchanged rows."""
    response = getattr(comment, "response", None)
    return (
        comment.member_id,
        comment.policy_item_id,
        comment.body,
        response.body if response else "",
        response.category_id if response else None,
        _latest_follow_up(comment),
    )


def _response_values(comment):
    """市の考え方 and 対応区分 of a remark; for a new one, those it is about to be written with."""
    if comment.pk is None:
        body, category = getattr(comment, "_import_response", ("", None))
    else:
        body, category = comment.response.body, comment.response.category
    return body, category.name if category else ""


def _latest_follow_up(comment):
    if comment.pk is None:
        return getattr(comment, "_import_follow_up", "")
    latest = getattr(comment, "_import_latest_follow_up", None)
    if latest is None:
        follow_ups = list(comment.follow_ups.all())
        latest = follow_ups[-1].body if follow_ups else ""
    return latest


class CommentImportResource(resources.ModelResource):
    meeting_name = RowValue("会議", lambda c: c.meeting.name)
    number_value = RowValue("No.", lambda c: c.number)
    member_name = RowValue("委員名", lambda c: c.member.display_name)
    item_heading = RowValue("対象項目", lambda c: c.policy_item.heading)
    remark = RowValue("意見、質問等", lambda c: c.body)
    city_view = RowValue("市の考え方", lambda c: _response_values(c)[0])
    category = RowValue("対応区分", lambda c: _response_values(c)[1])
    follow_up = RowValue("対応状況", _latest_follow_up)

    class Meta:
        model = Comment
        fields = IMPORT_FIELDS
        import_id_fields = ()
        use_transactions = True
        clean_model_instances = True
        report_skipped = True
        skip_unchanged = False
        # New remarks, with their answers and follow-ups, are written per batch (see
        # ``bulk_create``); changed ones are saved one by one. One transaction either way.
        use_bulk = True
        batch_size = 1000

    def __init__(
        self,
        *,
        meeting=None,
        create_missing=False,
        policy=None,
        user=None,
        progress=None,
        report=None,
        skip_diff=False,
        expected_versions=None,
        preview=None,
        **kwargs,
    ):
        super().__init__(**kwargs)
        # At confirmation: each row's remark version as the preview saw it ("meeting:No." →
        # version, 0 for a remark the preview found new). ``preview`` receives them at the
        # dry run (``preview["versions"]``) for the confirmation form to carry.
        self.expected_versions = expected_versions
        self.preview = preview
        if skip_diff:
            # The command line shows no preview: computing each row's diff is wasted work.
            self._meta = copy.copy(self._meta)
            self._meta.skip_diff = True
        self.progress = progress
        # A 資料 chosen by the caller (rows pasted on its page) takes the rows in file order.
        self.target_report = report
        self.default_meeting = meeting
        self.create_missing = create_missing
        self.default_policy = policy
        self.user = user
        self.report = None
        self.report_created = False

    def get_import_fields(self):
        return [self.fields[name] for name in IMPORT_FIELDS]

    def get_diff_class(self):
        return PlainDiff

    def get_export_fields(self, selected_fields=None):
        return self.get_import_fields()

    def get_user_visible_fields(self):
        return self.get_import_fields()

    def _check_import_id_fields(self, headers):
        """Rows are identified by meeting and No., resolved in ``get_instance``."""

    # -- before the rows ---------------------------------------------------------------------

    def before_import(self, dataset, **kwargs):
        self.user = kwargs.get("user", self.user)
        if getattr(self.user, "is_anonymous", False):
            self.user = None
        self.sheet = getattr(dataset, "sheet", None)
        meta = self.sheet.meta if self.sheet else importing.SheetMeta()
        self.meta_meeting = self._meeting_for(meta.meeting) if meta.meeting else None
        self.members = {}
        for member in Member.objects.select_related("committee"):
            self.members[(member.committee_id, member.name)] = member
        self.items = {}
        for item in PolicyItem.objects.select_related("policy"):
            self.items.setdefault(item.heading, []).append(item)
        self.categories = {category.name: category for category in ReflectionCategory.objects.all()}
        self.meetings = {}
        self.existing = {}
        self.seen_versions = {}
        # Columns the sheet has: one it lacks leaves that part of an existing remark as it is.
        self.present = set(self.sheet.columns) if self.sheet else set(importing.COLUMN_TITLES)

    def _existing_comments(self, meeting):
        """The meeting's remarks by No., read once with everything a row compares (two queries
        per meeting instead of several per row)."""
        if meeting.pk not in self.existing:
            comments = (
                Comment.objects.filter(meeting=meeting)
                .select_related("member", "policy_item", "meeting__committee", "response__category")
                .prefetch_related(
                    Prefetch(
                        "follow_ups", queryset=FollowUp.objects.order_by(*FollowUp._meta.ordering)
                    )
                )
            )
            self.existing[meeting.pk] = {comment.number: comment for comment in comments}
        return self.existing[meeting.pk]

    def _meeting_for(self, key):
        """The meeting a file names, created with its committee when missing."""
        committee = Committee.objects.filter(name=key.committee).first()
        if committee is None:
            committee = Committee(name=key.committee)
            committee._history_user = self.user
            committee.save()
        meeting = Meeting.objects.filter(
            committee=committee, fiscal_year=key.fiscal_year, number=key.number
        ).first()
        if meeting is None:
            meeting = Meeting(committee=committee, fiscal_year=key.fiscal_year, number=key.number)
            meeting._history_user = self.user
            meeting.save()
        return meeting

    def _row_meeting(self, row):
        name = (row.get("会議") or "").strip()
        if name:
            if name not in self.meetings:
                key = importing.parse_meeting_name(name)
                self.meetings[name] = self._meeting_for(key) if key else None
            meeting = self.meetings[name]
            if meeting is None:
                raise ValidationError(
                    f"{row['行']}行目（会議）: 「{name}」を会議名として読めません"
                    "（例: 令和2年度第2回平塚市行政改革推進委員会）。"
                )
            return meeting
        meeting = self.meta_meeting or self.default_meeting
        if meeting is None:
            raise ValidationError(
                f"{row['行']}行目: どの会議の意見か分かりません。"
                "見出しに会議名を入れるか、読み込む会議を選んでください。"
            )
        return meeting

    # -- each row ----------------------------------------------------------------------------

    def before_import_row(self, row, **kwargs):
        if row.get(ERRORS):
            raise ValidationError(row[ERRORS].split("\n"))

    def get_instance(self, instance_loader, row):
        meeting = self._row_meeting(row)
        instance = self._existing_comments(meeting).get(row["No."])
        key = version_key(meeting, row["No."])
        current = instance.version if instance is not None else 0
        self.seen_versions[key] = current
        if self.expected_versions is not None:
            expected = self.expected_versions.get(key)
            if expected != current:
                raise ValidationError(self._moved_message(row, expected, current))
        return instance

    def _moved_message(self, row, expected, current):
        if not expected:
            return (
                f"{row['行']}行目: No.{row['No.']} は、確認画面を表示した後に"
                "他の職員が登録しました。取り込みを中止しました。もう一度ファイルを選んで確認してください。"
            )
        return (
            f"{row['行']}行目: No.{row['No.']} は、確認画面を表示した後に他の職員が変更しました"
            f"（確認したときの版: {expected}、現在の版: {current}）。"
            "取り込みを中止しました。もう一度ファイルを選んで確認してください。"
        )

    def init_instance(self, row=None):
        return Comment(meeting=self._row_meeting(row), number=row["No."])

    def _where(self, row, key):
        columns = self.sheet.columns if self.sheet else {}
        column = f" {columns[key]}" if key in columns else ""
        return f"{row['行']}行目{column}（{importing.COLUMN_LABELS[key]}）"

    def _member(self, row, committee):
        text = row["委員名"]
        name = importing.split_member(text)
        member = self.members.get((committee.pk, name))
        if member is None:
            if not self.create_missing:
                raise ValidationError(
                    f"{self._where(row, 'member')}: 「{text}」は{committee.name}の委員に"
                    "登録されていません。委員を登録するか「ないものは作成する」を選んでください。"
                )
            member = Member(committee=committee, name=name)
            member._history_user = self.user
            member.save()
            self.members[(committee.pk, name)] = member
        return member

    def _policy_item(self, row):
        heading = row["対象項目"]
        candidates = self.items.get(heading, [])
        if len(candidates) == 1:
            return candidates[0]
        if len(candidates) > 1:
            if self.default_policy:
                for item in candidates:
                    if item.policy_id == self.default_policy.pk:
                        return item
            raise ValidationError(
                f"{self._where(row, 'policy_item')}: 「{heading}」は複数の政策・計画にあります。"
                "読み込む政策・計画を選んでください。"
            )
        if not self.create_missing:
            raise ValidationError(
                f"{self._where(row, 'policy_item')}: 対象項目「{heading}」が登録されていません。"
                "対象項目を登録するか「ないものは作成する」を選んでください。"
            )
        policy = self.default_policy or self._only_policy()
        if policy is None:
            raise ValidationError(
                f"{self._where(row, 'policy_item')}: 対象項目「{heading}」を作成する"
                "政策・計画を選んでください。"
            )
        order = (policy.items.aggregate(last=Max("order"))["last"] or 0) + 1
        # 「平塚市デジタル化基本方針（素案）」: a remark on the document as a whole.
        whole = (
            heading.startswith(policy.title)
            and not policy.items.filter(kind=ItemKind.WHOLE_DOCUMENT).exists()
        )
        item = PolicyItem(
            policy=policy,
            heading=heading,
            order=order,
            kind=ItemKind.WHOLE_DOCUMENT if whole else ItemKind.SECTION,
        )
        item._history_user = self.user
        item.save()
        self.items[heading] = [item]
        return item

    def _only_policy(self):
        policies = list(Policy.objects.all()[:2])
        return policies[0] if len(policies) == 1 else None

    def _category(self, row):
        name = row["対応区分"]
        if not name:
            return None
        category = self.categories.get(name)
        if category is None:
            if not self.create_missing:
                known = "、".join(self.categories)
                raise ValidationError(
                    f"{self._where(row, 'category')}: 対応区分「{name}」は登録されていません"
                    f"（登録済み: {known}）。"
                )
            order = max((c.order for c in self.categories.values()), default=0) + 1
            category = ReflectionCategory(name=name, order=order)
            category._history_user = self.user
            category.save()
            self.categories[name] = category
        return category

    def import_instance(self, instance, row, **kwargs):
        committee = instance.meeting.committee
        errors = []
        resolved = {}
        for key, resolve in (
            ("member", lambda: self._member(row, committee)),
            ("policy_item", lambda: self._policy_item(row)),
            ("category", lambda: self._category(row)),
        ):
            try:
                resolved[key] = resolve()
            except ValidationError as error:
                errors.extend(error.messages)
        if errors:
            raise ValidationError(errors)
        if instance.pk is not None:
            instance._import_before = _row_values(instance)
        instance.member = resolved["member"]
        instance.policy_item = resolved["policy_item"]
        instance.body = row["意見、質問等"]
        current_response = getattr(instance, "response", None) if instance.pk else None
        instance._import_response = (
            (row["市の考え方"] or "")
            if "city_view" in self.present
            else (current_response.body if current_response else ""),
            resolved["category"]
            if "category" in self.present
            else (current_response.category if current_response else None),
        )
        # No 対応状況 column: the follow-ups stay as they are (compared as the latest one).
        instance._import_follow_up = (
            row["対応状況"] or ""
            if "follow_up" in self.present
            else (_latest_follow_up(instance) if instance.pk else "")
        )
        instance._import_line = row["行"]
        body, category = instance._import_response
        if instance.is_published and not (body.strip() and category is not None):
            raise ValidationError(
                f"{row['行']}行目: No.{instance.number} は公開済みのため、"
                "市の考え方と対応区分を空にできません。"
            )
        if instance.is_published and not self._unchanged(instance) and not self._may_publish():
            raise ValidationError(
                f"{row['行']}行目: No.{instance.number} は公開済みのため、"
                "公開の権限がある職員でなければ変更できません（承認者に依頼してください）。"
            )

    def skip_row(self, instance, original, row, import_validation_errors=None):
        """Unchanged rows are reported as such and not saved (no empty history entries)."""
        return not import_validation_errors and self._unchanged(instance)

    def _may_publish(self):
        """Changing a published remark is the publishers' (the command line counts as one)."""
        return self.user is None or permissions.can_publish(self.user)

    def _unchanged(self, instance):
        before = getattr(instance, "_import_before", None)
        if before is None:
            return False
        body, category = instance._import_response
        return before == (
            instance.member_id,
            instance.policy_item_id,
            instance.body,
            body,
            category.pk if category else None,
            instance._import_follow_up,
        )

    def validate_instance(self, instance, import_validation_errors=None, validate_unique=True):
        """Row errors carry their row and column already; model checks get the row added."""
        if import_validation_errors:
            raise ValidationError(
                [message for messages in import_validation_errors.values() for message in messages]
            )
        try:
            # Member, item and meeting come from the resource's own look-ups and No. is unique
            # in the file and matched to the existing remark, so only the values are checked
            # here; the database still enforces every constraint.
            instance.full_clean(
                exclude=["meeting", "member", "policy_item", "published_by"],
                validate_unique=False,
                validate_constraints=False,
            )
        except ValidationError as error:
            line = getattr(instance, "_import_line", "?")
            raise ValidationError(
                [f"{line}行目: {message}" for message in error.messages]
            ) from error

    def after_import_row(self, row, row_result, **kwargs):
        if self.progress:
            self.progress(kwargs.get("row_number", 0))

    def save_instance(self, instance, is_create, row, **kwargs):
        instance._history_user = self.user
        if is_create:
            self.create_instances.append(instance)
            return
        if kwargs.get("dry_run") and not kwargs.get("using_transactions"):
            return
        # An import is an edit: the remark's version goes up, so a form opened before it can no
        # longer save over the imported text.
        if not instance.bump_version(instance.version):
            raise ValidationError(self._moved_message(row, instance.version, instance.version + 1))
        self.do_instance_save(instance, is_create)
        self._save_response(instance, is_create)
        self._save_follow_up(instance, is_create)
        refresh_search_text([instance.pk])  # search_text

    def bulk_create(self, using_transactions, dry_run, raise_errors, batch_size=None, result=None):
        """New remarks, then their answers and first follow-ups, each with its history row."""
        try:
            if not self.create_instances or (dry_run and not using_transactions):
                return
            comments = bulk_create_with_history(
                self.create_instances, Comment, batch_size=batch_size, default_user=self.user
            )
            responses, follow_ups = [], []
            for comment in comments:
                body, category = comment._import_response
                if body or category is not None:
                    responses.append(CityResponse(comment=comment, body=body, category=category))
                if comment._import_follow_up:
                    # Undated, as on paper: the sheet gives no date of its own.
                    follow_ups.append(FollowUp(comment=comment, body=comment._import_follow_up))
            bulk_create_with_history(
                responses, CityResponse, batch_size=batch_size, default_user=self.user
            )
            bulk_create_with_history(
                follow_ups, FollowUp, batch_size=batch_size, default_user=self.user
            )
            refresh_search_text([comment.pk for comment in comments])  # search_text
        except Exception as error:
            self.handle_import_error(result, error, raise_errors)
        finally:
            self.create_instances.clear()

    def _save_response(self, comment, is_create):
        body, category = comment._import_response
        response = None if is_create else getattr(comment, "response", None)
        if response is None:
            if not body and category is None:
                return
            response = CityResponse(comment=comment)
        elif response.body == body and response.category_id == (category.pk if category else None):
            return
        response.body = body
        response.category = category
        response._history_user = self.user
        response.full_clean(exclude=["comment", "category"], validate_constraints=False)
        response.save()
        comment.response = response

    def _save_follow_up(self, comment, is_create):
        text = comment._import_follow_up
        follow_ups = [] if is_create else list(comment.follow_ups.all())
        if not text or (follow_ups and follow_ups[-1].body == text):
            return
        # A sheet's 対応状況 carries no date of its own: the first one stays undated as on
        # paper; a changed one is a new entry dated the day it was recorded.
        follow_up = FollowUp(
            comment=comment,
            body=text,
            recorded_on=timezone.localdate() if follow_ups else None,
        )
        follow_up._history_user = self.user
        follow_up.save()
        # The prefetched list no longer holds the latest; the preview's diff reads this.
        comment._import_latest_follow_up = text

    # -- after the rows ----------------------------------------------------------------------

    def after_import(self, dataset, result, **kwargs):
        super().after_import(dataset, result, **kwargs)
        if self.preview is not None:
            self.preview["versions"] = dict(self.seen_versions)
        if result.has_errors() or result.has_validation_errors():
            return
        meta = self.sheet.meta if self.sheet else None
        if self.target_report is not None:
            self.report = self.target_report
        elif meta and meta.title and meta.label:
            self.report = Report.objects.filter(title=meta.title, label=meta.label).first()
            self.report_created = self.report is None
        else:
            return
        if self.report_created:
            self.report = Report(
                title=meta.title,
                label=meta.label,
                remarks_heading=meta.remarks_heading,
                response_heading=meta.response_heading,
            )
            self.report._history_user = self.user
            self.report.full_clean()
            self.report.save()
        wanted = [comment.pk for comment in self._file_order(dataset)]
        entries = list(self.report.entries.order_by("position"))
        if wanted == [entry.comment_id for entry in entries]:
            return
        if self.report.is_published and not self._may_publish():
            raise ImportRefused(
                f"{self.report}は公開済みのため、掲載する意見とその順番は"
                "公開の権限がある職員でなければ変更できません。"
            )
        # Old rows deleted one by one and new ones in bulk, each with its history row.
        for entry in entries:
            entry._history_user = self.user
            entry.delete()
        bulk_create_with_history(
            [
                ReportEntry(report=self.report, comment_id=pk, position=position)
                for position, pk in enumerate(wanted, start=1)
            ],
            ReportEntry,
            batch_size=500,
            default_user=self.user,
        )

    def _file_order(self, dataset):
        """Every remark of the file, in the order of its rows (unchanged ones included)."""
        order = []
        for values in dataset.dict:
            meeting = self._row_meeting(values)
            order.append((meeting.pk, values["No."]))
        comments = {
            (c.meeting_id, c.number): c
            for c in Comment.objects.filter(
                meeting_id__in={m for m, _ in order}, number__in={n for _, n in order}
            )
        }
        return [comments[key] for key in order if key in comments]
