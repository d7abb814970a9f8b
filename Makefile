# The README's commands. `make run` serves the app with the XPM emulator; `make test` runs everything.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test lint format bench chromium clean soak

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

run: $(STAMP)
	$(BIN)/practicelink run

chromium:
	@command -v chromium >/dev/null || bash scripts/install-chromium.sh

lint: $(STAMP)
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench
	$(BIN)/mypy

format: $(STAMP)
	$(BIN)/ruff format src tests bench
	$(BIN)/ruff check --fix src tests bench

test: $(STAMP) chromium lint
	$(BIN)/python -m pytest -n 2 --dist loadgroup

# The convergence harness at length, with fresh randomness each time (CI runs 200 fixed cases).
soak: $(STAMP)
	CONVERGENCE_EXAMPLES=$${CONVERGENCE_EXAMPLES:-2000} $(BIN)/python -m pytest -p no:randomly -s \
		--hypothesis-profile=search tests/xpm/test_convergence.py

bench: $(STAMP)
	$(BIN)/python -m bench

clean:
	rm -rf $(VENV) var .pytest_cache .ruff_cache .mypy_cache
