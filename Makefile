# Quick start: `make demo` and `make test`. Each target installs what is missing (Debian
# packages, then npm packages from the committed lockfile) and is quick when all is there.
SHELL := /bin/bash
export NX_DAEMON := false
export NX_NO_CLOUD := true
export NX_TUI := false
export VITE_CONFIG_NATIVE_IGNORE_WARNING := true

# libgdal-dev: gdal-async builds against it. python3-*/netcdf-bin: interop tests (xarray reads
# our Zarr, netCDF4/ncgen write files our readers must read). chromium: report page test.
APT_PACKAGES := libgdal-dev python3-xarray python3-zarr python3-netcdf4 python3-numpy netcdf-bin chromium
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
NPM_INPUTS := package.json package-lock.json $(wildcard apps/*/package.json libs/*/package.json tools/package.json)

.PHONY: all setup system-packages build test demo bench bench-year clean slurm-up slurm-down

all: test

system-packages:
	@missing=""; for p in $(APT_PACKAGES); do \
	  dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q 'install ok installed' || missing="$$missing $$p"; \
	done; \
	if [ -n "$$missing" ]; then \
	  echo "installing Debian packages:$$missing"; \
	  $(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq --no-install-recommends $$missing; \
	fi

# npm ci fails on this machine (the lockfile lacks other platforms' nx binaries): npm install
# with the committed lockfile installs exactly it and leaves it unchanged.
# gdal-async: build against Debian's libgdal (about 1 min) instead of downloading a binary
# (no internet here) or compiling its bundled GDAL (about 19 min). Passed as npm_config_* for
# this install only, so everyday npm/npx commands don't warn about unknown project configs.
node_modules/.tanhui-installed: $(NPM_INPUTS) | system-packages
	npm_config_build_from_source=true npm_config_shared_gdal=true npm install --no-audit --no-fund
	@touch $@

setup: system-packages node_modules/.tanhui-installed

# The built CLI (apps/tanhui/build.mjs through Nx: dist/cli and the worker's dist/workers),
# rebuilt when a source of the app or a lib changed; bin/tanhui.mjs runs it, or the sources
# through tsx while it is missing or older than them.
CLI_SOURCES := $(shell find apps/tanhui/src libs/*/src -type f \( -name '*.ts' -o -name '*.mjs' -o -name '*.json' \) -not -name '*.test.ts' -not -path '*/__fixtures__/*') \
  apps/tanhui/build.mjs apps/tanhui/package.json $(wildcard libs/*/package.json)
apps/tanhui/dist/cli/main.mjs: $(CLI_SOURCES) node_modules/.tanhui-installed
	@npx nx run @tanhui/tanhui:build --outputStyle=stream

build: setup apps/tanhui/dist/cli/main.mjs

test: build
	@node tools/ci/run-tests.mjs

demo: build
	@npx tanhui demo

bench: build
	@for b in tools/bench/*/main.ts; do echo "== $$b"; node --conditions=@tanhui/source --import tsx "$$b" || exit 1; done

# A year of GCAS-size cycling, projected from 3 weekly windows (tools/bench/year; ~10 min alone).
bench-year: build
	@nice -n 10 node --conditions=@tanhui/source --import tsx tools/bench/year/main.ts

# A one-node Slurm cluster for executor.engine slurm (installs slurm-wlm and munge when missing;
# `make test` starts it through tools/ci/run-tests.mjs and stops it after): docs/slurm.md.
slurm-up:
	@tools/ci/slurm-up.sh

slurm-down:
	@tools/ci/slurm-down.sh

clean:
	rm -rf tmp out .nx apps/tanhui/dist
