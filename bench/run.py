"""`make bench`: build demo data, measure every figure against its baseline, write the report.

    .venv/bin/python bench/run.py                      # SQLite in bench/.data/
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/hiratsuka_bench .venv/bin/python bench/run.py
    .venv/bin/python bench/run.py --demo-data 10000    # demo data only (bench/demo_data.py)

The database is emptied first: with ``DATABASE_URL`` its name must contain ``bench``. Options:
``--sizes 10000,100000`` (remarks), ``--seconds 5`` (each load run), ``--output`` (the Markdown
report; only this database's section is replaced). Load goes to 127.0.0.1 only, bounded in time.
Each measurement runs in a child process of its own, so that its peak memory is its own.
"""

import argparse
import http.client
import json
import os
import platform
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import threading
import time
import urllib.parse
import urllib.request
from pathlib import Path

import django
import openpyxl
import psycopg2
from django.db import connection

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "bench" / ".data"
PYTHON = sys.executable
SETTINGS = "bench.settings"
PROXY_HEADER = ("X-Forwarded-Proto", "https")
GUNICORN_WORKERS = 2
# Each warm page against its static file: this many alternating runs of --seconds each.
LOAD_ROUNDS = 3
# The mixed load of `make loadtest`: 50 connections over the eleven public paths, served as
# `make serve` serves them (2 × cores + 1 workers).
MIXED_CONNECTIONS = 50
MIXED_WORKERS = 2 * (os.cpu_count() or 1) + 1
LOADTEST_SCRIPT = ROOT / "scripts" / "loadtest.lua"
# The warm search page's and the mixed load's keyword: a two-character word of the demo text.
SEARCH_WORD = "窓口"


# -- child processes -------------------------------------------------------------------------


def child(task, *args):
    """Run ``task`` in a fresh Django process; returns the JSON it prints last."""
    result = subprocess.run(
        [PYTHON, str(Path(__file__)), "--child", task, *map(str, args)],
        cwd=ROOT,
        env=_env(),
        capture_output=True,
        text=True,
    )
    if result.returncode:
        sys.stderr.write(result.stdout + result.stderr)
        raise SystemExit(f"bench: {task} failed")
    return json.loads(result.stdout.strip().splitlines()[-1])


def _env():
    env = dict(os.environ, DJANGO_SETTINGS_MODULE=SETTINGS, PYTHONPATH=str(ROOT))
    env.setdefault("DATABASE_URL", f"sqlite:///{DATA / 'bench.sqlite3'}")
    return env


def run_child(task, args):
    sys.path.insert(0, str(ROOT))
    os.environ["DJANGO_SETTINGS_MODULE"] = SETTINGS
    django.setup()
    # Imported once Django is set up: both modules import the models.
    from bench import demo_data, measure

    if task == "generate":
        started = time.perf_counter()
        try:
            created = demo_data.generate(
                comments=int(args[0]),
                sample_sizes=sorted({int(size) for size in args[1].split(",") if size.strip()}),
                history=args[2] == "history",
            )
        except demo_data.DemoDataError as error:
            raise SystemExit(str(error)) from None
        # What autovacuum does after a bulk load in production: without statistics the
        # PostgreSQL planner takes 400 meetings for 40 and picks nested loops (seconds per page);
        # without VACUUM's visibility map no index-only scan is possible (PostgreSQL 13+ runs it
        # after inserts too), so the admin's pages would read the whole table for their keys.
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE" if connection.vendor == "postgresql" else "ANALYZE")
        result = {"seconds": time.perf_counter() - started, "created": created}
    elif task == "pages":
        result = measure.page_figures()
    elif task == "admin":
        result = measure.admin_figures()
    elif task == "excel":
        rows = measure.export_rows(int(args[0]))
        result = measure.excel_figures(rows, styled=args[1] == "styled")
    elif task == "import-file":
        content = measure.import_workbook(measure.import_rows(int(args[0])))
        Path(args[1]).write_bytes(content)
        result = {"bytes": len(content)}
    elif task == "import-baseline":
        result = measure.import_baseline(args[0])
    elif task == "import":
        result = measure.import_figures(args[0])
    elif task == "import-rolled-back":
        result = measure.import_rolled_back(args[0])
    elif task == "import-publish":
        result = measure.publish_figures()
    elif task == "import-without-search-text":
        result = measure.import_without_search_text(args[0])
    elif task == "html":
        # The bytes a reader gets, rendered by the same settings and data as gunicorn serves;
        # args are pairs of a URL and the file to write.
        c = measure.client()
        result = []
        for url, path in zip(args[::2], args[1::2], strict=True):
            measure.clear_page_cache()
            response = c.get(url)
            Path(path).parent.mkdir(parents=True, exist_ok=True)
            Path(path).write_bytes(response.content)
            result.append({"status": response.status_code, "bytes": len(response.content)})
    elif task == "public-paths":
        result = measure.public_paths(args[0], args[1])
    elif task == "invalidate":
        result = measure.invalidation_check(args[0], lambda url: http_get(args[1] + url))
    elif task == "versions":
        with connection.cursor():
            pass
        result = {
            "database": f"{connection.vendor} {connection.Database.__name__} "
            + ".".join(map(str, connection.get_database_version())),
        }
    else:
        raise SystemExit(f"unknown task {task}")
    print(json.dumps(result, ensure_ascii=False))


# -- the database ----------------------------------------------------------------------------


def reset_database():
    url = _env()["DATABASE_URL"]
    parsed = urllib.parse.urlparse(url)
    if parsed.scheme.startswith("sqlite"):
        path = Path(parsed.path)
        for suffix in ("", "-journal", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
        path.parent.mkdir(parents=True, exist_ok=True)
    else:
        name = parsed.path.lstrip("/")
        if "bench" not in name:
            raise SystemExit(
                f"bench: refusing to empty the database {name!r}; use one named like *bench*"
            )
        server = psycopg2.connect(url)
        server.autocommit = True
        with server.cursor() as cursor:
            cursor.execute("DROP SCHEMA public CASCADE; CREATE SCHEMA public;")
        server.close()
    manage("migrate", "--noinput", "-v0")
    manage("createcachetable", "-v0")
    manage("collectstatic", "--noinput", "-v0")


def manage(*args):
    started = time.perf_counter()
    subprocess.run(
        [PYTHON, "manage.py", *args], cwd=ROOT, env=_env(), check=True, stdout=subprocess.DEVNULL
    )
    return time.perf_counter() - started


# -- load ------------------------------------------------------------------------------------


def fastest(results):
    """The fastest of several measurements of one thing, with every run's seconds."""
    best = min(results, key=lambda result: result["seconds"])
    return {**best, "runs": [result["seconds"] for result in results]}


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def http_get(url):
    request = urllib.request.Request(url, headers=dict([PROXY_HEADER]))
    with urllib.request.urlopen(request, timeout=30) as response:
        return response.read().decode("utf-8")


class Gunicorn:
    """gunicorn serving the site in production mode on 127.0.0.1, stopped on exit."""

    def __init__(self, workers=GUNICORN_WORKERS):
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.workers = workers

    def __enter__(self):
        self.process = subprocess.Popen(
            [
                str(Path(PYTHON).parent / "gunicorn"),
                "hiratsuka_site.wsgi",
                f"--workers={self.workers}",
                f"--bind=127.0.0.1:{self.port}",
                "--log-level=warning",
            ],
            cwd=ROOT,
            env=_env(),
        )
        for _ in range(100):
            try:
                http_get(f"{self.base}/accessibility/")
                return self
            except OSError:
                time.sleep(0.2)
        self.process.kill()
        raise SystemExit("bench: gunicorn did not start")

    def __exit__(self, *exc):
        self.process.send_signal(signal.SIGTERM)
        self.process.wait(timeout=30)


def ensure_wrk():
    """wrk, installed with apt-get when missing and we may; else None (Python load instead)."""
    if shutil.which("wrk"):
        return shutil.which("wrk")
    if os.geteuid() == 0 and shutil.which("apt-get"):
        subprocess.run(
            ["apt-get", "install", "-y", "-qq", "wrk"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
    return shutil.which("wrk")


def load(url, *, seconds, connections=4):
    """Requests per second against ``url`` for ``seconds``; non-2xx responses counted."""
    wrk = ensure_wrk()
    if wrk:
        out = subprocess.run(
            [
                wrk,
                "-t1",
                f"-c{connections}",
                f"-d{seconds}s",
                "-H",
                f"{PROXY_HEADER[0]}: {PROXY_HEADER[1]}",
                url,
            ],
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        result = parse_wrk(out)
        return {"rps": result["rps"], "errors": result["errors"], "tool": "wrk"}
    return python_load(url, seconds=seconds, connections=connections)


def python_load(url, *, seconds, connections=4):
    """The fallback load generator: ``connections`` threads for ``seconds``."""
    parsed = urllib.parse.urlparse(url)
    deadline = time.monotonic() + seconds
    counts = [[0, 0] for _ in range(connections)]

    def worker(tally):
        while time.monotonic() < deadline:
            conn = http.client.HTTPConnection(parsed.hostname, parsed.port, timeout=30)
            conn.request("GET", parsed.path or "/", headers=dict([PROXY_HEADER]))
            response = conn.getresponse()
            response.read()
            conn.close()
            tally[0] += 1
            tally[1] += response.status >= 400

    threads = [threading.Thread(target=worker, args=(tally,)) for tally in counts]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    total = sum(tally[0] for tally in counts)
    return {
        "rps": round(total / seconds, 1),
        "errors": sum(tally[1] for tally in counts),
        "tool": "python",
    }


_UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0}


def mixed_load(base, paths, *, seconds):
    """``MIXED_CONNECTIONS`` connections over ``paths`` in turn (scripts/loadtest.lua) for
    ``seconds``: requests/s, latency percentiles in ms, errors (socket errors and non-2xx/3xx).
    Needs wrk: the Python load generator does not keep this many connections honestly."""
    wrk = ensure_wrk()
    if not wrk:
        return None
    list_file = DATA / "mixed-paths.txt"
    list_file.write_text("\n".join(paths) + "\n", encoding="utf-8")
    out = subprocess.run(
        [
            wrk,
            "-t2",
            f"-c{MIXED_CONNECTIONS}",
            f"-d{seconds}s",
            "--timeout",
            "10s",
            "--latency",
            "-H",
            f"{PROXY_HEADER[0]}: {PROXY_HEADER[1]}",
            "-s",
            str(LOADTEST_SCRIPT),
            f"{base}/",
        ],
        capture_output=True,
        text=True,
        check=True,
        env=dict(os.environ, LOADTEST_PATHS=str(list_file)),
    ).stdout
    return parse_wrk(out)


def parse_wrk(out):
    """Requests/s, latency percentiles in ms and errors (socket errors and non-2xx/3xx) from
    the output of ``wrk --latency``."""
    latency = {
        f"p{share}": round(float(value) * _UNITS[unit], 1)
        for share, value, unit in re.findall(r"^\s+(\d+)%\s+([\d.]+)(us|ms|s)\s*$", out, re.M)
    }
    socket_errors = re.search(
        r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out
    )
    non_2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    errors = (sum(map(int, socket_errors.groups())) if socket_errors else 0) + (
        int(non_2xx[1]) if non_2xx else 0
    )
    return {
        "rps": round(float(re.search(r"Requests/sec:\s+([\d.]+)", out)[1]), 1),
        "latency_ms": latency,
        "errors": errors,
    }


def mixed_figures(paths, *, seconds):
    """The mixed load of `make loadtest` against the same bytes served as static files."""
    static_paths = []
    pairs = []
    for index, path in enumerate(paths):
        if path.startswith("/static/"):
            static_paths.append(path)
            continue
        static_paths.append(f"/static/bench/mixed-{index}.html")
        pairs += [path, DATA / "staticfiles" / "bench" / f"mixed-{index}.html"]
    rendered = child("html", *pairs)
    with Gunicorn(workers=MIXED_WORKERS) as server:
        for path in paths:  # each page once, as the first reader after a publish
            http_get(server.base + path)
        pages = mixed_load(server.base, paths, seconds=seconds)
        static = mixed_load(server.base, static_paths, seconds=seconds)
    if pages is None:
        return None
    return {
        "paths": paths,
        "statuses": sorted({page["status"] for page in rendered}),
        "workers": MIXED_WORKERS,
        "connections": MIXED_CONNECTIONS,
        "pages": pages,
        "static": static,
        "ratio": round(pages["rps"] / static["rps"], 2) if static["rps"] else None,
    }


def _mean_load(runs):
    return {
        "rps": round(sum(run["rps"] for run in runs) / len(runs), 1),
        "errors": sum(run["errors"] for run in runs),
        "tool": runs[0]["tool"],
    }


def load_figures(pages, *, seconds):
    """Each page against the same bytes served as a static file, by the same gunicorn."""
    static_root = DATA / "staticfiles"
    html = {}
    for name, url in pages.items():
        html[name] = child("html", url, static_root / "bench" / f"{name}.html")[0]
    results = {}
    with Gunicorn() as server:
        for name, url in pages.items():
            served = http_get(server.base + url).encode()
            # Page and static file in turn, LOAD_ROUNDS times: a slower second of the machine
            # falls on both, and the ratio is the median round's.
            rounds = [
                (
                    load(server.base + url, seconds=seconds),
                    load(f"{server.base}/static/bench/{name}.html", seconds=seconds),
                )
                for _round in range(LOAD_ROUNDS)
            ]
            ratios = sorted(p["rps"] / s["rps"] for p, s in rounds if s["rps"])
            results[name] = {
                "url": url,
                "bytes": html[name]["bytes"],
                "same_bytes": len(served) == html[name]["bytes"],
                "page": _mean_load([p for p, _s in rounds]),
                "static": _mean_load([s for _p, s in rounds]),
                "ratio": round(ratios[len(ratios) // 2], 2) if ratios else None,
                "ratios": [round(value, 2) for value in ratios],
            }
        results["invalidation"] = child("invalidate", pages["report"], server.base)
    return results


# -- the report ------------------------------------------------------------------------------


def machine():
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    memory = ""
    try:
        kb = int(Path("/proc/meminfo").read_text().split()[1])
        memory = f", {kb / 1024 / 1024:.1f} GB RAM"
    except (OSError, ValueError, IndexError):
        pass
    return f"{cpu}, {os.cpu_count()} cores{memory}, {platform.system()} {platform.release()}"


#: Rounds of ``yardstick``'s workload; the median is reported.
YARDSTICK_ROUNDS = 5


def yardstick(rounds=YARDSTICK_ROUNDS):
    """Milliseconds of a fixed pure-Python workload (the median of ``rounds``): how
    fast this machine runs Python at the moment. The machines are shared, and the same code's
    times move with their load from day to day; each run reports this at its start and its end,
    so that runs are compared by it (lower is faster) and absolute times read against it."""
    times = []
    for _round in range(rounds):
        started = time.perf_counter()
        counts = {}
        for number in range(200_000):
            key = str(number * 7919 % 100_003)
            counts[key] = counts.get(key, 0) + len(key)
        sorted(counts.items())
        times.append(time.perf_counter() - started)
    return round(statistics.median(times) * 1000, 1)


def versions():
    gunicorn = subprocess.run(
        [str(Path(PYTHON).parent / "gunicorn"), "--version"], capture_output=True, text=True
    ).stdout.strip()
    wrk = shutil.which("wrk")
    return (
        f"Python {platform.python_version()}, Django {django.get_version()}, "
        f"openpyxl {openpyxl.__version__}, {gunicorn or 'gunicorn'} ({GUNICORN_WORKERS} workers), "
        f"load: {'wrk' if wrk else 'Python threads'}"
    )


def ratio(value, base):
    return f"{value / base:.2f}" if base else "—"


def _runs(result):
    """「9.1 and 8.7 s」: the seconds of each run of a measurement ``fastest`` kept."""
    runs = result.get("runs", [result["seconds"]])
    return " and ".join(f"{seconds}" for seconds in runs) + " s"


def load_markdown(run):
    lines = [
        "",
        "**1. Throughput under load** (gunicorn, DEBUG off, whitenoise; page and static file "
        f"in turn, {LOAD_ROUNDS} rounds of {run['load_seconds']} s each, 4 connections from "
        "127.0.0.1; req/s the rounds' mean, the ratio the median round's)",
        "",
        "| page | bytes | page req/s | static req/s (same bytes) | ratio (each round) | goal "
        "| errors |",
        "|---|---:|---:|---:|---:|---|---:|",
    ]
    for name in ("report", "search"):
        item = run["load"][name]
        rounds = " / ".join(str(value) for value in item.get("ratios", []))
        lines.append(
            f"| {name} `{item['url']}` (warm) | {item['bytes']:,} | {item['page']['rps']} | "
            f"{item['static']['rps']} | {item['ratio']} ({rounds}) | ≥ 0.9 | "
            f"{item['page']['errors'] + item['static']['errors']} |"
        )
    inv = run["load"]["invalidation"]

    def after(ms):
        return f"after {ms:,.0f} ms" if ms is not None else "NOT within 3 s"

    lines += [
        "",
        f"Invalidation (goal ≤ 1 s): an edit of a remark on the page, made by another process, "
        f"was shown {after(inv['edit_shown_after_ms'])}, its revert "
        f"{after(inv['revert_shown_after_ms'])} (the change signal is one row raised in every "
        "publishing transaction; a server holds it for at most PUBLIC_STAMP_TTL = 1 s).",
    ]
    return lines


def _met(ok):
    return "met" if ok else "**not met**"


def _ms(values):
    return " / ".join(f"{value:,.1f}" for value in values) + " ms"


def goal_rows(run):
    """``(goal, measured, met)`` for each goal of issue 13 this run measured."""
    rows = []
    load = run.get("load")
    if load:
        for name, label in (("report", "資料 page"), ("search", "search page")):
            value = load[name]["ratio"]
            rows.append((f"warm {label} ≥ 0.9 × the same bytes static", value, value >= 0.9))
        inv = load["invalidation"]
        shown = [inv["edit_shown_after_ms"], inv["revert_shown_after_ms"]]
        ok = None not in shown and max(shown) <= 1000
        measured = _ms(shown) if None not in shown else "not within 3 s"
        rows.append(("a change (edit / revert) shown by the server ≤ 1 s", measured, ok))
    pages = run["pages"]
    queries = max(
        report[kind]["queries"]
        for report in pages["reports"].values()
        for kind in ("cold", "warm", "middle_page", "last_page")
    )
    filtered = max(report["filtered"]["queries"] for report in pages["reports"].values())
    rows.append(
        (
            "queries per 資料 page, whatever its length: ≤ 8; filtered ≤ 10 (its matches "
            "counted first and, on SQLite, the keyword's candidates in the index)",
            f"at most {queries}; filtered {filtered}",
            queries <= 8 and filtered <= 10,
        )
    )
    largest, report = max(pages["reports"].items(), key=lambda item: int(item[0]))
    kinds = ("cold", "middle_page", "last_page", "filtered")
    times = [report[kind]["ms"] for kind in kinds]
    rows.append(
        (
            f"cold 資料 page of {int(largest):,} rows ≤ 100 ms (first / middle / last / 「窓口」)",
            _ms(times),
            max(times) <= 100,
        )
    )
    times = [item["ms"] for label, item in pages["search"].items() if "warm" not in label]
    rows.append(
        (
            "cold list / search of 3, 2, 1 characters ≤ 100 ms",
            _ms(times),
            max(times) <= 100,
        )
    )
    others = pages.get("others", {})
    if others:
        slowest = max(others, key=lambda label: others[label]["ms"])
        ms = others[slowest]["ms"]
        rows.append(
            (
                f"every other public page cold ≤ 100 ms ({len(others)} pages, table 7)",
                f"slowest: {slowest} {ms:,.1f} ms",
                ms <= 100,
            )
        )
    admin = run.get("admin")
    if admin:
        times = [item["ms"] for name, item in admin.items() if name != "autocomplete"]
        rows.append(
            (
                "admin ≤ 200 ms (remarks: first / middle / last / filtered / search / 未回答; "
                "資料 list)",
                _ms(times),
                max(times) <= 200,
            )
        )
        if "autocomplete" in admin:
            ms = admin["autocomplete"]["ms"]
            rows.append(("admin autocomplete of one character ≤ 200 ms", _ms([ms]), ms <= 200))
    mixed = run.get("mixed", False)
    if mixed is None:
        rows.append(("mixed load of 50 connections", "not measured: wrk is missing", False))
    if mixed:
        latency, errors = mixed["pages"]["latency_ms"], mixed["pages"]["errors"]
        rows.append(
            (
                f"mixed load ({mixed['connections']} connections, 11 paths): p99 ≤ 100 ms, "
                "0 errors, ≥ 0.5 × static req/s",
                f"p99 {latency.get('p99', 0):,.1f} ms, {errors} errors, {mixed['ratio']} × static",
                latency.get("p99", 1e9) <= 100 and errors == 0 and mixed["ratio"] >= 0.5,
            )
        )
    if "import" in run:
        figures = run["import"]
        value = figures["real"]["seconds"] / figures["baseline"]["seconds"]
        shown = f"{value:.2f}×"
        if "without_search_text" in figures:
            without = figures["without_search_text"]["seconds"] / figures["baseline"]["seconds"]
            shown += f" ({without:.2f}× without the search text: a diagnostic)"
        rows.append(("import ≤ 2× its baseline", shown, value <= 2))
    if "excel" in run:
        styled, plain = run["excel"]["styled"], run["excel"]["plain"]
        value = styled["seconds"] / plain["seconds"]
        added = styled["peak_rss_mb"] - styled["rss_before_mb"]
        rows.append(
            (
                "Excel export ≤ 2× openpyxl unstyled, ≤ 150 MB for the workbook",
                f"{value:.2f}×, +{added:,.0f} MB",
                value <= 2 and added <= 150,
            )
        )
    return rows


def goals_markdown(size, run):
    lines = [
        "",
        f"**Goals at {int(size):,} remarks** (issue 13; every figure below, from this run)",
        "",
        "| goal | measured | |",
        "|---|---|---|",
    ]
    lines += [f"| {goal} | {measured} | {_met(ok)} |" for goal, measured, ok in goal_rows(run)]
    return lines


def mixed_markdown(mixed):
    latency = mixed["pages"]["latency_ms"]
    percentiles = " / ".join(f"{latency.get(p, 0):,.1f}" for p in ("p50", "p75", "p90", "p99"))
    return [
        "",
        f"**8. Mixed load** (`make loadtest`'s: wrk, {mixed['connections']} connections, the "
        f"eleven public paths in turn, gunicorn with {mixed['workers']} workers)",
        "",
        "| | req/s | latency p50 / p75 / p90 / p99 ms | errors |",
        "|---|---:|---|---:|",
        f"| pages | {mixed['pages']['rps']:,} | {percentiles} | {mixed['pages']['errors']} |",
        f"| the same bytes as static files | {mixed['static']['rps']:,} | | "
        f"{mixed['static']['errors']} |",
        f"| ratio (goal ≥ 0.5) | {mixed['ratio']} | | |",
        "",
        "Paths: " + ", ".join(f"`{path}`" for path in mixed["paths"]),
    ]


def markdown(db, figures):
    lines = [f"<!-- bench:{db['vendor']} -->", f"## Results on {db['label']}", ""]
    lines += [
        f"- Measured: {time.strftime('%Y-%m-%d %H:%M %Z')} by `make bench`",
        f"- Machine: {figures['machine']}",
        "- CPU yardstick (a fixed pure-Python workload, `bench/run.py: yardstick`; "
        f"lower is faster): {figures['yardstick']['start']} ms at the start, "
        f"{figures['yardstick']['end']} ms at the end; compare runs by it",
        f"- Versions: {figures['versions']}; database: {db['version']}",
        "",
    ]
    for size, run in figures["sizes"].items():
        pages, gen = run["pages"], run["generate"]
        lines += [f"### {int(size):,} remarks", ""]
        lines += [
            f"Demo data: {gen['seconds']:.1f} s to generate "
            f"({int(size):,} remarks with answers, follow-ups, 資料 and one history row each).",
        ]
        lines += goals_markdown(size, run)
        if "load" in run:
            lines += load_markdown(run)
        lines += [
            "",
            f"**2. Queries per 資料 page** (change stamp alone: {pages['stamp_ms']} ms median)",
            "",
            "| 資料 of | cold: queries / ms | warm: queries / ms | middle page: queries / ms "
            "| last page: queries / ms | filtered: queries / ms | goal |",
            "|---:|---|---|---|---|---|---|",
        ]
        for count, report in pages["reports"].items():
            cells = " | ".join(
                f"{report[k]['queries']} / {report[k]['ms']}"
                for k in ("cold", "warm", "middle_page", "last_page", "filtered")
            )
            lines.append(f"| {int(count):,} | {cells} | ≤ 8, constant |")
        search = pages["search"]
        base = search["一覧"]["ms"]
        lines += [
            "",
            f"**5. Search over {pages['comments']:,} remarks** (cold: page cache emptied)",
            "",
            "| request | queries | ms | ratio to the plain list |",
            "|---|---:|---:|---:|",
        ]
        for label, item in search.items():
            lines.append(
                f"| {label} | {item['queries']} | {item['ms']} | {ratio(item['ms'], base)} |"
            )
        admin = run.get("admin", {})
        lines += [
            "",
            f"**6. Admin changelist at {pages['comments']:,} remarks** (superuser, 100 per page)",
            "",
            "| page | queries | ms |",
            "|---|---:|---:|",
        ]
        for label, item in admin.items():
            lines.append(f"| {label} `{item['url']}` | {item['queries']} | {item['ms']} |")
        others = pages.get("others", {})
        if others:
            lines += [
                "",
                f"**7. Other public pages at {pages['comments']:,} remarks** (cold)",
                "",
                "| page | queries | ms |",
                "|---|---:|---:|",
            ]
            for label, item in others.items():
                lines.append(f"| {label} `{item['url']}` | {item['queries']} | {item['ms']} |")
        if run.get("mixed"):
            lines += mixed_markdown(run["mixed"])
        if "excel" in run:
            styled, plain = run["excel"]["styled"], run["excel"]["plain"]
            lines += [
                "",
                f"**3. Excel export of {styled['rows']:,} remarks**",
                "",
                "| | seconds | peak RSS MB (before) | bytes |",
                "|---|---:|---:|---:|",
                f"| build_workbook (print layout) | {styled['seconds']} | "
                f"{styled['peak_rss_mb']} ({styled['rss_before_mb']}) | {styled['bytes']:,} |",
                f"| openpyxl, same cells unstyled | {plain['seconds']} | "
                f"{plain['peak_rss_mb']} ({plain['rss_before_mb']}) | {plain['bytes']:,} |",
                f"| ratio (goal ≤ 2×, ≤ 150 MB) | {ratio(styled['seconds'], plain['seconds'])} "
                "| | |",
            ]
        if "import" in run:
            imp, base_imp = run["import"]["real"], run["import"]["baseline"]
            lines += [
                "",
                f"**4. Import of a {imp['rows']:,}-row workbook** "
                f"({run['import']['file_bytes']:,} bytes)",
                "",
                "| | seconds |",
                "|---|---:|",
                "| `import_feedback FILE --commit` (validation, history; the faster of "
                f"{_runs(imp)}) | {imp['seconds']} |",
                "| openpyxl read + bulk_create of the same rows (the faster of "
                f"{_runs(base_imp)}) | {base_imp['seconds']} |",
                f"| ratio (goal ≤ 2×) | {ratio(imp['seconds'], base_imp['seconds'])} |",
            ]
            without = run["import"].get("without_search_text")
            if without:
                lines += [
                    "| diagnostic: the same import, search text left empty (rolled back) | "
                    f"{without['seconds']} |",
                    "| its ratio to the baseline | "
                    f"{ratio(without['seconds'], base_imp['seconds'])} |",
                ]
            publish = run["import"].get("publish")
            if publish:
                lines.append(
                    f"| not a goal: publishing the imported 資料 ({publish['rows']:,} rows; writes "
                    f"the new remarks' index pieces; rolled back) | {publish['seconds']} |"
                )
        lines.append("")
    lines.append(f"<!-- /bench:{db['vendor']} -->")
    return "\n".join(lines)


def write_report(path, section, vendor):
    """Replace this database's section of the report, keeping everything else."""
    text = path.read_text(encoding="utf-8") if path.exists() else ""
    pattern = re.compile(rf"<!-- bench:{vendor} -->.*?<!-- /bench:{vendor} -->", re.S)
    if pattern.search(text):
        text = pattern.sub(lambda _m: section, text)
    elif "<!-- bench:results -->" in text:
        text = text.replace("<!-- bench:results -->", f"<!-- bench:results -->\n\n{section}")
    else:
        text = text.rstrip() + "\n\n" + section + "\n"
    path.write_text(text, encoding="utf-8")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--child", nargs="+")
    parser.add_argument("--sizes", default=os.environ.get("BENCH_SIZES", "10000,100000"))
    parser.add_argument("--seconds", type=int, default=int(os.environ.get("BENCH_SECONDS", "5")))
    parser.add_argument("--output", default=str(ROOT / "docs" / "benchmarks.md"))
    parser.add_argument(
        "--parts", default="all", help="all, or some of pages,admin,load,mixed,excel,import"
    )
    parser.add_argument(
        "--mixed-seconds",
        type=int,
        default=int(os.environ.get("BENCH_MIXED_SECONDS", "30")),
        help="the mixed load's duration (make loadtest's 30 s)",
    )
    parser.add_argument(
        "--demo-data",
        type=int,
        metavar="COMMENTS",
        help="only write this many remarks of demo data into the database (not emptied first)",
    )
    parser.add_argument(
        "--sample-reports", default="", help="with --demo-data: 資料 of these sizes too (7,2000)"
    )
    parser.add_argument(
        "--skip-history", action="store_true", help="with --demo-data: no history rows"
    )
    options = parser.parse_args()
    if options.child:
        return run_child(options.child[0], options.child[1:])
    if options.demo_data is not None:
        history = "no-history" if options.skip_history else "history"
        made = child("generate", options.demo_data, options.sample_reports, history)
        summary = "、".join(f"{name} {count:,}件" for name, count in made["created"].items())
        print(f"{summary}を{made['seconds']:.1f}秒で作成しました。")
        return None

    sizes = [int(size) for size in options.sizes.split(",")]
    vendor = "postgresql" if _env()["DATABASE_URL"].startswith("postgres") else "sqlite"
    figures = {"machine": machine(), "versions": versions(), "sizes": {}}
    figures["yardstick"] = {"start": yardstick()}
    db = {"vendor": vendor, "label": "PostgreSQL" if vendor == "postgresql" else "SQLite"}
    for size in sizes:
        print(f"== {db['label']}, {size:,} remarks", flush=True)
        reset_database()
        db["version"] = child("versions")["database"]
        seconds = child("generate", size, f"7,2000,{size}", "history")["seconds"]
        run = {"generate": {"seconds": seconds}, "load_seconds": options.seconds}
        print(f"   generated in {seconds:.1f} s", flush=True)
        parts = {"pages", "admin", "load", "mixed", "excel", "import"}
        if options.parts != "all":
            parts = set(options.parts.split(","))
        run["pages"] = child("pages")
        if "admin" in parts:
            run["admin"] = child("admin")
        # The 資料 nearest to 2,000 rows: a year of a busy committee.
        report_url = min(
            run["pages"]["reports"].items(), key=lambda item: abs(int(item[0]) - 2000)
        )[1]["cold"]["url"]
        if "load" in parts:
            run["load"] = load_figures(
                {"report": report_url, "search": f"/comments/?q={urllib.parse.quote(SEARCH_WORD)}"},
                seconds=options.seconds,
            )
        if "mixed" in parts:
            paths = child("public-paths", report_url, SEARCH_WORD)
            run["mixed"] = mixed_figures(paths, seconds=options.mixed_seconds)
        if size == sizes[0] and "excel" in parts:
            export_rows = min(size, 10_000)
            run["excel"] = {
                "styled": child("excel", export_rows, "styled"),
                "plain": child("excel", export_rows, "plain"),
            }
        if size == sizes[0] and "import" in parts:
            path = DATA / "import.xlsx"
            file = child("import-file", min(size, 10_000), path)
            # Each measured twice, the faster kept (a second on a busy machine is a quarter of
            # the baseline); the committed import last: it adds the file's remarks for good.
            baselines = [child("import-baseline", path) for _attempt in range(2)]
            without = child("import-without-search-text", path)
            imports = [child("import-rolled-back", path), child("import", path)]
            run["import"] = {
                "file_bytes": file["bytes"],
                "baseline": fastest(baselines),
                "without_search_text": without,
                "real": fastest(imports),
            }
            run["import"]["publish"] = child("import-publish")
        figures["sizes"][size] = run
        print(json.dumps(run, ensure_ascii=False, indent=1), flush=True)
    figures["yardstick"]["end"] = yardstick()
    section = markdown(db, figures)
    write_report(Path(options.output), section, vendor)
    print(section)
    print(f"bench: wrote {options.output}")


if __name__ == "__main__":
    main()
