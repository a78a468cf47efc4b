# Two commands for a newcomer: `make run` and `make test`. Both build .venv from scratch.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test bench install lint clean translations

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

# Opens the app on its default database, filled with sample data the first time. Both first
# check that Qt finds the system libraries it links to (on X11 for the window, offscreen for the
# tests), and stop with the one command that installs the missing ones if not.
run: $(STAMP)
	@$(BIN)/python -m desktop.ui.platform_libs xcb
	$(BIN)/rss-desktop gui --demo-if-new $(ARGS)

test: $(STAMP)
	@$(BIN)/python -m desktop.ui.platform_libs offscreen
	QT_QPA_PLATFORM=offscreen $(BIN)/python -m pytest $(ARGS)

bench: $(STAMP)
	QT_QPA_PLATFORM=offscreen $(BIN)/python -m benchmarks $(ARGS)

# ruff, then the layers declared in pyproject.toml ([tool.importlinter]: store < engine < faces),
# then the catalogues: current with the code, their .qm compiled from them
lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/lint-imports --no-logo
	$(BIN)/python packaging/translations.py check

# The window's catalogues (resources/translations, packaging/translations.py): pyside6-lupdate
# brings every .ts up to date with the tr() of desktop/ui, pyside6-lrelease compiles each .qm
# beside it (committed). A new language: `make translations NEW=fr`.
translations: $(STAMP)
	$(BIN)/python packaging/translations.py update $(NEW)

clean:
	rm -rf $(VENV) build dist *.egg-info .pytest_cache

# Packaging (PyInstaller, packaging/rss-desktop.spec): a bundle that runs without Python.
# `make package` -> dist/rss-desktop/rss-desktop (onedir); `make package-onefile` ->
# dist/rss-desktop-onefile; `make test-package` builds both if stale and runs them.
PACKAGE_STAMP := $(VENV)/.installed-package
PYINSTALLER := $(BIN)/pyinstaller --noconfirm --log-level WARN

.PHONY: package package-onefile test-package deb

$(PACKAGE_STAMP): $(STAMP) pyproject.toml
	$(BIN)/python -m pip install --quiet -e '.[dev,package]'
	touch $(PACKAGE_STAMP)

package: $(PACKAGE_STAMP)
	RSS_DESKTOP_ONEFILE=0 $(PYINSTALLER) packaging/rss-desktop.spec
	@du -sb dist/rss-desktop | awk '{printf "onedir: %.1f MB (%d bytes)\n", $$1/1e6, $$1}'

package-onefile: $(PACKAGE_STAMP)
	RSS_DESKTOP_ONEFILE=1 $(PYINSTALLER) packaging/rss-desktop.spec
	@du -sb dist/rss-desktop-onefile | awk '{printf "onefile: %.1f MB (%d bytes)\n", $$1/1e6, $$1}'

# A Debian package of the onedir bundle (packaging/build_deb.py): installs with
# `sudo apt install ./dist/rss-desktop_*.deb`, which brings the system libraries it needs.
deb: package
	$(BIN)/python packaging/build_deb.py

test-package: $(PACKAGE_STAMP)
	RSS_DESKTOP_PACKAGE_TEST=1 QT_QPA_PLATFORM=offscreen \
		$(BIN)/python -m pytest -m slow -rP tests/test_package.py $(ARGS)
