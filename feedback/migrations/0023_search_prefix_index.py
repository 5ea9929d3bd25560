"""Two things for searching keywords that are in many remarks (feedback/search.py explains when).

SQLite: the FTS5 table over ``Comment.search_bigrams`` (migration 0013) gets a prefix index of
one character (``prefix='1'``).

A one-character keyword is a prefix query (「市」 is ``"市"*``: every piece that starts with 市).
Without a prefix index FTS5 merges the lists of all those pieces before it returns the first
remark (at 100,000 remarks, 58–240 ms for 「市」 whatever the ``LIMIT``); with it, the query reads
one list, as a two-character piece does, and a ``LIMIT`` stops it early. The table is rebuilt
from the column (external content: nothing is stored twice), the triggers of 0013 are kept as
they are (they name the table, which keeps its name). PostgreSQL's GIN index needs nothing: its
prefix search walks the sorted lexemes.

PostgreSQL: ``feedback_search_contains(text, needle)``, ``strpos(text, needle) > 0`` (the
substring test ``LIKE '%needle%'`` makes, without the escaping), declared ``COST 100``. The
planner prices a ``LIKE`` as one cheap operator, while each test reads and decompresses a ~2 kB
search text; told the truth, it walks the remarks in the page's order until the page is full
instead of testing the whole table first (at 100,000 remarks on a busy machine, 「電子化」:
0.13 s instead of 1.6 s). PL/pgSQL, so that the function is not inlined (an inlined SQL
function loses its cost); a trusted language, so that the migration needs no superuser.
"""

from django.db import migrations

FTS_TABLE = "feedback_comment_search"
# Printable ASCII that is not a letter or digit; in the SQL string below ' is doubled.
TOKEN_CHARS = "".join(chr(code) for code in range(0x21, 0x7F) if not chr(code).isalnum())
TOKENIZE = f"""tokenize="ascii tokenchars '{TOKEN_CHARS.replace("'", "''").replace('"', '""')}'\""""


def _create(prefix):
    options = f"prefix='{prefix}', " if prefix else ""
    return [
        f"DROP TABLE IF EXISTS {FTS_TABLE}",
        f"""CREATE VIRTUAL TABLE {FTS_TABLE} USING fts5(
            search_bigrams, content='feedback_comment', content_rowid='id', detail=none,
            {options}{TOKENIZE}
        )""",
        f"INSERT INTO {FTS_TABLE}({FTS_TABLE}) VALUES ('rebuild')",
    ]


CONTAINS_FUNCTION = "feedback_search_contains"
CREATE_FUNCTION = f"""CREATE FUNCTION {CONTAINS_FUNCTION}(haystack text, needle text)
    RETURNS boolean LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE COST 100
    AS $$ BEGIN RETURN strpos(haystack, needle) > 0; END $$"""
DROP_FUNCTION = f"DROP FUNCTION IF EXISTS {CONTAINS_FUNCTION}(text, text)"


def _run(**statements):
    def run(apps, schema_editor):
        for statement in statements.get(schema_editor.connection.vendor, []):
            schema_editor.execute(statement, params=None)

    return run


class Migration(migrations.Migration):
    dependencies = [("feedback", "0022_report_summaries")]

    operations = [
        migrations.RunPython(
            _run(sqlite=_create("1"), postgresql=[CREATE_FUNCTION]),
            _run(sqlite=_create(None), postgresql=[DROP_FUNCTION]),
        )
    ]
