# Shortcuts; the scripts in scripts/ do the work and need only bash and Python 3.11.
.PHONY: run test smoke messages lint
run:        ## set up and start the app with demo data (SQLite, no Redis)
	scripts/run
test:       ## install what tests need and run the whole suite
	scripts/test
smoke:      ## embedded smoke test on a fresh SQLite file
	scripts/smoke
messages:   ## update translation catalogs from the source
	.venv/bin/python scripts/messages.py
lint:
	.venv/bin/ruff check .
