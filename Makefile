# The two commands: `make run` (set up, load the demo, serve) and `make test` (set up, run every test).
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8000
PYTEST_ARGS ?=
BENCH_ARGS ?=

.PHONY: install run serve static test test-setup lint mutation token worker backup restore bench bench-serve bench-export bench-import messages migrate demo clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(VENV)/.installed: requirements.txt | $(BIN)/python
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements.txt
	touch $@

install: $(VENV)/.installed

migrate: install
	$(BIN)/python manage.py migrate --noinput

demo: migrate
	$(BIN)/python manage.py load_demo
	$(BIN)/python manage.py load_glossary
	@$(BIN)/python manage.py check_search_index >/dev/null 2>&1 || { echo "Building the search index from the database…"; $(BIN)/python manage.py rebuild_search_index; }

# Each long-running recipe line `exec`s its server, so the process make waits for is the server itself (not a
# /bin/sh that would die on SIGTERM and leave the server running): see "Stopping" in docs/operations.md.
run: demo
	exec $(BIN)/python manage.py runserver 127.0.0.1:$(PORT)

# The production profile on this machine: migrations, static files (hashed, compressed), then gunicorn
# (WEB_CONCURRENCY workers on PORT) beside this node's search index follower. Never loads demo data.
# `make -o static serve` starts the server alone, neither migrating nor collecting (e.g. both done by a release step).
static: migrate
	$(BIN)/python manage.py collectstatic --noinput -v0

serve: static
	PORT=$(PORT) exec $(BIN)/python manage.py serve

# The tests' OpenID Connect provider (tests/oidc_provider: node's oidc-provider, exactly as package-lock.json says).
OIDC_PROVIDER := tests/oidc_provider/node_modules/.package-lock.json
$(OIDC_PROVIDER): tests/oidc_provider/package-lock.json
	@if command -v npm >/dev/null; then \
		npm ci --prefix tests/oidc_provider --no-audit --no-fund --loglevel=error && touch $@; \
	else echo "npm not found: the single sign-on tests will skip (CI installs Node.js)"; fi

# Everything the tests need installed (CI runs it once before its two passes, which then find it done).
test-setup: install $(OIDC_PROVIDER)

test: test-setup
	$(BIN)/python -m pytest $(PYTEST_ARGS)

# The tiers (docs/architecture.md), checked by import-linter against .importlinter; .ci/run runs it too.
lint: install
	$(BIN)/lint-imports

# Mutation testing of the core with mutmut (slow: not part of `make test` nor CI; docs/mutation-testing.md).
# `make mutation` runs every target and prints the score table; PKG=actions (or several: PKG="actions text")
# runs those only; FRESH=1 forgets earlier results; SURVIVORS=1 tries again only what the last run did not kill
# (after writing tests); MUTATION_ARGS adds options (e.g. --max-children 1).
PKG ?=
MUTATION_ARGS ?=
$(VENV)/.mutation-installed: requirements-mutation.txt $(VENV)/.installed
	$(BIN)/python -m pip install --quiet -r requirements-mutation.txt
	touch $@

mutation: $(VENV)/.mutation-installed
	$(BIN)/python -m mutation.run $(PKG) $(if $(filter 1,$(FRESH)),--fresh) $(if $(filter 1,$(SURVIVORS)),--survivors) \
		$(MUTATION_ARGS)

# Print USER's API token (`make token USER=demo`), creating it if missing; REGENERATE=1 replaces it. The user
# must exist (`make run` creates demo). USER must be given on the command line: the environment's USER is
# the login name, never meant here. The same page for every user: /accounts/token/.
ifneq ($(filter token,$(MAKECMDGOALS)),)
ifneq ($(origin USER),command line)
$(error make token: name the user, e.g. `make token USER=demo`)
endif
ifeq ($(strip $(USER)),)
$(error make token: USER is empty; name the user, e.g. `make token USER=demo`)
endif
endif
# Quietly (-v 0: errors only), so that `make -s token USER=demo` prints the token's line and nothing else.
token: install
	@$(BIN)/python manage.py migrate --noinput -v 0
	@$(BIN)/python manage.py api_token $(if $(filter 1,$(REGENERATE)),--regenerate )-- "$(USER)"

# Backups (docs/operations.md, "Backups and restore"): `make backup DIR=/backups/postmortem-2026-01-31` writes a consistent
# snapshot while the app runs (DIR new or empty); `make restore DIR=…` puts one back into an empty database.
backup: install
	@test -n "$(DIR)" || { echo "make backup: name a new or empty directory, e.g. make backup DIR=/backups/postmortem-$$(date +%F)" >&2; exit 2; }
	$(BIN)/python manage.py backup "$(DIR)"

restore: install
	@test -n "$(DIR)" || { echo "make restore: name the backup's directory, e.g. make restore DIR=/backups/postmortem-2026-01-31" >&2; exit 2; }
	$(BIN)/python manage.py restore "$(DIR)"

# Celery worker and beat (the periodic schedule) in the foreground, for the configured CELERY_BROKER_URL.
# Run any number of workers, but beat exactly once per deployment: BEAT=0 on every other worker machine.
BEAT ?= 1
worker: migrate
	@test -n "$$CELERY_BROKER_URL" || { echo "make worker: set CELERY_BROKER_URL (e.g. redis://127.0.0.1:6379/0); without it tasks run in-process" >&2; exit 2; }
	exec $(BIN)/celery -A postmortem worker $(if $(filter 1,$(BEAT)),--beat --schedule "$${POSTMORTEM_DATA_DIR:-var}/celerybeat-schedule") \
		-Q default --loglevel=INFO

# Search latencies per backend and size: BENCH_BACKENDS (default whoosh,tantivy) and BENCH_SIZES (default
# 10000,100000; Whoosh only up to 10000 unless BENCH_SIZES names more) select what runs, e.g.
# `BENCH_BACKENDS=tantivy make bench`; BENCH_ARGS adds options (`--queries 50`, see bench/search_bench.py -h).
bench: install
	BENCH_BACKENDS="$(BENCH_BACKENDS)" BENCH_SIZES="$(BENCH_SIZES)" $(BIN)/python bench/search_bench.py $(BENCH_ARGS)
	$(BIN)/python bench/import_bench.py

# The production profile under load (PostgreSQL at BENCH_DATABASE_URL, default the local server): two
# `manage.py serve` nodes, 20 clients; see bench/serve_bench.py -h.
bench-serve: install
	$(BIN)/python bench/serve_bench.py $(BENCH_ARGS)

bench-export: install
	$(BIN)/python bench/export_bench.py

# Import throughput: the icco postmortem corpus ($POSTMORTEM_CORPUS_DIR, else the shared copy) into a fresh
# SQLite database, then again (all unchanged); files/s for each and the peak RSS. `make bench` runs it too.
bench-import: install
	$(BIN)/python bench/import_bench.py

# Refresh the Japanese translations (needs GNU gettext), from the code and the .html, .txt and .md templates; the
# compiled .mo is committed.
messages: install
	$(BIN)/python manage.py makemessages -l ja -e html,txt,py,md --ignore=bench --ignore=tests --ignore=.venv --ignore=var
	$(BIN)/python manage.py compilemessages -l ja --ignore=.venv --ignore=var

clean:
	rm -rf $(VENV) var/test.sqlite3 var/mutation mutants
