"""Differences between two versions of a policy text, passage by passage and character by character.

1. The passages are aligned with ``difflib.SequenceMatcher`` over (kind, text): identical
   passages, headings above all, anchor the alignment.
2. Inside each stretch that is not identical, old and new passages of the same kind are paired
   by similarity (character ratio at least ``PAIR_THRESHOLD``), keeping document order and
   maximising the total similarity: a reworded paragraph pairs with its old self instead of
   showing as removed + added. Unpaired passages are removed or added.
3. A paired passage is compared character by character (Japanese has no spaces between words),
   as runs of equal / delete / insert text.

The result is a list of ``PassageChange`` in the new version's order, each with the headings it
stands under. Nothing here touches the database.
"""

from dataclasses import dataclass
from difflib import SequenceMatcher

UNCHANGED = "unchanged"
CHANGED = "changed"
ADDED = "added"
REMOVED = "removed"

EQUAL = "equal"
INSERT = "insert"
DELETE = "delete"

PAIR_THRESHOLD = 0.5
# Pairing inside one stretch compares every old passage with every new one; past this many
# pairs, fall back to pairing in order (a whole rewrite, where the pairing matters less).
MAX_PAIRING_CELLS = 40_000


@dataclass(frozen=True)
class CharOp:
    op: str  # EQUAL, INSERT or DELETE
    text: str


@dataclass(frozen=True)
class PassageChange:
    kind: str  # UNCHANGED, CHANGED, ADDED or REMOVED
    old: object = None  # the passage in the old version (None when added)
    new: object = None  # the passage in the new version (None when removed)
    ops: tuple = ()  # CharOps, for CHANGED only

    @property
    def passage(self):
        return self.new if self.new is not None else self.old

    @property
    def headings(self):
        """The headings the passage stands under: in the new version, or the old if removed."""
        return tuple(self.passage.headings)


def char_ops(old, new):
    """Character operations turning ``old`` into ``new``; a replacement is delete then insert."""
    ops = []
    matcher = SequenceMatcher(None, old, new, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            ops.append(CharOp(EQUAL, old[i1:i2]))
            continue
        if i2 > i1:
            ops.append(CharOp(DELETE, old[i1:i2]))
        if j2 > j1:
            ops.append(CharOp(INSERT, new[j1:j2]))
    return tuple(ops)


def similarity(old, new):
    """How alike two passages are, 0..1; passages of different kinds are never alike."""
    if old.kind != new.kind:
        return 0.0
    matcher = SequenceMatcher(None, old.text, new.text, autojunk=False)
    if matcher.real_quick_ratio() < PAIR_THRESHOLD or matcher.quick_ratio() < PAIR_THRESHOLD:
        return 0.0
    return matcher.ratio()


def _pairs(old, new):
    """Index pairs (i, j) of similar passages, in order, with the largest total similarity."""
    if len(old) * len(new) > MAX_PAIRING_CELLS:
        return _pairs_in_order(old, new)
    rows, cols = len(old), len(new)
    alike = [[similarity(a, b) for b in new] for a in old]
    score = [[0.0] * (cols + 1) for _ in range(rows + 1)]
    for i in range(rows - 1, -1, -1):
        for j in range(cols - 1, -1, -1):
            best = max(score[i + 1][j], score[i][j + 1])
            if alike[i][j] >= PAIR_THRESHOLD:
                best = max(best, alike[i][j] + score[i + 1][j + 1])
            score[i][j] = best
    pairs, i, j = [], 0, 0
    while i < rows and j < cols:
        if alike[i][j] >= PAIR_THRESHOLD and score[i][j] == alike[i][j] + score[i + 1][j + 1]:
            pairs.append((i, j))
            i, j = i + 1, j + 1
        elif score[i][j] == score[i + 1][j]:
            i += 1
        else:
            j += 1
    return pairs


def _pairs_in_order(old, new):
    pairs, j = [], 0
    for i, passage in enumerate(old):
        for k in range(j, len(new)):
            if similarity(passage, new[k]) >= PAIR_THRESHOLD:
                pairs.append((i, k))
                j = k + 1
                break
    return pairs


def _stretch(old, new):
    """Changes for a stretch of old and new passages that has no identical passage."""
    changes, i, j = [], 0, 0
    for pi, pj in [*_pairs(old, new), (len(old), len(new))]:
        changes += [PassageChange(REMOVED, old=passage) for passage in old[i:pi]]
        changes += [PassageChange(ADDED, new=passage) for passage in new[j:pj]]
        if pi < len(old):
            a, b = old[pi], new[pj]
            changes.append(PassageChange(CHANGED, old=a, new=b, ops=char_ops(a.text, b.text)))
        i, j = pi + 1, pj + 1
    return changes


def diff_passages(old, new):
    """Two versions' passages (anything with ``kind``, ``text`` and ``headings``) → changes."""
    old, new = list(old), list(new)
    matcher = SequenceMatcher(
        None, [(p.kind, p.text) for p in old], [(p.kind, p.text) for p in new], autojunk=False
    )
    changes = []
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            changes += [
                PassageChange(UNCHANGED, old=a, new=b)
                for a, b in zip(old[i1:i2], new[j1:j2], strict=True)
            ]
        else:
            changes += _stretch(old[i1:i2], new[j1:j2])
    return changes


def sides(change):
    """The before and after text of a change as runs: ``(before, after)``, each a tuple of
    ``CharOp`` (before: equal and delete runs; after: equal and insert runs)."""
    if change.kind == ADDED:
        return (), (CharOp(INSERT, change.new.text),)
    if change.kind == REMOVED:
        return (CharOp(DELETE, change.old.text),), ()
    if change.kind == UNCHANGED:
        return (CharOp(EQUAL, change.old.text),), (CharOp(EQUAL, change.new.text),)
    before = tuple(op for op in change.ops if op.op != INSERT)
    after = tuple(op for op in change.ops if op.op != DELETE)
    return before, after


def describe(change):
    """The changed runs in words, for files that cannot strike through: 「削除:主導 追加:駆動」."""
    labels = {DELETE: "削除:", INSERT: "追加:"}
    if change.kind == ADDED:
        return labels[INSERT] + change.new.text
    if change.kind == REMOVED:
        return labels[DELETE] + change.old.text
    return " ".join(labels[op.op] + op.text for op in change.ops if op.op != EQUAL)
