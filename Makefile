# cnn_scratch: two commands for a student (`make demo`, `make test`), a few more for authors.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp

.PHONY: help venv demo test sync nbtest pytest lab docs readme export clean-nbs clean

help:
	@echo "make demo    create .venv, install, train the demo network and write pictures to demo_out/"
	@echo "make test    create/update .venv, check notebooks and library are in sync, run nbdev_test and pytest"
	@echo "make lab     open the chapters in JupyterLab"
	@echo "make docs    build the Quarto documentation site (needs Quarto)"
	@echo "make export  notebooks -> cnn_scratch/*.py, clean notebooks, regenerate README.md"

# The environment: re-created or updated whenever the package definition changes.
$(STAMP): settings.ini setup.py
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	touch $(STAMP)

venv: $(STAMP)

demo: venv
	$(BIN)/cnn_scratch_demo --out demo_out

test: venv sync nbtest pytest

# After an export and a clean, nothing tracked may change: the library is what the notebooks say.
# In CI (CI=true) any change fails the run; locally it is listed so you remember to commit both.
sync: venv
	$(BIN)/nbdev_export
	$(BIN)/nbdev_clean
	$(BIN)/python tools/readme.py --check
	@changed="$$(git status --porcelain -- cnn_scratch nbs README.md)"; \
	if [ -n "$$changed" ]; then \
	  echo "nbdev_export/nbdev_clean leave these changes (commit notebooks and library together):"; echo "$$changed"; \
	  if [ "$$CI" = "true" ]; then git --no-pager diff --stat; exit 1; fi; \
	fi

nbtest: venv
	$(BIN)/nbdev_test --n_workers 2 --timing

pytest: venv
	$(BIN)/python -m pytest -q tests

lab: venv
	$(BIN)/jupyter lab nbs

readme: venv
	$(BIN)/python tools/readme.py

export: venv
	$(BIN)/nbdev_export
	$(BIN)/nbdev_clean
	$(BIN)/python tools/readme.py

docs: venv
	@if command -v quarto >/dev/null 2>&1; then $(BIN)/nbdev_docs; else \
	  echo "Quarto is not installed, so the documentation site cannot be built here."; \
	  echo "On a machine with internet: run '$(BIN)/nbdev_install_quarto' (or use the installer from quarto.org), then 'make docs'."; \
	  exit 2; fi

clean:
	rm -rf _proc _docs demo_out .pytest_cache
