"""The URL of a record's page, by its id, without a ``reverse()`` per record.

A public page links hundreds of records (a 資料 page's fifty rows link their remark, meeting,
member and policy item; the meeting list four hundred meetings), and ``reverse()`` costs about
60 µs on a 2-core machine: a tenth of a cold page. A detail page's URL differs from record to
record only by the id, so ``detail_url`` reverses each URL name once, with a mark where the id
goes, and writes the id in. The pattern is kept per URL configuration, script prefix and
language, everything else ``reverse()`` reads, so it is never one another request would not
get.
"""

import functools

from django.conf import settings
from django.urls import get_script_prefix, get_urlconf, reverse
from django.utils.translation import get_language

#: An id no record has, written where a record's id goes in its URL.
ID_MARK = 987_654_321_987_654_321


def detail_url(name, pk):
    """``reverse(name, kwargs={"pk": pk})`` for a URL whose only argument is the id ``pk``."""
    if pk is None:
        return reverse(name, kwargs={"pk": pk})  # an unsaved record: reverse() says why
    urlconf = get_urlconf() or settings.ROOT_URLCONF  # as reverse() finds it
    before, after = _pattern(name, urlconf, get_script_prefix(), get_language())
    return f"{before}{int(pk)}{after}"


@functools.lru_cache(maxsize=256)
def _pattern(name, urlconf, script_prefix, language):
    """The URL of ``name`` around its id: ``("/members/", "/")``. Its arguments besides
    ``name`` are the key only: ``reverse()`` reads them itself. Bounded, as the script prefix
    comes with each request (from the server's SCRIPT_NAME)."""
    before, after = reverse(name, kwargs={"pk": ID_MARK}, urlconf=urlconf).split(str(ID_MARK))
    return before, after
