# The two commands of the project: `make run` (try it with demo data) and `make test` (the whole suite).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
TEST_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/permanences
TEST_REDIS_URL ?= redis://127.0.0.1:6379/1

.PHONY: run test lint venv messages messages-update gettext browser bench-generation bench bench-tiny clean backup serve worker

# The venv installs requirements-dev.lock in pip's hash-checking mode: every package, pip itself
# included, at the version and with the hashes the lock file names; a change to a lock reinstalls.
$(STAMP): requirements.lock requirements-dev.lock
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --require-hashes -r requirements-dev.lock
	touch $(STAMP)

venv: $(STAMP)

# After editing requirements*.txt: `make lock` rewrites both lock files (LOCK_ARGS=--upgrade: newest sub-pins too).
PIP_COMPILE = CUSTOM_COMPILE_COMMAND="make lock" $(BIN)/pip-compile --quiet --generate-hashes --allow-unsafe \
	--strip-extras --no-emit-index-url --no-emit-find-links $(LOCK_ARGS)
.PHONY: lock
lock: | $(STAMP)
	$(PIP_COMPILE) --output-file requirements.lock requirements.txt
	$(PIP_COMPILE) --constraint requirements.lock --output-file requirements-dev.lock requirements-dev.txt

# Translations are compiled from the committed .po files; GNU gettext provides msgfmt.
gettext:
	@command -v msgfmt >/dev/null || { \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq gettext >/dev/null; \
	  else echo "msgfmt is missing: install GNU gettext (apt-get install gettext)"; exit 1; fi; }

# The browser tests (tests/e2e) drive Debian's Chromium, with its French pack for date fields:
# installed when missing and we are root on a Debian-like system. Otherwise the tests are skipped
# with one line (under CI=true they fail instead).
browser:
	@test -e /usr/lib/chromium/locales/fr.pak || { \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	    { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-l10n >/dev/null; } \
	      || echo "Chromium could not be installed: the browser tests will be skipped"; \
	  elif [ ! -x /usr/bin/chromium ]; then \
	    echo "Chromium is missing: the browser tests will be skipped (apt-get install chromium chromium-l10n)"; fi; }

messages: venv gettext
	DEBUG=true $(BIN)/python manage.py compilemessages --ignore=$(VENV) --verbosity 0

# After changing interface strings: refresh every catalog of locale/, then translate what is new.
messages-update: venv gettext
	DEBUG=true $(BIN)/python manage.py makemessages -l fr -l en -l ar -l es -l pt -l ro -l uk -l ru -l tr -l prs --ignore=$(VENV) --no-obsolete

run: messages
	DEBUG=true $(BIN)/python manage.py migrate --no-input
	DEBUG=true $(BIN)/python manage.py load_demo
	DEBUG=true $(BIN)/python manage.py runserver 127.0.0.1:8000

# ruff, then the apps' order (each imports only the apps below it: pyproject.toml, docs/architecture.md).
lint: venv
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports

# The suite runs on real services: PostgreSQL, and Redis for the log-in throttle's cache.
test: messages lint browser
	@DATABASE_URL="$${DATABASE_URL:-$(TEST_DATABASE_URL)}" REDIS_URL="$${REDIS_URL:-$(TEST_REDIS_URL)}" $(BIN)/python scripts/check_database.py
	DATABASE_URL="$${DATABASE_URL:-$(TEST_DATABASE_URL)}" SECRET_KEY=checks $(BIN)/python manage.py makemigrations --check --dry-run
	DATABASE_URL="$${DATABASE_URL:-$(TEST_DATABASE_URL)}" REDIS_URL="$${REDIS_URL:-$(TEST_REDIS_URL)}" SECRET_KEY=checks $(BIN)/python manage.py check --fail-level WARNING
	DATABASE_URL="$${DATABASE_URL:-$(TEST_DATABASE_URL)}" SECRET_KEY=checks $(BIN)/mypy
	DATABASE_URL="$${DATABASE_URL:-$(TEST_DATABASE_URL)}" REDIS_URL="$${REDIS_URL:-$(TEST_REDIS_URL)}" $(BIN)/pytest --create-db

# Benchmarks print their figures; they use their own PostgreSQL database (see each script).
bench-generation: messages
	$(BIN)/python scripts/benchmark_generation.py

# The pages that matter, served by gunicorn on loopback with production settings, measured from a
# client process: the national profile in permanences_bench (filled on first use, a few minutes),
# figures printed and written to BENCH_OUTPUT. bench-tiny runs the same harness on a few hundred rows.
BENCH_OUTPUT ?= bench.json
BENCH_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/permanences_bench
BENCH_REDIS_URL ?= redis://127.0.0.1:6379/8

bench: messages
	$(BIN)/python scripts/bench.py --database-url $(BENCH_DATABASE_URL) --redis-url $(BENCH_REDIS_URL) --output $(BENCH_OUTPUT)

bench-tiny: messages
	$(BIN)/python scripts/bench.py --profile tiny --fresh --database-url $(BENCH_DATABASE_URL)_tiny --redis-url $(BENCH_REDIS_URL) --output $(BENCH_OUTPUT)

clean:
	rm -rf $(VENV) db.sqlite3 staticfiles
	find . -name '*.mo' -not -path './$(VENV)/*' -delete

# A dump of the database named by DATABASE_URL into backups/ (or BACKUP_DIR); plain bash, no venv.
backup:
	scripts/backup.sh $(BACKUP_DIR)

# Production mode on this machine: DEBUG off, gunicorn (gunicorn.conf.py) and whitenoise, on
# http://$(SERVE_BIND), over the demo (DATABASE_URL, by default the SQLite file of `make run`).
# Without SECRET_KEY, a throwaway one is made once and shared by `make serve` and `make worker`
# (the worker signs the links of the e-mails it sends). Plain HTTP on the loopback only.
SERVE_BIND ?= 127.0.0.1:8001
SERVE_SECRET := $(VENV)/serve-secret-key
SERVE_ENV = DEBUG=false \
	SECRET_KEY="$${SECRET_KEY:-$$(cat $(SERVE_SECRET))}" \
	DATABASE_URL="$${DATABASE_URL:-sqlite:///$(CURDIR)/db.sqlite3}" \
	ALLOWED_HOSTS="$${ALLOWED_HOSTS:-127.0.0.1,localhost}" \
	SITE_URL="$${SITE_URL:-http://$(SERVE_BIND)}" \
	SECURE_SSL_REDIRECT=false SECURE_COOKIES=false SECURE_HSTS_SECONDS=0

$(SERVE_SECRET): | $(STAMP)
	umask 077 && $(BIN)/python -c "import secrets; print(secrets.token_urlsafe(50))" > $@

serve: messages $(SERVE_SECRET)
	$(SERVE_ENV) $(BIN)/python manage.py migrate --no-input
	$(SERVE_ENV) $(BIN)/python manage.py load_demo
	$(SERVE_ENV) $(BIN)/python manage.py collectstatic --no-input --verbosity 0
	$(SERVE_ENV) BIND=$(SERVE_BIND) $(BIN)/gunicorn --config gunicorn.conf.py

# The task worker (e-mails, horizon extension): start it next to `make serve`, on the same database;
# it waits for `make serve` to have migrated it.
worker: messages $(SERVE_SECRET)
	@until $(SERVE_ENV) $(BIN)/python manage.py migrate --check >/dev/null 2>&1; do \
	  echo "Waiting for the database to be migrated (make serve does it)..."; sleep 3; done
	$(SERVE_ENV) $(BIN)/python manage.py db_worker
