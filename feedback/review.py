"""What a proposed change to a published remark holds, how it differs, and how it is applied.

A remark's *state* is its editable content as plain data (JSON in ``ChangeRequest``):

    {"member": 3, "policy_item": 5, "body": "…", "response": "…", "category": 1,
     "follow_ups": [{"id": 9, "recorded_on": "2021-07-01", "body": "…"},
                    {"id": None, "recorded_on": None, "body": "new entry"}]}

``comment_state`` reads it from the published records, ``changes`` lists what a proposal
changes (labels, display values, the changed characters marked) for the review page, and
``apply_comment_state`` writes a proposal onto the published records three-way: only what the
author changed relative to ``base`` is applied, so a direct correction made meanwhile is kept.
The services in ``feedback.services`` call these inside their transactions.
"""

import datetime
import difflib
import hashlib
import json
from dataclasses import dataclass

from django.db import models
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe

from feedback import selectors, table
from feedback.models import CityResponse, Comment, FollowUp, Member, ReflectionCategory
from policy.models import PolicyItem

FIELDS = (
    ("member", "委員名"),
    ("policy_item", "対象項目"),
    ("body", "意見、質問等"),
    ("response", "市の考え方"),
    ("category", "対応区分"),
)


def comment_state(comment):
    """The published remark's editable content as plain data."""
    response = CityResponse.objects.filter(comment=comment).first()
    follow_ups = FollowUp.objects.filter(comment=comment).order_by(*FollowUp._meta.ordering)
    return {
        "member": comment.member_id,
        "policy_item": comment.policy_item_id,
        "body": comment.body,
        "response": response.body if response else "",
        "category": response.category_id if response else None,
        "follow_ups": [
            {
                "id": follow_up.pk,
                "recorded_on": follow_up.recorded_on.isoformat() if follow_up.recorded_on else None,
                "body": follow_up.body,
            }
            for follow_up in follow_ups
        ],
    }


def state_from_forms(form, response_forms, follow_up_forms):
    """The state a remark's admin page asks for: the main form and its inline forms' data."""
    cleaned = form.cleaned_data
    response = next((f.cleaned_data for f in response_forms if f.cleaned_data), {})
    follow_ups = []
    for follow_up_form in follow_up_forms:
        data = follow_up_form.cleaned_data
        if not data or data.get("DELETE") or not (data.get("body") or "").strip():
            continue
        instance = follow_up_form.instance
        recorded_on = data.get("recorded_on")
        follow_ups.append(
            {
                "id": instance.pk,
                "recorded_on": recorded_on.isoformat() if recorded_on else None,
                "body": data["body"],
            }
        )
    category = response.get("category")
    return {
        "member": cleaned["member"].pk,
        "policy_item": cleaned["policy_item"].pk,
        "body": cleaned["body"],
        "response": response.get("body", ""),
        "category": category.pk if category else None,
        "follow_ups": follow_ups,
    }


@dataclass(frozen=True)
class FieldChange:
    label: str
    before: str
    after: str

    @property
    def before_html(self):
        return _marked(self.before, self.after, "delete")

    @property
    def after_html(self):
        return _marked(self.before, self.after, "insert")


def _marked(before, after, side):
    """One side of a character diff, the changed characters in ``<del>``/``<ins>`` with a label
    that is read aloud and printed (the page does not rely on colour)."""
    matcher = difflib.SequenceMatcher(None, before, after, autojunk=False)
    parts = []
    text = before if side == "delete" else after
    for op, a1, a2, b1, b2 in matcher.get_opcodes():
        start, end = (a1, a2) if side == "delete" else (b1, b2)
        piece = text[start:end]
        if not piece:
            continue
        if op == "equal":
            parts.append(format_html("{}", piece))
        elif side == "delete":
            parts.append(
                format_html('<del><span class="visually-hidden">削除: </span>{}</del>', piece)
            )
        else:
            parts.append(
                format_html('<ins><span class="visually-hidden">追加: </span>{}</ins>', piece)
            )
    return mark_safe("".join(parts))  # nosec B308 B703 - every part built by format_html


def _display(field, value):
    if value is None or value == "":
        return ""
    if field == "member":
        member = Member.objects.filter(pk=value).first()
        return member.display_name if member else ""
    if field == "policy_item":
        return str(PolicyItem.objects.filter(pk=value).first() or "")
    if field == "category":
        return str(ReflectionCategory.objects.filter(pk=value).first() or "")
    return str(value)


def _follow_up_text(entry):
    date = entry.get("recorded_on")
    return f"{date}: {entry['body']}" if date else entry["body"]


def changes(base, proposed):
    """What ``proposed`` changes relative to ``base``: a ``FieldChange`` per changed field, and
    per changed or added follow-up (label 「対応状況（追加）」 or 「対応状況（変更）」)."""
    result = [
        FieldChange(label, _display(field, base.get(field)), _display(field, proposed.get(field)))
        for field, label in FIELDS
        if base.get(field) != proposed.get(field)
    ]
    before = {entry["id"]: entry for entry in base.get("follow_ups", []) if entry.get("id")}
    for entry in proposed.get("follow_ups", []):
        if not entry.get("id"):
            result.append(FieldChange("対応状況（追加）", "", _follow_up_text(entry)))
        elif entry["id"] in before and before[entry["id"]] != entry:
            old = before[entry["id"]]
            result.append(
                FieldChange("対応状況（変更）", _follow_up_text(old), _follow_up_text(entry))
            )
    return result


def changes_html(items):
    """The review table's rows, for templates that print a list of changes."""
    return format_html_join(
        "",
        '<tr><th scope="row">{}</th><td>{}</td><td>{}</td></tr>',
        ((item.label, item.before_html, item.after_html) for item in items),
    )


def apply_comment_state(comment, *, base, proposed, by, reason):
    """Write what ``proposed`` changes relative to ``base`` onto the published remark.

    The remark's own fields through ``save`` (history with ``by`` and ``reason``); its answer
    created or updated; new follow-ups added with today's date when they have none, changed
    ones updated. Returns the fields applied (labels), for the audit line.
    """
    applied = []
    for field in ("member", "policy_item", "body"):
        if base.get(field) != proposed.get(field):
            setattr(comment, f"{field}_id" if field != "body" else field, proposed[field])
            applied.append(field)
    comment._history_user = by
    comment._change_reason = reason
    comment.save()
    if any(base.get(f) != proposed.get(f) for f in ("response", "category")):
        response = CityResponse.objects.filter(comment=comment).first() or CityResponse(
            comment=comment
        )
        if base.get("response") != proposed.get("response"):
            response.body = proposed["response"]
            applied.append("response")
        if base.get("category") != proposed.get("category"):
            response.category_id = proposed["category"]
            applied.append("category")
        response._history_user = by
        response._change_reason = reason
        response.full_clean(exclude=["comment"])
        response.save()
    before = {entry["id"]: entry for entry in base.get("follow_ups", []) if entry.get("id")}
    for entry in proposed.get("follow_ups", []):
        recorded_on = (
            datetime.date.fromisoformat(entry["recorded_on"]) if entry.get("recorded_on") else None
        )
        if not entry.get("id"):
            # A follow-up recorded after publication is dated: the day it is approved, unless
            # its author gave one.
            follow_up = FollowUp(
                comment=comment, body=entry["body"], recorded_on=recorded_on or timezone.localdate()
            )
        elif entry["id"] in before and before[entry["id"]] != entry:
            follow_up = FollowUp.objects.filter(pk=entry["id"], comment=comment).first()
            if follow_up is None:
                continue
            follow_up.body, follow_up.recorded_on = entry["body"], recorded_on
        else:
            continue
        follow_up._history_user = by
        follow_up._change_reason = reason
        follow_up.full_clean(exclude=["comment"])
        follow_up.save()
        applied.append("follow_ups")
    return applied


def target_comment(change_request):
    return Comment.objects.select_related("meeting__committee", "member").get(
        pk=change_request.object_id
    )


# -- what an approver saw of a 資料 before publishing it ---------------------------------------


def report_content(report):
    """A 資料 as its publish confirmation page shows it, reduced to fingerprints.

    ``{"header": digest, "rows": [[comment id, No., digest], …]}`` in printed order, drafts
    included: what the approver reviewed, so ``report_publish`` can refuse to publish anything
    else (an editor changed an answer after the page was opened). Plain data, for signing.
    """
    header = [report.label, report.title, report.remarks_heading, report.response_heading]
    rows = [
        [
            row.id,
            row.number,
            _digest([*row.cells, *((f.recorded_on, f.text) for f in row.follow_ups)]),
        ]
        for row in table.rows(selectors.report_comments(report, published_only=False))
    ]
    return {"header": _digest(header), "rows": rows}


def report_content_changes(seen, now):
    """What changed between two ``report_content`` results, worded for the approver
    (「No.3 の内容」, 「No.8 の追加」, …); empty when nothing did."""
    changes = [] if seen["header"] == now["header"] else ["表題・見出し"]
    before = {row[0]: row for row in seen["rows"]}
    after = {row[0]: row for row in now["rows"]}
    for pk, number, digest in now["rows"]:
        if pk not in before:
            changes.append(f"No.{number} の追加")
        elif before[pk][2] != digest or before[pk][1] != number:
            changes.append(f"No.{number} の内容")
    changes += [f"No.{number} の削除" for pk, number, _ in seen["rows"] if pk not in after]
    kept = [row[0] for row in seen["rows"] if row[0] in after]
    if not changes and kept != [row[0] for row in now["rows"] if row[0] in before]:
        changes.append("行の順序")
    return changes


def _digest(values):
    text = json.dumps(values, ensure_ascii=False, default=str)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:20]


# -- public names: committees, members, meetings, policy items, categories (issue 11, 7.) -------

# How a published remark reaches each named record: the record is public (its words are on
# the public site) while a published remark does.
PUBLIC_THROUGH = {
    "feedback.committee": "meeting__committee",
    "feedback.member": "member",
    "feedback.meeting": "meeting",
    "feedback.reflectioncategory": "response__category",
    "policy.policyitem": "policy_item",
}


def has_public_name(obj):
    """Whether ``obj`` is a named record citizens read now (changes to it are reviewed)."""
    lookup = PUBLIC_THROUGH.get(obj._meta.label_lower)
    if lookup is None or obj.pk is None:
        return False
    return Comment.objects.published().filter(**{lookup: obj.pk}).exists()


def _record_fields(model):
    return [
        field
        for field in model._meta.concrete_fields
        if field.editable and not field.primary_key and field.name != "version"
    ]


def _many_fields(model):
    return [field for field in model._meta.many_to_many if field.editable]


def _plain(value):
    if isinstance(value, datetime.date):
        return value.isoformat()
    return value


def record_state(obj, *, many=None):
    """A named record's editable content as plain data: its fields as they are on ``obj`` (an
    admin form has already put its values there), its many-to-many fields from ``many`` (the
    form's) or the database, as sorted id lists."""
    state = {field.attname: _plain(field.value_from_object(obj)) for field in _record_fields(obj)}
    for field in _many_fields(type(obj)):
        if many is not None and field.name in many:
            state[field.name] = sorted(item.pk for item in many[field.name])
        elif obj.pk is not None:
            state[field.name] = sorted(getattr(obj, field.name).values_list("pk", flat=True))
    return state


def _record_display(field, value):
    if value is None or value == "" or value == []:
        return ""
    if field.many_to_many:
        return "、".join(str(item) for item in field.related_model.objects.filter(pk__in=value))
    if field.is_relation:
        return str(field.related_model.objects.filter(pk=value).first() or "")
    if field.choices:
        return str(dict(field.flatchoices).get(value, value))
    if isinstance(value, bool):
        return "はい" if value else "いいえ"
    return str(value)


def record_changes(model, base, proposed):
    """``FieldChange``s of a named record's proposal, labelled with the fields' own names."""
    fields = [*_record_fields(model), *_many_fields(model)]
    key = {field: field.name if field.many_to_many else field.attname for field in fields}
    return [
        FieldChange(
            str(field.verbose_name),
            _record_display(field, base.get(key[field])),
            _record_display(field, proposed.get(key[field])),
        )
        for field in fields
        if base.get(key[field]) != proposed.get(key[field])
    ]


def apply_record_state(obj, *, base, proposed, by, reason):
    """Write what ``proposed`` changes relative to ``base`` onto the named record (three-way,
    as ``apply_comment_state``). Returns the names of the fields applied."""
    applied = []
    for field in _record_fields(type(obj)):
        if base.get(field.attname) != proposed.get(field.attname):
            value = proposed.get(field.attname)
            if value and isinstance(field, models.DateField):
                value = datetime.date.fromisoformat(value)
            setattr(obj, field.attname, value)
            applied.append(field.name)
    obj._history_user = by
    obj._change_reason = reason
    obj.full_clean(validate_unique=True)
    obj.save()
    for field in _many_fields(type(obj)):
        # A many-to-many field through a model of its own (a meeting's attendance, with its
        # history) is written by its service (``services.change_request_approve``).
        if field.remote_field.through._meta.auto_created and (
            base.get(field.name) != proposed.get(field.name)
        ):
            getattr(obj, field.name).set(proposed.get(field.name) or [])
            applied.append(field.name)
    return applied


def comment_ids_naming(obj):
    """The remarks whose table rows show ``obj``'s name (their search text holds it)."""
    return Comment.objects.filter(**{PUBLIC_THROUGH[obj._meta.label_lower]: obj.pk}).values_list(
        "pk", flat=True
    )
