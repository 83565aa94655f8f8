# pumpgw: the two commands of the README, and the steps under them.
#   make demo   install what is missing, build, run the demo
#   make test   install what is missing, run the whole test suite
#   make size-check   files over 400 lines, functions over 60 (Tools/size-check.sh)
# Needs a Swift 6 toolchain (swift.org) on PATH; everything else comes from apt
# and PyPI. `sudo` is used only when not root.

SWIFT        ?= swift
APT_PACKAGES := libmodbus-dev libsqlite3-dev zlib1g-dev libssl-dev openssl pkg-config python3 python3-venv influxdb victoria-metrics socat prometheus chromium
PYMODBUS     := pymodbus==3.16.1 pyserial==3.5
VENV         := .venv
SUDO         := $(shell [ "$$(id -u)" -eq 0 ] || echo sudo)

.PHONY: demo test build deps venv clean size-check

demo: build
	.build/debug/pumpgw demo

test: deps venv size-check
	$(SWIFT) build --build-tests
	$(SWIFT) test --no-parallel

build: deps
	$(SWIFT) build

# Installs the Debian packages that are missing (nothing when all are there).
deps:
	@missing=""; for p in $(APT_PACKAGES); do \
	  dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q "ok installed" || missing="$$missing $$p"; \
	done; \
	if [ -n "$$missing" ]; then \
	  echo "installing:$$missing"; \
	  $(SUDO) apt-get update -qq && $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing; \
	fi

# The project's own Python environment for the independent Modbus peer.
venv: $(VENV)/.pymodbus-pyserial-installed

$(VENV)/.pymodbus-pyserial-installed:
	python3 -m venv $(VENV)
	$(VENV)/bin/pip install -q --disable-pip-version-check $(PYMODBUS)
	touch $@

# No Swift file over 400 lines, no function over 60 unless a comment says why.
size-check:
	Tools/size-check.sh Sources Tests

clean:
	rm -rf .build $(VENV) var
