# Set-up and entry points. Every target creates or reuses .venv/ first, so
# `make demo` and `make test` work on a fresh Debian/Ubuntu clone.

VENV    := .venv
PY      := $(VENV)/bin/python
STAMP   := $(VENV)/.installed
PYTEST_ARGS ?=
# Extra options for `ampera-sim demo`, e.g. DEMO_ARGS="--lang en --window 5".
DEMO_ARGS ?=

# openssl makes the development CA of the secure broker (broker/make-dev-ca.sh).
SYSTEM_PACKAGES := mosquitto=mosquitto mosquitto_ctrl=mosquitto-clients openssl=openssl

.PHONY: demo test bench lint system browser venv app clean

$(STAMP): pyproject.toml
	@test -x $(PY) || python3 -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e '.[test]'
	@touch $(STAMP)

venv: $(STAMP)

system:
	@scripts/ensure-system-packages.sh $(SYSTEM_PACKAGES)

browser:
	@scripts/ensure-system-packages.sh chromium=chromium

app:
	@scripts/build-app.sh

demo: system venv app
	$(VENV)/bin/ampera-sim demo $(DEMO_ARGS)

test: system browser venv app
	$(PY) -m pytest $(PYTEST_ARGS)

bench: system venv
	$(PY) -m bench

lint: venv
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy

clean:
	rm -rf $(VENV) var/ dispatch/web/app/ app/node_modules
