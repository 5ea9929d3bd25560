"""A real server in a subprocess, on its own SQLite file, and a cookie-keeping HTTP client.

For what only shows with several connections at once (SQLite's locks), which the test client,
running every request in the test's own thread and transaction, cannot show.
"""

import http.cookiejar
import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from html.parser import HTMLParser

from django.conf import settings

PROJECT = settings.BASE_DIR


def clean_environment(**env):
    """The caller's environment without any DJANGO_* or DATABASE_URL, plus ``env``."""
    environment = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("DJANGO_", "DATABASE_URL"))
    }
    environment.update(env)
    return environment


def manage(*args, env, cwd=PROJECT, timeout=120):
    result = subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    assert result.returncode == 0, result.stderr
    return result


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Server:
    """``manage.py runserver`` (threaded, as ``make run`` serves) until ``stop``; with
    ``workers``, gunicorn with that many worker processes, as ``make serve`` starts it."""

    def __init__(self, env, workers=None):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.output = None
        # A file, not a pipe: nobody reads a pipe while the test runs, and once the request log
        # passes the pipe's 64 kB the server blocks on its own log line, holding the logging
        # lock every other request thread needs (the test then sees a server that no longer
        # answers).
        self.log = tempfile.TemporaryFile(mode="w+", encoding="utf-8")  # noqa: SIM115 (closed by stop)
        bind = f"127.0.0.1:{self.port}"
        if workers is None:
            command = [sys.executable, "manage.py", "runserver", "--noreload", bind]
        else:
            command = [sys.executable, "-m", "gunicorn", "hiratsuka_site.wsgi:application"]
            command += ["--bind", bind]
            command += ["--workers", str(workers)]
        self.process = subprocess.Popen(
            command,
            cwd=PROJECT,
            env=env,
            stdout=self.log,
            stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=1):
                    return
            except OSError:
                assert self.process.poll() is None, self.stop()
                time.sleep(0.2)
        self.stop()
        raise AssertionError("runserver did not start within 60 s")

    def stop(self):
        """Stop the server; returns what it wrote (its request log and any traceback)."""
        if self.output is not None:
            return self.output
        self.process.terminate()
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        with self.log:
            self.log.seek(0)
            self.output = self.log.read()
        return self.output


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


class Browser:
    """One visitor: keeps cookies, sends the CSRF token, does not follow redirects."""

    def __init__(self, base_url, cookies=None):
        self.base_url = base_url
        self.cookies = http.cookiejar.CookieJar() if cookies is None else cookies
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(self.cookies), _NoRedirect()
        )

    def at(self, base_url):
        """The same visitor (the same cookies) at another server: a second app server behind
        the same proxy. Cookies are not kept per port, as a browser does not."""
        return Browser(base_url, self.cookies)

    def request(self, path, data=None):
        """``(status, body)`` of a GET, or of a POST when ``data`` (a list of pairs) is given."""
        body = None
        headers = {"Referer": self.base_url + path}
        if data is not None:
            body = urllib.parse.urlencode(data).encode()
        request = urllib.request.Request(self.base_url + path, data=body, headers=headers)
        try:
            with self.opener.open(request, timeout=60) as response:
                return response.status, response.read().decode()
        except urllib.error.HTTPError as error:
            with error:
                return error.code, error.read().decode(errors="replace")

    def login(self, username, password):
        status, page = self.request("/admin/login/")
        assert status == 200, page
        form = form_fields(page)
        form = [(k, v) for k, v in form if k not in {"username", "password"}]
        status, page = self.request(
            "/admin/login/?next=/admin/",
            [*form, ("username", username), ("password", password)],
        )
        assert status == 302, page


class _FormReader(HTMLParser):
    """The fields of the page's forms as a browser would submit them (no file inputs); with
    ``action``, only those of the forms whose action contains it."""

    def __init__(self, action=None):
        super().__init__(convert_charrefs=True)
        self.action = action
        self.in_form = action is None
        self.fields = []
        self.select = None
        self.select_value = None
        self.textarea = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form" and self.action is not None:
            self.in_form = self.action in (attrs.get("action") or "")
        if not self.in_form:
            return
        name = attrs.get("name")
        if tag == "input" and name:
            kind = attrs.get("type", "text")
            if kind in {"submit", "button", "file", "image", "reset"}:
                return
            if kind in {"checkbox", "radio"} and "checked" not in attrs:
                return
            self.fields.append((name, attrs.get("value", "on" if kind == "checkbox" else "")))
        elif tag == "select" and name:
            self.select, self.select_value = name, None
        elif tag == "option" and self.select and "selected" in attrs:
            self.select_value = attrs.get("value", "")
        elif tag == "textarea" and name:
            self.textarea = [name, ""]

    def handle_endtag(self, tag):
        if tag == "form" and self.action is not None:
            self.in_form = False
        if tag == "select" and self.select:
            if self.select_value is not None:
                self.fields.append((self.select, self.select_value))
            self.select = None
        elif tag == "textarea" and self.textarea:
            name, text = self.textarea
            # HTML drops one newline right after <textarea>.
            self.fields.append((name, text.removeprefix("\n")))
            self.textarea = None

    def handle_data(self, data):
        if self.textarea:
            self.textarea[1] += data


def form_fields(html, action=None):
    reader = _FormReader(action)
    reader.feed(html)
    return reader.fields
