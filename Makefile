# cnn_scratch: two commands for a student (`make demo`, `make test`), a few more for authors.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp
# Extras of settings.ini to install: `dev` (nbdev, pytest) always; CI adds `bridge` (torch, onnx, onnxruntime: chapter 15
# and tests/test_bridge.py run in full only with it): `make test EXTRAS=dev,bridge`. Without it they skip.
EXTRAS ?= dev

.PHONY: help venv demo test sync nbtest pytest lab student lab-check docs docs-check sidebar api readme export clean-nbs clean

help:
	@echo "make demo    create .venv, install, train the demo network and write pictures to demo_out/"
	@echo "make test    create/update .venv, check notebooks and library are in sync, run nbdev_test and pytest"
	@echo "make lab     open the chapters in JupyterLab (extra options: make lab LAB_ARGS=\"--no-browser --port 8899\")"
	@echo "make student write student/: the chapters with their exercise solutions replaced by stubs (then: make lab LAB_DIR=student; FORCE=1 rewrites copies you changed)"
	@echo "make lab-check   drive the widgets of chapter 14 in a real JupyterLab in headless Chromium (screenshots in _lab_check/)"
	@echo "make docs    build the Quarto documentation site (needs Quarto; without it, an offline preview)"
	@echo "make docs-check  render every page from its stored outputs, check it in headless Chromium (screenshots in _docs_check/)"
	@echo "make export  notebooks -> cnn_scratch/*.py, API index (nbs/api.ipynb), sidebar, clean notebooks, README.md"
	@echo "make api, make sidebar, make readme   regenerate one of those (what nbdev cannot write offline: see tools/)"

# The environment: re-created or updated whenever the package definition changes.
$(STAMP): settings.ini setup.py
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[$(EXTRAS)]"
	echo "$(EXTRAS)" > $(STAMP)

# An environment made without the extras that EXTRAS now asks for gets them added (the stamp holds the extras installed).
venv: $(STAMP)
	@if [ "$(EXTRAS)" != "dev" ] && ! grep -qx "$(EXTRAS)" $(STAMP); then \
	  $(BIN)/python -m pip install --quiet -e ".[$(EXTRAS)]" && echo "$(EXTRAS)" > $(STAMP); fi

demo: venv
	$(BIN)/cnn_scratch_train --dataset mnist-sample --arch quickstart --epochs 14 --decay_epochs 4 --out demo_out

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

# Two notebooks at a time on two cores: one BLAS thread each, or the four threads fight (3-10x slower under load).
nbtest: venv
	OPENBLAS_NUM_THREADS=1 $(BIN)/nbdev_test --n_workers 2 --timing

pytest: venv
	$(BIN)/python -m pytest -q tests

# LAB_DIR=student opens the copies that `make student` writes.
LAB_DIR ?= nbs
lab: venv
	$(BIN)/jupyter lab $(LAB_DIR) $(LAB_ARGS)

# The chapters without their solutions, to work the exercises in (git-ignored; see tools/student.py).
student: venv
	$(BIN)/python tools/student.py $(if $(FORCE),--force)

# The widgets in a real JupyterLab, driven by Debian's Chromium (apt-get install chromium) through playwright, which is
# installed here from pip the first time; it never downloads a browser. Runs on a copy of chapter 14.
lab-check: venv
	@$(BIN)/python -c "import playwright" 2>/dev/null || $(BIN)/python -m pip install --quiet playwright
	$(BIN)/python tools/lab_check.py

readme: venv
	$(BIN)/python tools/readme.py

sidebar: venv
	$(BIN)/python tools/sidebar.py

# The API index reads cnn_scratch/_modidx.py, which nbdev_export writes.
api: venv
	$(BIN)/nbdev_export
	$(BIN)/python tools/api_page.py

export: venv
	$(BIN)/nbdev_export
	$(BIN)/python tools/api_page.py
	$(BIN)/python tools/sidebar.py
	$(BIN)/nbdev_clean
	$(BIN)/python tools/readme.py

# The site: Quarto renders nbs/ with nbs/sidebar.yml (parts) and nbs/api.ipynb (the index); nbdev_docs writes nbs/nbdev.yml itself.
docs: venv
	$(BIN)/python tools/sidebar.py --check
	$(BIN)/python tools/api_page.py --check
	@# nbdev_docs also renders README.md with Quarto when index.ipynb is newer: tools/readme.py writes the project's version back.
	@if command -v quarto >/dev/null 2>&1; then $(BIN)/nbdev_docs && $(BIN)/python tools/readme.py; else \
	  echo "Quarto is not installed, so the Quarto site cannot be built here. To install it (needs internet):"; \
	  echo "  $(BIN)/nbdev_install_quarto    (Linux and macOS; uses sudo), or the installer from https://quarto.org/docs/get-started/"; \
	  echo "then run 'make docs' again. Meanwhile, the offline preview of the same pages:"; \
	  $(BIN)/python tools/docs_check.py --preview; fi

# Where Quarto cannot run (CI): nbdev's processors + nbconvert + headless Chromium (apt-get install chromium libjs-katex).
docs-check: venv
	$(BIN)/python tools/docs_check.py

clean:
	rm -rf _proc _docs _docs_check _lab_check demo_out .pytest_cache
