# The two set-up commands are `make run` and `make test`; everything else is for developers.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8000
PIP := $(BIN)/python -m pip install --disable-pip-version-check --quiet

.PHONY: run serve backup restore loadtest test chromium print-tools docs-screens docs-screens-pages lint format security migrations-check clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(VENV)/.run-installed: requirements.txt | $(BIN)/python
	$(PIP) -r requirements.txt
	touch $@

$(VENV)/.dev-installed: requirements.txt requirements-dev.txt | $(BIN)/python
	$(PIP) -r requirements-dev.txt
	touch $@ $(VENV)/.run-installed

# Local server with the 資料2 data: debug mode unless DJANGO_DEBUG says otherwise. The first run
# writes .env.local (git-ignored, mode 600: DJANGO_DEBUG=1 and a generated secret key), which
# settings read when the environment does not set DJANGO_DEBUG, so `python manage.py …` works
# here as well (hiratsuka_site/localenv.py).
LOCAL_ENV := .env.local
$(LOCAL_ENV): | $(BIN)/python
	@umask 077 && key=$$($(BIN)/python -c "import secrets; print(secrets.token_urlsafe(50))") && { \
	  echo "# make run が作ったローカル開発用の設定（git 管理外）。本番では使わないでください。"; \
	  echo "DJANGO_DEBUG=1"; \
	  echo "DJANGO_SECRET_KEY=$$key"; \
	} > $@.tmp && mv $@.tmp $@
	@echo "ローカル開発用の設定 $@ を作りました（DJANGO_DEBUG=1 と秘密鍵）。" >&2

run: $(VENV)/.run-installed $(LOCAL_ENV)
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py createcachetable
	$(BIN)/python manage.py load_report_fixture
	$(BIN)/python manage.py create_local_admin
	$(BIN)/python manage.py runserver 127.0.0.1:$(PORT)

# Production mode (docs/deploy.md): gunicorn behind a TLS reverse proxy, whitenoise for static
# files, DEBUG off. Without DJANGO_SECRET_KEY a key for local trial is generated once into
# .secret-key (git-ignored); in production set DJANGO_SECRET_KEY instead.
BIND ?= 127.0.0.1:$(PORT)
WORKERS ?= $(shell echo $$(( $$(nproc) * 2 + 1 )))
SECRET_KEY_FILE := .secret-key
serve: export DJANGO_DEBUG = 0
serve: export DJANGO_ALLOWED_HOSTS ?= 127.0.0.1,localhost
# TLS and the http→https redirect belong to the reverse proxy; set 1 to redirect here as well.
serve: export DJANGO_SECURE_SSL_REDIRECT ?= 0
serve: $(VENV)/.run-installed
	@if [ -z "$$DJANGO_SECRET_KEY" ] && [ ! -s $(SECRET_KEY_FILE) ]; then \
	  echo "DJANGO_SECRET_KEY が未設定のため、ローカル試用の秘密鍵を $(SECRET_KEY_FILE) に生成しました。本番では環境変数 DJANGO_SECRET_KEY を設定してください。" >&2; \
	  umask 077 && $(BIN)/python -c "import secrets; print(secrets.token_urlsafe(50))" > $(SECRET_KEY_FILE); \
	fi
	@export DJANGO_SECRET_KEY="$${DJANGO_SECRET_KEY:-$$(cat $(SECRET_KEY_FILE) 2>/dev/null)}" && \
	  if [ "$$DJANGO_SECRET_KEY" = "$$(cat $(SECRET_KEY_FILE) 2>/dev/null)" ]; then \
	    echo "注意: $(SECRET_KEY_FILE) の秘密鍵（ローカル試用）で起動します。" >&2; fi && \
	  $(BIN)/python manage.py migrate --noinput && \
	  $(BIN)/python manage.py createcachetable && \
	  $(BIN)/python manage.py collectstatic --noinput --verbosity 0 && \
	  $(BIN)/python manage.py load_report_fixture && \
	  exec $(BIN)/gunicorn hiratsuka_site.wsgi:application --bind $(BIND) --workers $(WORKERS) \
	    --access-logfile - --forwarded-allow-ips "$${FORWARDED_ALLOW_IPS:-127.0.0.1}"

# A consistent backup of the configured database (pg_dump -Fc, or SQLite's online backup API),
# and its restore into an empty database (docs/backups.md). The backup is created 0600 (missing
# folders 0700) by backup_database itself. Both use the key `make serve` uses: DJANGO_SECRET_KEY,
# else the local trial's .secret-key.
BACKUP ?= backups/hiratsuka-$(shell date +%Y%m%d-%H%M%S).dump
WITH_SECRET_KEY = export DJANGO_SECRET_KEY="$${DJANGO_SECRET_KEY:-$$(cat $(SECRET_KEY_FILE) 2>/dev/null)}" && \
	if [ -z "$$DJANGO_SECRET_KEY" ] && [ -z "$$DJANGO_DEBUG" ]; then \
	  echo "秘密鍵がありません。環境変数 DJANGO_SECRET_KEY を設定してください（make serve で試用中なら $(SECRET_KEY_FILE) を使います）。" >&2; \
	  exit 1; \
	fi &&
backup: $(VENV)/.run-installed
	@$(WITH_SECRET_KEY) $(BIN)/python manage.py backup_database $(BACKUP)

restore: $(VENV)/.run-installed
	@test -n "$(FROM)" || { echo "復元するファイルを FROM=… で指定してください。" >&2; exit 1; }
	@$(WITH_SECRET_KEY) $(BIN)/python manage.py restore_database $(FROM)

# 50 connections for 30 s against `make serve` on 127.0.0.1 (not part of make test or CI);
# the figures go to docs/benchmarks.md by hand.
LOADTEST_PORT ?= 8765
loadtest: $(VENV)/.run-installed
	scripts/loadtest.sh $(LOADTEST_PORT)

# The browser tests drive Debian's Chromium (never a browser downloaded by Playwright).
chromium:
	@if [ ! -x /usr/bin/chromium ]; then \
	  if [ "$$(id -u)" = 0 ]; then apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y chromium; \
	  else echo "/usr/bin/chromium がありません。root で apt-get install -y chromium を実行してください。" >&2; exit 1; fi; \
	fi

# The print tests (tests/feedback/test_workbook_print.py) convert workbooks to PDF with Debian's
# LibreOffice Calc and read them back with poppler's pdftotext; IPA Gothic renders the Japanese
# text (it stands in for ＭＳ ゴシック: both fixed-pitch, ASCII half width).
PRINT_PACKAGES := libreoffice-calc poppler-utils fonts-ipafont-gothic
print-tools:
	@if ! command -v soffice >/dev/null || ! command -v pdftotext >/dev/null || \
	    [ ! -e /usr/share/fonts/opentype/ipafont-gothic/ipag.ttf ]; then \
	  if [ "$$(id -u)" = 0 ]; then apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends $(PRINT_PACKAGES); \
	  else echo "soffice・pdftotext・IPAゴシックがありません。root で apt-get install -y $(PRINT_PACKAGES) を実行してください。" >&2; exit 1; fi; \
	fi

test: $(VENV)/.dev-installed chromium print-tools
	$(BIN)/pytest

# docs/images/: 資料2's print workbook as LibreOffice prints it (workbook-page*.png), the
# admin as a member of staff entering remarks sees it (admin-*.png) and the public 資料 page
# printed and on a phone (report-*.png, the docs-screens-pages target below).
docs-screens: $(VENV)/.dev-installed print-tools chromium docs-screens-pages
	$(BIN)/python scripts/print_screenshots.py
	$(BIN)/python scripts/admin_screens.py

# docs/images/report-*.png: the 資料 page as Chromium prints it (page 1) and on a 375 px phone.
docs-screens-pages: $(VENV)/.dev-installed chromium print-tools
	$(BIN)/python scripts/docs_screens.py

lint: $(VENV)/.dev-installed
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: $(VENV)/.dev-installed
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

# bandit over the served code: medium and high findings fail (reviewed ones carry # nosec).
security: $(VENV)/.dev-installed
	$(BIN)/bandit -q -c pyproject.toml -r api feedback policy hiratsuka_site publication safeguards --severity-level medium

migrations-check: $(VENV)/.dev-installed
	DJANGO_DEBUG=1 $(BIN)/python manage.py makemigrations --check --dry-run

# Benchmarks into docs/benchmarks.md (a few minutes): SQLite in bench/.data/, or PostgreSQL with
# DATABASE_URL=postgres://postgres@127.0.0.1:5432/hiratsuka_bench (emptied first; see bench/run.py).
.PHONY: bench
bench: $(VENV)/.dev-installed
	$(BIN)/python bench/run.py

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache staticfiles
