"""Import of the city's sheets through django-import-export, as its documentation shows.

``importing`` reads a workbook, a CSV file or pasted text into a ``Sheet`` without touching
the database; ``SheetDataset`` hands its rows to the library with their values as the reader
typed them (No. a number, the reader's own errors a list). ``CommentImportResource`` applies
them: one field per column, the related records found by widgets (the member among the
committee of the row's meeting, the 対象項目, the 対応区分; created when missing if asked),
each row matched to its remark by the natural key (meeting, No.), unchanged rows skipped, and
the whole file in one transaction that the library's dry run (the preview, the command without
``--commit``) rolls back. The writes are ``feedback.services``'s.

One way in: ``import_sheet`` (the paste and ``import_feedback``), and the admin upload, whose
``ImportMixin`` calls the same ``import_data`` with the same ``IMPORT_DATA_OPTIONS``.
"""

import re

import tablib
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Max, Prefetch
from django.utils import timezone
from django.utils.safestring import mark_safe
from import_export import fields, resources, widgets
from import_export.formats.base_formats import Format
from import_export.instance_loaders import ModelInstanceLoader
from import_export.resources import Diff

from feedback import importing, permissions, services
from feedback.models import (
    CityResponse,
    Comment,
    Committee,
    FollowUp,
    Meeting,
    Member,
    ReflectionCategory,
    Report,
)
from policy.enums import ItemKind
from policy.models import Policy, PolicyItem

LABELS = importing.COLUMN_LABELS
LINE = "行"  # the row's line in the file, for messages
ERRORS = "読み取りエラー"  # what ``importing`` found wrong with the row, a list
# Columns a sheet may leave out: then that part of an existing remark stays as it is.
OPTIONAL_COLUMNS = ("response", "category", "follow_up")
# Every import runs in one transaction, rolled back on any error.
IMPORT_DATA_OPTIONS = {"use_transactions": True, "rollback_on_validation_errors": True}


class SheetDataset(tablib.Dataset):
    """The rows of a ``Sheet`` as the library reads them, with the sheet they come from.

    A row without 会議 is of the meeting the sheet's group heading names, if it names one.
    """

    def __init__(self, sheet):
        if not sheet.rows:
            raise importing.SheetError("見出し行の下にデータの行がありません。")
        keys = [key for key in LABELS if key in sheet.columns or key not in OPTIONAL_COLUMNS]
        super().__init__(headers=[LINE, *(LABELS[key] for key in keys), ERRORS])
        self.sheet = sheet
        heading = sheet.meta.remarks_heading if sheet.meta.meeting else ""
        for row in sheet.rows:
            values = {**vars(row), "meeting": row.meeting or heading}
            self.append([row.line, *(values[key] for key in keys), row.errors])


def import_sheet(sheet, *, dry_run, diff=True, **options):
    """Import a ``Sheet`` (``options`` as ``CommentImportResource`` takes them); the result.

    ``diff=False`` leaves out the preview's diff of each row (the command line shows none).
    """
    resource_class = CommentImportResource if diff else CommentImportResourceWithoutDiff
    resource = resource_class(**options)
    return resource.import_data(SheetDataset(sheet), dry_run=dry_run, **IMPORT_DATA_OPTIONS)


class CitySheetFormat(Format):
    """Excel (.xlsx), CSV (UTF-8 or CP932) or tab-separated text in the city's table layout."""

    def __init__(self, encoding=None):
        # The encoding is detected from the bytes (UTF-8, else CP932); the admin passes one.
        self.encoding = encoding

    def get_title(self):
        return "Excel・CSV（資料の様式）"

    def create_dataset(self, in_stream):
        content = in_stream if isinstance(in_stream, bytes) else in_stream.encode("utf-8")
        return SheetDataset(importing.read_upload(content))

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


def with_follow_ups(comments):
    """Remarks with their follow-ups in ``sheet_follow_ups``, latest first (the one rule,
    ``FollowUp.objects.latest_first``): the first is the 対応状況 a sheet shows. A new one from
    the sheet is put first until saved."""
    follow_ups = FollowUp.objects.latest_first()
    return comments.prefetch_related(Prefetch("follow_ups", follow_ups, to_attr="sheet_follow_ups"))


def _create(obj, by):
    """A record a file names and the database lacks, added through the one write path."""
    try:
        return services.record_save(obj=obj, by=by)
    except PermissionDenied as error:
        raise ValueError(str(error)) from error


class MeetingWidget(widgets.ForeignKeyWidget):
    """会議: 「令和2年度第2回平塚市行政改革推進委員会」, by the meeting's natural key; the meeting
    and its committee are created when missing, as the file names them. A row without one is
    of ``default`` (the meeting chosen for the import)."""

    def __init__(self, *, default=None, by=None):
        super().__init__(Meeting)
        self.default, self.by, self.found = default, by, {}

    def clean(self, value, row=None, **kwargs):
        if not value:
            if self.default is None:
                raise ValueError(
                    f"{row[LINE]}行目: どの会議の意見か分かりません。"
                    "見出しに会議名を入れるか、読み込む会議を選んでください。"
                )
            return self.default
        if value not in self.found:
            key = importing.parse_meeting_name(value)
            if key is None:
                raise ValueError(
                    f"{row[LINE]}行目（会議）: 「{value}」を会議名として読めません"
                    "（例: 令和2年度第2回平塚市行政改革推進委員会）。"
                )
            self.found[value] = self._get_or_create(key)
        return self.found[value]

    def _get_or_create(self, key):
        try:
            return Meeting.objects.get_by_natural_key(key.committee, key.fiscal_year, key.number)
        except Meeting.DoesNotExist:
            pass
        try:
            committee = Committee.objects.get_by_natural_key(key.committee)
        except Committee.DoesNotExist:
            committee = _create(Committee(name=key.committee), self.by)
        meeting = Meeting(committee=committee, fiscal_year=key.fiscal_year, number=key.number)
        return _create(meeting, self.by)

    def render(self, value, obj=None, **kwargs):
        return value.name if value else ""


class MemberWidget(widgets.ForeignKeyWidget):
    """委員名: 「秋山委員」 is the member 秋山 of the committee that held the row's meeting."""

    def __init__(self, *, meetings, create_missing=False, by=None):
        super().__init__(Member, "name")
        self.meetings, self.create_missing, self.by, self.found = meetings, create_missing, by, {}

    def committee(self, row):
        return self.meetings.clean(row[LABELS["meeting"]], row).committee

    def get_queryset(self, value, row, *args, **kwargs):
        return Member.objects.filter(committee=self.committee(row))

    def get_lookup_kwargs(self, value, row, **kwargs):
        return {"name": Member.name_from_label(value)}

    def clean(self, value, row=None, **kwargs):
        committee = self.committee(row)
        key = (committee.pk, Member.name_from_label(value))
        if key not in self.found:
            try:
                self.found[key] = super().clean(value, row, **kwargs)
            except Member.DoesNotExist:
                if not self.create_missing:
                    raise ValueError(
                        f"「{value}」は{committee.name}の委員に登録されていません。"
                        "委員を登録するか「ないものは作成する」を選んでください。"
                    ) from None
                self.found[key] = _create(Member(committee=committee, name=key[1]), self.by)
        return self.found[key]

    def render(self, value, obj=None, **kwargs):
        return value.display_name if value else ""


class PolicyItemWidget(widgets.ForeignKeyWidget):
    """対象項目 by heading; a heading several policies share is the one of ``policy``. Created
    when missing in ``policy`` (or the only policy there is)."""

    def __init__(self, *, policy=None, create_missing=False, by=None):
        super().__init__(PolicyItem, "heading")
        self.policy, self.create_missing, self.by, self.found = policy, create_missing, by, {}

    def get_queryset(self, value, row, *args, **kwargs):
        items = PolicyItem.objects.all()
        chosen = items.filter(policy=self.policy) if self.policy and self.policy.pk else None
        return chosen if chosen is not None and chosen.filter(heading=value).exists() else items

    def clean(self, value, row=None, **kwargs):
        if value not in self.found:
            try:
                self.found[value] = super().clean(value, row, **kwargs)
            except PolicyItem.MultipleObjectsReturned:
                raise ValueError(
                    f"「{value}」は複数の政策・計画にあります。読み込む政策・計画を選んでください。"
                ) from None
            except PolicyItem.DoesNotExist:
                self.found[value] = self._create(value)
        return self.found[value]

    def _create(self, heading):
        if not self.create_missing:
            raise ValueError(
                f"対象項目「{heading}」が登録されていません。"
                "対象項目を登録するか「ないものは作成する」を選んでください。"
            )
        policies = list(Policy.objects.all()[:2])
        policy = self.policy or (policies[0] if len(policies) == 1 else None)
        if policy is None:
            raise ValueError(f"対象項目「{heading}」を作成する政策・計画を選んでください。")
        if policy.pk is None:
            _create(policy, self.by)  # named on the command line: made with the import
        order = (policy.items.aggregate(last=Max("order"))["last"] or 0) + 1
        # 「平塚市デジタル化基本方針（素案）」: a remark on the document as a whole.
        whole = (
            heading.startswith(policy.title)
            and not policy.items.filter(kind=ItemKind.WHOLE_DOCUMENT).exists()
        )
        kind = ItemKind.WHOLE_DOCUMENT if whole else ItemKind.SECTION
        return _create(PolicyItem(policy=policy, heading=heading, order=order, kind=kind), self.by)

    def render(self, value, obj=None, **kwargs):
        return value.heading if value else ""


class CategoryWidget(widgets.ForeignKeyWidget):
    """対応区分 by name; created after the existing ones when missing, if asked."""

    def __init__(self, *, create_missing=False, by=None):
        super().__init__(ReflectionCategory, "name")
        self.create_missing, self.by, self.found = create_missing, by, None

    def clean(self, value, row=None, **kwargs):
        if not value:
            return None
        if self.found is None:
            self.found = {category.name: category for category in self.get_queryset(value, row)}
        if value not in self.found:
            if not self.create_missing:
                known = "、".join(self.found)
                raise ValueError(f"対応区分「{value}」は登録されていません（登録済み: {known}）。")
            order = max((category.order for category in self.found.values()), default=0) + 1
            self.found[value] = _create(ReflectionCategory(name=value, order=order), self.by)
        return self.found[value]


class FollowUpField(fields.Field):
    """対応状況: the remark's latest follow-up. Another text is a new entry after the others:
    undated if it is the first, as on paper, else dated the day it is recorded."""

    def get_value(self, comment):
        follow_ups = comment.sheet_follow_ups
        return follow_ups[0].body if follow_ups else ""

    def save(self, comment, row, is_m2m=False, **kwargs):
        text = self.clean(row, **kwargs)
        earlier = comment.sheet_follow_ups
        if text and text != self.get_value(comment):
            recorded_on = timezone.localdate() if earlier else None
            new = FollowUp(comment=comment, body=text, recorded_on=recorded_on)
            comment.sheet_follow_ups = [new, *earlier]


class RemarkLoader(ModelInstanceLoader):
    """A row's remark by its natural key (meeting, No.): each meeting's remarks are read once,
    with everything a row compares, instead of several queries per row."""

    def __init__(self, resource, dataset=None):
        super().__init__(resource, dataset)
        self.remarks = {}

    def get_instance(self, row):
        meeting = self.resource.fields["meeting"].clean(row)
        if meeting.pk not in self.remarks:
            comments = self.get_queryset().filter(meeting=meeting)
            self.remarks[meeting.pk] = {comment.number: comment for comment in comments}
        return self.remarks[meeting.pk].get(self.resource.fields["number"].clean(row))


def version_key(meeting, number):
    """A remark in the versions the preview hands to the confirmation: its natural key, since
    a meeting the preview created (and rolled back) gets another id at confirmation."""
    return "|".join(map(str, (*meeting.natural_key(), number)))


class CommentImportResource(resources.ModelResource):
    meeting = fields.Field("meeting", LABELS["meeting"])
    number = fields.Field("number", LABELS["number"])
    member = fields.Field("member", LABELS["member"])
    policy_item = fields.Field("policy_item", LABELS["policy_item"])
    remark = fields.Field("body", LABELS["remark"])
    response = fields.Field("response__body", LABELS["response"])
    category = fields.Field("response__category", LABELS["category"])
    follow_up = FollowUpField("sheet_follow_ups", LABELS["follow_up"])

    class Meta:
        model = Comment
        fields = tuple(LABELS)
        import_id_fields = ("meeting", "number")
        instance_loader_class = RemarkLoader
        report_skipped = True
        # New remarks with their answers and follow-ups are written per 1,000 rows; changed
        # ones with them, one by one (``services.comments_save_imported``).
        use_bulk = True
        batch_size = 1000

    def __init__(
        self,
        *,
        meeting=None,
        policy=None,
        create_missing=False,
        report=None,
        by=None,
        publish=False,
        expected_versions=None,
        preview=None,
        progress=None,
    ):
        super().__init__()
        meetings = MeetingWidget(default=meeting, by=by)
        self.fields["meeting"].widget = meetings
        self.fields["member"].widget = MemberWidget(
            meetings=meetings, create_missing=create_missing, by=by
        )
        self.fields["policy_item"].widget = PolicyItemWidget(
            policy=policy, create_missing=create_missing, by=by
        )
        self.fields["category"].widget = CategoryWidget(create_missing=create_missing, by=by)
        self.by = by
        # Rows pasted on a 資料's page become its rows, in the order pasted.
        self.target_report = report
        self.publish = publish
        # At confirmation: each row's remark version as the preview saw it (``version_key`` →
        # version, 0 for a remark the preview found new). ``preview`` receives them at the
        # dry run (``preview["versions"]``) for the confirmation form to carry.
        self.expected_versions = expected_versions
        self.preview = preview
        self.versions = {}
        # What each existing remark of the file read as before its row was applied.
        self.stored = {}
        # Each row's remark (``version_key``) in the order of the file's rows, and the remark
        # once it has an id (the 資料's rows are written from them, none read again).
        self.in_file = []
        self.saved = {}
        self.progress = progress
        self.import_fields = None

    def get_queryset(self):
        return with_follow_ups(
            Comment.objects.select_related(
                "meeting__committee", "member", "policy_item", "response__category"
            )
        )

    def get_diff_class(self):
        return PlainDiff

    def get_import_fields(self):
        """The library's, made once per import rather than once per row (0.1 s of 10,000 rows):
        the fields are set when the resource is made."""
        if self.import_fields is None:
            self.import_fields = super().get_import_fields()
        return self.import_fields

    def before_import(self, dataset, **kwargs):
        self.sheet = dataset.sheet

    # -- each row ----------------------------------------------------------------------------

    def import_row(self, row, instance_loader, **kwargs):
        """As the library imports a row; a field's errors then name their row and column."""
        result = super().import_row(row, instance_loader, **kwargs)
        if result.validation_error is not None:
            result.validation_error = self._located(result.validation_error, row)
        return result

    def _located(self, error, row):
        if not hasattr(error, "error_dict"):
            return error  # the reader's and the resource's own messages name the row already
        names = {field.attribute: name for name, field in self.fields.items()}
        messages = []
        for key, texts in error.message_dict.items():
            name = names.get(key, key)
            if name in LABELS:
                column = f" {self.sheet.columns[name]}" if name in self.sheet.columns else ""
                texts = [f"{row[LINE]}行目{column}（{LABELS[name]}）: {text}" for text in texts]
            messages += texts
        return ValidationError(messages)

    def before_import_row(self, row, **kwargs):
        if row[ERRORS]:
            raise ValidationError(row[ERRORS])

    def get_instance(self, instance_loader, row):
        try:
            return super().get_instance(instance_loader, row)
        except ValueError as error:  # the meeting: its message names the row already
            raise ValidationError(str(error)) from error

    def _key(self, row):
        return version_key(self.fields["meeting"].clean(row), row[LABELS["number"]])

    def _values(self, comment):
        return [field.get_value(comment) for field in self.get_import_fields()]

    def after_init_instance(self, instance, new, row, **kwargs):
        if new:
            instance.sheet_follow_ups = []
        if getattr(instance, "response", None) is None:
            instance.response = CityResponse()
        number, key = row[LABELS["number"]], self._key(row)
        current = 0 if new else instance.version
        self.versions[key] = current
        self.in_file.append(key)
        if not new:
            self.saved[key] = instance
        self.stored[key] = None if new else self._values(instance)
        expected = None if self.expected_versions is None else self.expected_versions.get(key)
        if self.expected_versions is not None and expected != current:
            where = f"{row[LINE]}行目: No.{number} は、確認画面を表示した後に他の職員が"
            again = "取り込みを中止しました。もう一度ファイルを選んで確認してください。"
            if not expected:
                raise ValidationError(f"{where}登録しました。{again}")
            raise ValidationError(
                f"{where}変更しました（確認したときの版: {expected}、現在の版: {current}）。{again}"
            )

    def skip_row(self, instance, original, row, import_validation_errors=None):
        """An existing remark the row leaves as it was is not saved (no empty history entry)."""
        if instance._state.adding or import_validation_errors:
            return False
        return self.stored.get(self._key(row)) == self._values(instance)

    def validate_instance(self, instance, import_validation_errors=None, validate_unique=True):
        """The values only: the widgets found the related records, and No. is unique in the
        file and matched to its remark; the database still enforces every constraint."""
        errors = dict(import_validation_errors or {})
        related = ["meeting", "member", "policy_item", "published_by"]
        try:
            instance.full_clean(
                exclude=[*related, *errors], validate_unique=False, validate_constraints=False
            )
        except ValidationError as error:
            errors = error.update_error_dict(errors)
        if errors:
            raise ValidationError(errors)

    def before_save_instance(self, instance, row, **kwargs):
        """A published remark keeps its answer, and changes only by those who may publish."""
        if not instance.is_published:
            return
        where = f"{row[LINE]}行目: No.{instance.number} は公開済みのため、"
        response = instance.response
        if not (response.body.strip() and response.category_id is not None):
            raise ValidationError(f"{where}市の考え方と対応区分を空にできません。")
        if self.by is not None and not permissions.can_publish(self.by):
            raise ValidationError(
                f"{where}公開の権限がある職員でなければ変更できません（承認者に依頼してください）。"
            )

    def after_import_row(self, row, row_result, **kwargs):
        if self.progress:
            self.progress(kwargs["row_number"])

    # -- the writes --------------------------------------------------------------------------

    def bulk_create(self, using_transactions, dry_run, raise_errors, batch_size=None, result=None):
        self._save(self.create_instances, using_transactions, dry_run, raise_errors, result)

    def bulk_update(self, using_transactions, dry_run, raise_errors, batch_size=None, result=None):
        self._save(self.update_instances, using_transactions, dry_run, raise_errors, result)

    def _save(self, comments, using_transactions, dry_run, raise_errors, result):
        try:
            if comments and (using_transactions or not dry_run):
                follow_ups = [f for c in comments for f in c.sheet_follow_ups if f._state.adding]
                services.comments_save_imported(
                    comments=comments,
                    follow_ups=follow_ups,
                    by=self.by,
                    batch_size=self._meta.batch_size,
                )
                for comment in comments:
                    self.saved[version_key(comment.meeting, comment.number)] = comment
        except Exception as error:
            self.handle_import_error(result, error, raise_errors)
        finally:
            comments.clear()

    def after_import(self, dataset, result, **kwargs):
        super().after_import(dataset, result, **kwargs)
        if self.preview is not None:
            self.preview["versions"] = dict(self.versions)
        if result.has_errors() or result.has_validation_errors():
            return
        report = self._report(dataset.sheet.meta)
        if report is not None:
            # Every remark of the file, in the order of its rows (unchanged ones included).
            comments = [self.saved[key] for key in self.in_file if key in self.saved]
            services.report_set_rows(report=report, comments=comments, by=self.by)
        if self.publish:
            if report is None:
                raise ValidationError(
                    "公開する資料がありません。ファイルに表題と資料番号（例: 資料2）が必要です。"
                )
            try:
                services.report_publish(report=report, by=self.by)
            except ValidationError as error:
                raise ValidationError("公開できません: " + " ".join(error.messages)) from error

    def _report(self, meta):
        """The 資料 the rows are of: the one chosen, else the one the sheet's title and label
        name (by its natural key), created when missing."""
        if self.target_report is not None or not (meta.title and meta.label):
            return self.target_report
        try:
            return Report.objects.get_by_natural_key(meta.title, meta.label)
        except Report.DoesNotExist:
            pass
        report = Report(
            title=meta.title,
            label=meta.label,
            remarks_heading=meta.remarks_heading,
            response_heading=meta.response_heading,
        )
        report.full_clean()
        return services.record_save(obj=report, by=self.by)


class CommentImportResourceWithoutDiff(CommentImportResource):
    class Meta(CommentImportResource.Meta):
        skip_diff = True


def summary(result):
    """「新規 2件、変更 0件、変更なし 5件、エラー 0件」."""
    totals = result.totals
    return (
        f"新規 {totals['new']}件、変更 {totals['update']}件、変更なし {totals['skip']}件、"
        f"エラー {totals['error'] + totals['invalid']}件"
    )


def result_errors(result):
    """The messages of a refused import, each naming its row where it has one."""
    found = []
    for error in [*result.base_errors, *(e for _n, errors in result.row_errors() for e in errors)]:
        cause = error.error
        found += cause.messages if isinstance(cause, ValidationError) else [str(cause)]
    for invalid in result.invalid_rows:
        found += list(invalid.error.messages)
    return found
