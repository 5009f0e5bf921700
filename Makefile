# The two commands a newcomer needs: `make run` and `make test`. Everything else is what they call.
SHELL := /bin/bash
VENV := .venv
PY := $(VENV)/bin/python
FLASK := $(VENV)/bin/flask --app wsgi
STAMP := $(VENV)/.installed
AXE := node_modules/axe-core/axe.min.js
PYBABEL := $(VENV)/bin/pybabel
TRANSLATIONS := app/translations
LOCALES := fi et it nl es

.PHONY: run test test-postgresql test-sqlite setup services system-deps runtime-deps migration clean translations translations-extract bench bench-median lint

# The two ports of `make run`; every URL of the tool and of the development LMS is derived from them, and the
# registration the tool imports is written by the LMS from the same ports (so a moved port cannot leave one side
# talking to whatever answers on the other's old port).
TOOL_PORT ?= 5000
LMS_PORT ?= 5001
DEV_PORTS := TOOL_PORT=$(TOOL_PORT) LMS_PORT=$(LMS_PORT) BASE_URL=http://127.0.0.1:$(TOOL_PORT)
DEVLMS := $(VENV)/bin/flask --app "devlms:create_devlms_app()"
DEVLMS_REGISTRATION := instance/devlms-registration.json

run: setup  ## the tool (:TOOL_PORT, 5000), the development LMS (:LMS_PORT, 5001) and the worker, under honcho; Ctrl-C stops all
	$(DEV_PORTS) $(VENV)/bin/honcho start

setup: $(STAMP) translations runtime-deps  ## database under instance/, migrations, dev secrets, the tool's key, the dev LMS's registration on its ports
	$(FLASK) db upgrade
	$(FLASK) lti keys ensure
	$(DEV_PORTS) $(DEVLMS) registration-file $(DEVLMS_REGISTRATION)
	$(DEV_PORTS) $(FLASK) lti registration import $(DEVLMS_REGISTRATION)

test: $(STAMP) translations system-deps $(AXE) services lint  ## ruff and the layer contracts first, then the whole suite on PostgreSQL, then the marked subset on SQLite
	$(MAKE) --no-print-directory test-postgresql test-sqlite

PYTEST_WORKERS ?= 2  # processes for the PostgreSQL suite (pytest-xdist; each makes its own database); 0: one process

test-postgresql:
	$(PY) -m pytest -p no:cacheprovider -n $(PYTEST_WORKERS) --durations=15 $(PYTEST_ARGS)

test-sqlite:
	TEST_DB=sqlite $(PY) -m pytest -p no:cacheprovider -m sqlite --durations=5 $(PYTEST_ARGS)

lint: $(STAMP)  ## ruff over app/, devlms/, tests/ and bench/, then the layer contracts (both configured in pyproject.toml)
	$(VENV)/bin/ruff check app devlms tests bench
	$(VENV)/bin/lint-imports --no-cache

bench: $(STAMP) services  ## benchmarks (docs/benchmarks.md): launch, memory, pages, grade passback, badges; BENCH_ARGS="--parts pages"; not in `make test`
	$(PY) bench/run.py $(BENCH_ARGS)

bench-median: $(STAMP) services  ## the launch part three times, each fresh, and the median ratio per target (issue 30's "Done means")
	$(PY) bench/median.py $(BENCH_ARGS)

$(STAMP): requirements.txt requirements-dev.txt
	test -x $(PY) || python3 -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements-dev.txt
	touch $(STAMP)

system-deps: runtime-deps  ## Debian's Chromium for the browser tests (never Playwright's own download)
	@command -v chromium >/dev/null || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; }

runtime-deps:  ## libcairo2, which cairosvg needs to draw badge images (run and test)
	@dpkg -s libcairo2 >/dev/null 2>&1 || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq libcairo2 >/dev/null; }

$(AXE): package.json package-lock.json  ## axe-core for the browser tests' accessibility check, from the npm registry (git-ignored; never a CDN)
	@command -v npm >/dev/null || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq npm >/dev/null; }
	npm ci --no-audit --no-fund --loglevel=error
	touch $(AXE)

services:  ## PostgreSQL on 127.0.0.1:5432 and Redis on 6379, started if down
	@pg_isready -q -h 127.0.0.1 -p 5432 || pg_ctlcluster --skip-systemctl-redirect $$(ls /etc/postgresql) main start
	@for i in $$(seq 30); do pg_isready -q -h 127.0.0.1 -p 5432 && break; sleep 1; done
	@redis-cli -h 127.0.0.1 ping >/dev/null 2>&1 || redis-server --daemonize yes --bind 127.0.0.1 -::1 --port 6379 --save "" --appendonly no --dir /tmp --logfile /tmp/redis-ci.log

translations: $(STAMP)  ## compile the catalogs to .mo files (git-ignored; setup and test need them)
	$(PYBABEL) -q compile -d $(TRANSLATIONS)

translations-extract: $(STAMP)  ## collect the _() strings into messages.pot, merge them into each language's .po
	$(PYBABEL) extract -F $(TRANSLATIONS)/babel.cfg -k _l -k lazy_gettext -c TRANSLATORS: --add-location=file --sort-by-file \
		--no-wrap --project "REX VET Path" -o $(TRANSLATIONS)/messages.pot app
	for locale in $(LOCALES); do \
		$(PYBABEL) update --init-missing --no-wrap --no-fuzzy-matching --ignore-pot-creation-date \
			-i $(TRANSLATIONS)/messages.pot -d $(TRANSLATIONS) -l $$locale || exit 1; \
	done

migration: $(STAMP)  ## a new revision from the models' changes: make migration MESSAGE="what changed"
	@test -n "$(MESSAGE)" || { echo 'say what changed: make migration MESSAGE="..."'; exit 2; }
	rm -f /tmp/rexvet-migration.sqlite
	DATABASE_URL=sqlite:////tmp/rexvet-migration.sqlite $(FLASK) db upgrade
	DATABASE_URL=sqlite:////tmp/rexvet-migration.sqlite $(FLASK) db migrate -m "$(MESSAGE)"
	rm -f /tmp/rexvet-migration.sqlite

clean:
	rm -rf $(VENV) instance/*.sqlite
