# Shortcuts; the scripts in scripts/ do the work and need only bash and Python 3.11.
.PHONY: run test smoke screenshots messages lint bench load faults scale
run:        ## set up and start the app with demo data (SQLite, no Redis)
	scripts/run
test:       ## install what tests need and run the whole suite
	scripts/test
smoke:      ## embedded smoke test on a fresh SQLite file
	scripts/smoke
screenshots: ## README screenshots from the demo city in both languages (docs/screenshots/)
	scripts/screenshots
messages:   ## update translation catalogs from the source
	.venv/bin/python scripts/messages.py
lint:
	.venv/bin/ruff check .
bench:      ## city-scale data set on PostgreSQL, then page, search and sweep timings (not in CI)
	scripts/bench
load:       ## 50 concurrent API users for 60 s against gunicorn (after make bench)
	scripts/load
scale:      ## a streaming replica (port 5433) under the dashboard tests, then PgBouncer, 2 web, 2 workers and 2 beats (not in CI)
	scripts/scale
faults:     ## timer and notification fault drills, incl. a mail server that never answers (restarts local Redis and PostgreSQL)
	scripts/faults
