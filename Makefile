# dsdesk — `make run` starts the app, `make test` runs every test headless.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
DEMO_PORT ?= 8765

.PHONY: run test demo demo-cli demo-agent lint bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --upgrade --quiet pip

# Re-install only when the dependency list changes.
$(VENV)/.installed-app: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e .
	touch $@

$(VENV)/.installed-test: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e '.[test,bench]'
	touch $@ $(VENV)/.installed-app

run: $(VENV)/.installed-app
	$(BIN)/dsdesk $(ARGS)

test: $(VENV)/.installed-test
	QT_QPA_PLATFORM=offscreen $(BIN)/python -m pytest $(PYTEST_ARGS)

# Try dsdesk with no API key: the built-in simulator answers instead of DeepSeek.
demo: $(VENV)/.installed-app
	$(BIN)/dsdesk --demo $(ARGS)

# The same, in the terminal.
demo-cli: $(VENV)/.installed-app
	@$(BIN)/dsdesk devserver --port $(DEMO_PORT) & SIM=$$!; \
	trap 'kill $$SIM 2>/dev/null' EXIT INT TERM; sleep 1; \
	DEEPSEEK_BASE_URL=http://127.0.0.1:$(DEMO_PORT) DEEPSEEK_API_KEY=sk-demo \
	  $(BIN)/dsdesk ask "Show me a tiny Python example"

# A scripted agent session with no key: the simulator plays dsdesk/data/agent-demo.toml while the
# agent works for real on a fresh copy of dsdesk/data/sample-project (a tiny package whose tests
# fail). NOTE: needs the `dsdesk agent` command (issue 12 §5), which is being built elsewhere;
# until it lands this target stops with "invalid choice: 'agent'".
demo-agent: $(VENV)/.installed-app
	@ROOT=$$(mktemp -d)/sample-project; cp -R dsdesk/data/sample-project "$$ROOT"; \
	$(BIN)/dsdesk devserver --port $(DEMO_PORT) --script dsdesk/data/agent-demo.toml & SIM=$$!; \
	trap 'kill $$SIM 2>/dev/null' EXIT INT TERM; sleep 1; \
	echo "agent working on $$ROOT"; \
	DEEPSEEK_API_KEY=sk-demo $(BIN)/dsdesk agent --root "$$ROOT" \
	  --base-url http://127.0.0.1:$(DEMO_PORT) "Fix the failing test"

lint: $(VENV)/.installed-test
	$(BIN)/ruff check . && $(BIN)/ruff format --check . && $(BIN)/lint-imports && $(BIN)/mypy dsdesk

bench: $(VENV)/.installed-test
	$(BIN)/python bench/sse_throughput.py

clean:
	rm -rf $(VENV) build dist *.egg-info .pytest_cache .mypy_cache .ruff_cache

# Packages (README, "Packages"): the one-folder bundle and the .deb in dist/, with their sizes.
# Not part of `make test` or CI: the build takes about a minute.
$(VENV)/.installed-dist: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e '.[dist]'
	touch $@ $(VENV)/.installed-app

.PHONY: dist dist-check
dist: $(VENV)/.installed-dist
	$(BIN)/python packaging/build_linux.py

# Builds, then smoke-tests the bundle and validates the .deb; INSTALL=1 (root) also installs
# it with apt-get, runs the installed dsdesk and removes it again.
dist-check: dist
	$(BIN)/python packaging/check_dist.py $(if $(filter 1,$(INSTALL)),--install)
