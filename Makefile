# The two commands a newcomer needs: `make run` and `make test` (README.md).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-$(shell cat pyproject.toml requirements-dev.lock | cksum | cut -d' ' -f1)
PIP := $(BIN)/python -m pip --quiet --disable-pip-version-check
# One command updates both hashed lock files from pyproject.toml (issue 15).
COMPILE := $(BIN)/pip-compile --quiet --generate-hashes --allow-unsafe --strip-extras \
	--no-emit-index-url --no-emit-find-links

.PHONY: run test install lint lock browser-deps clean

# Every dependency from the hashed lock (pip refuses a file whose hash differs), then the
# project itself without dependencies.
$(STAMP): pyproject.toml requirements-dev.lock
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(PIP) install --require-hashes -r requirements-dev.lock
	$(PIP) install --no-deps -e .
	@rm -f $(VENV)/.installed-*
	@touch $(STAMP)

install: $(STAMP)

## make run: the portal on the embedded default (SQLite, no servers) at http://127.0.0.1:8000
run: install
	DEBUG=true $(BIN)/python manage.py migrate --noinput
	DEBUG=true $(BIN)/python manage.py load_reference_data
	DEBUG=true $(BIN)/python manage.py seed_demo
	DEBUG=true $(BIN)/python scripts/run_dev.py

## make test: the whole suite (unit, view, URL-walk access, browser + axe)
test: install browser-deps
	$(BIN)/python -m pytest $(PYTEST_ARGS)

browser-deps:
	@bash scripts/ensure-chromium.sh

## make lock: pin every dependency again, with hashes (after changing pyproject.toml)
lock: install
	$(COMPILE) -o requirements.lock pyproject.toml
	$(COMPILE) --extra dev -o requirements-dev.lock pyproject.toml

lint: install
	$(BIN)/ruff check .

clean:
	rm -rf $(VENV) var staticfiles
