from django.conf import settings

from publication import cache


def site(request):
    """The site's name, and when its public data last changed (the public change signal, read
    once per request: ``publication.cache.request_stamp``), which pages that summarise the
    whole site (the lists of 資料, members, items, meetings) give as their 「最終更新日」."""
    return {
        "site_title": settings.SITE_TITLE,
        "public_changed_at": lambda: cache.request_stamp(request).changed_at,
    }
