# make demo / make test each (re)create .venv when pyproject.toml changed, then run.
PYTHON ?= python3
VENV := .venv
STAMP := $(VENV)/.installed-stamp

.PHONY: demo test clean

$(STAMP): pyproject.toml
	@echo "==> installing vat and its dependencies into $(VENV) (once, or after pyproject.toml changes; about a minute and a half)"
	rm -rf $(VENV)
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install -q --upgrade pip
	$(VENV)/bin/pip install -e '.[test]'
	touch $(STAMP)

demo: $(STAMP)
	@echo "==> demo: a 30 s sample video, its scenes, then vat's whole job on it"
	$(VENV)/bin/python -m core.sample --run

test: $(STAMP)
	$(VENV)/bin/python -m pytest -q

clean:
	rm -rf $(VENV) build *.egg-info
