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
    elif task == "html":
        # The bytes a reader gets, rendered by the same settings and data as gunicorn serves.
        c = measure.client()
        measure.clear_page_cache()
        response = c.get(args[0])
        Path(args[1]).parent.mkdir(parents=True, exist_ok=True)
        Path(args[1]).write_bytes(response.content)
        result = {"status": response.status_code, "bytes": len(response.content)}
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

    def __init__(self):
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"

    def __enter__(self):
        self.process = subprocess.Popen(
            [
                str(Path(PYTHON).parent / "gunicorn"),
                "hiratsuka_site.wsgi",
                f"--workers={GUNICORN_WORKERS}",
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
        rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out)[1])
        errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
        return {"rps": round(rps, 1), "errors": int(errors[1]) if errors else 0, "tool": "wrk"}
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


def load_figures(pages, *, seconds):
    """Each page against the same bytes served as a static file, by the same gunicorn."""
    static_root = DATA / "staticfiles"
    html = {}
    for name, url in pages.items():
        html[name] = child("html", url, static_root / "bench" / f"{name}.html")
    results = {}
    with Gunicorn() as server:
        for name, url in pages.items():
            served = http_get(server.base + url).encode()
            page = load(server.base + url, seconds=seconds)
            static = load(f"{server.base}/static/bench/{name}.html", seconds=seconds)
            results[name] = {
                "url": url,
                "bytes": html[name]["bytes"],
                "same_bytes": len(served) == html[name]["bytes"],
                "page": page,
                "static": static,
                "ratio": round(page["rps"] / static["rps"], 2) if static["rps"] else None,
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


def load_markdown(run):
    lines = [
        "",
        "**1. Throughput under load** (gunicorn, DEBUG off, whitenoise; "
        f"{run['load_seconds']} s per run, 4 connections from 127.0.0.1)",
        "",
        "| page | bytes | page req/s | static req/s (same bytes) | ratio | goal | errors |",
        "|---|---:|---:|---:|---:|---|---:|",
    ]
    for name in ("report", "search"):
        item = run["load"][name]
        lines.append(
            f"| {name} `{item['url']}` (warm) | {item['bytes']:,} | {item['page']['rps']} | "
            f"{item['static']['rps']} | {item['ratio']} | ≥ 0.9 | "
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


def markdown(db, figures):
    lines = [f"<!-- bench:{db['vendor']} -->", f"## Results on {db['label']}", ""]
    lines += [
        f"- Measured: {time.strftime('%Y-%m-%d %H:%M %Z')} by `make bench`",
        f"- Machine: {figures['machine']}",
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
                f"| `import_feedback FILE --commit` (validation, history) | {imp['seconds']} |",
                f"| openpyxl read + bulk_create of the same rows | {base_imp['seconds']} |",
                f"| ratio (goal ≤ 2×) | {ratio(imp['seconds'], base_imp['seconds'])} |",
            ]
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
        "--parts", default="all", help="all, or some of pages,admin,load,excel,import"
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
    db = {"vendor": vendor, "label": "PostgreSQL" if vendor == "postgresql" else "SQLite"}
    for size in sizes:
        print(f"== {db['label']}, {size:,} remarks", flush=True)
        reset_database()
        db["version"] = child("versions")["database"]
        seconds = child("generate", size, f"7,2000,{size}", "history")["seconds"]
        run = {"generate": {"seconds": seconds}, "load_seconds": options.seconds}
        print(f"   generated in {seconds:.1f} s", flush=True)
        parts = {"pages", "admin", "load", "excel", "import"}
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
                {"report": report_url, "search": "/comments/"}, seconds=options.seconds
            )
        if size == sizes[0] and "excel" in parts:
            export_rows = min(size, 10_000)
            run["excel"] = {
                "styled": child("excel", export_rows, "styled"),
                "plain": child("excel", export_rows, "plain"),
            }
        if size == sizes[0] and "import" in parts:
            path = DATA / "import.xlsx"
            file = child("import-file", min(size, 10_000), path)
            run["import"] = {
                "file_bytes": file["bytes"],
                "baseline": child("import-baseline", path),
                "real": child("import", path),
            }
        figures["sizes"][size] = run
        print(json.dumps(run, ensure_ascii=False, indent=1), flush=True)
    section = markdown(db, figures)
    write_report(Path(options.output), section, vendor)
    print(section)
    print(f"bench: wrote {options.output}")


if __name__ == "__main__":
    main()
