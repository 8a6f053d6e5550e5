# The two commands a newcomer needs: `make run` and `make test` (README.md).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-$(shell cksum pyproject.toml | cut -d' ' -f1)

.PHONY: run test install lint browser-deps clean

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --upgrade pip
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[dev]'
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

lint: install
	$(BIN)/ruff check .

clean:
	rm -rf $(VENV) var staticfiles
