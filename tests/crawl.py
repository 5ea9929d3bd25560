"""A same-origin crawler over the public site, for the leak and cache tests."""

import io
import zipfile
from html.parser import HTMLParser
from urllib.parse import urljoin, urlsplit

from tests.responses import close_quietly

MAX_URLS = 500


class Links(HTMLParser):
    def __init__(self):
        super().__init__()
        self.hrefs = []

    def handle_starttag(self, tag, attrs):
        for name, value in attrs:
            if name in {"href", "src", "action"} and value:
                self.hrefs.append(value)


def body_text(response):
    content = b"".join(response.streaming_content) if response.streaming else response.content
    close_quietly(response)
    if response["Content-Type"].startswith("application/vnd.openxmlformats"):
        with zipfile.ZipFile(io.BytesIO(content)) as workbook:
            return "".join(workbook.read(name).decode() for name in workbook.namelist())
    return content.decode()


def crawl(client, start_urls):
    """Same-origin URLs reachable by GET from ``start_urls``: {url: (status, text, headers)}."""
    seen, queue = {}, list(start_urls)
    while queue and len(seen) < MAX_URLS:
        url = queue.pop(0)
        if url in seen:
            continue
        response = client.get(url)
        text = body_text(response)
        headers = "\n".join(f"{key}: {value}" for key, value in response.items())
        seen[url] = (response.status_code, text, headers)
        if response["Content-Type"].startswith("text/html"):
            parser = Links()
            parser.feed(text)
            for href in parser.hrefs:
                target = urljoin(url, href)
                parts = urlsplit(target)
                if parts.netloc not in {"", "testserver"} or parts.scheme not in {"", "http"}:
                    continue
                if parts.path.startswith("/admin/"):
                    continue
                local = parts.path + (f"?{parts.query}" if parts.query else "")
                if local not in seen:
                    queue.append(local)
    assert len(seen) < MAX_URLS, "crawl not finished"
    return seen
