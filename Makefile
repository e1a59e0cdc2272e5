# Trendbreuk workbook. The two commands a new machine needs:
#   make reports   install into .venv, build the demo data and render every report
#   make test      install into .venv (if needed) and run the whole test suite
PYTHON ?= python3.11
VENV   ?= .venv
BIN    := $(VENV)/bin
REGION ?= zuid-limburg

.PHONY: reports test lint axe install demo build render site opnames landelijk lock clean

$(BIN)/trendbreuk: pyproject.toml constraints.txt
	@command -v $(PYTHON) >/dev/null || { echo "$(PYTHON) not found: install Python 3.11 or run make PYTHON=python3"; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -c constraints.txt -e '.[test]'
	@touch $@

install: $(BIN)/trendbreuk

demo: install
	$(BIN)/trendbreuk demo

build: demo
	$(BIN)/trendbreuk build

render: install
	$(BIN)/trendbreuk render all --region $(REGION)

reports: build render

# The tests use axe-core (accessibility checks in Chromium), kept outside the repository in $(TOOLS), from the npm
# registry, and a real Quarto wherever `quarto` is on PATH (no package registry carries Quarto: install your own).
# Without them, the tests that need them are skipped and say why.
TOOLS            ?= $(or $(XDG_CACHE_HOME),$(HOME)/.cache)/trendbreuk
AXE_VERSION      ?= 4.14.1

test: install axe lint
	$(BIN)/python -m pytest

# ruff, configured in pyproject.toml: the lint rules and the formatter (`ruff format lib scripts tests` fixes the
# layout, `ruff check --fix` what can be fixed safely)
lint: install
	$(BIN)/ruff check lib scripts tests
	$(BIN)/ruff format --check lib scripts tests

axe:
	@if [ ! -f $(TOOLS)/axe-core-$(AXE_VERSION)/axe.min.js ] && command -v npm >/dev/null; then \
	  tmp=$$(mktemp -d) && (cd $$tmp && npm pack --silent axe-core@$(AXE_VERSION) >/dev/null && tar -xzf axe-core-$(AXE_VERSION).tgz) \
	  && mkdir -p $(TOOLS)/axe-core-$(AXE_VERSION) && mv $$tmp/package/axe.min.js $(TOOLS)/axe-core-$(AXE_VERSION)/axe.min.js; \
	  rm -rf $$tmp; fi

# The Quarto website in _site/, as `quarto render` makes it: every report through Quarto, the index and the method.
site: build
	QUARTO_PYTHON=$(BIN)/python quarto render

# Real CBS numbers from the recordings in ../shared/data: fetched through a mirror on 127.0.0.1 (the same code path as
# a real fetch), built and rendered as dataset `opnames`, with the wijkprofiel of every wijk of the region (KWB 2020).
# Indicators the recordings do not carry say "geen gegevens". The reports go to reports/opnames/ (never among the demo).
OPNAMES_TABLES ?= 03759ned 84799NED
opnames: install
	$(BIN)/python -m tests.odata_mirror -- $(BIN)/trendbreuk fetch cbs --dataset opnames $(OPNAMES_TABLES)
	$(BIN)/trendbreuk build --dataset opnames
	$(BIN)/trendbreuk render all --dataset opnames --region $(REGION)
	$(BIN)/trendbreuk render wijken --dataset opnames --region $(REGION)

# The whole country (scale test, and the regional report's comparison of GGD regions): a regions file from CBS's area
# list (GGD-regio or veiligheidsregio per gemeente), the national demo (dataset demo-nl), its build and every report
# (into reports/landelijk/, so that the regional demo reports in reports/ stay as they are).
AREAS ?= ../shared/data/geo/KoppelCodes.csv
NATIONAL := --regions config/regions-nl.yaml
landelijk: install
	$(BIN)/trendbreuk regions national $(AREAS)
	$(BIN)/trendbreuk $(NATIONAL) demo --national
	$(BIN)/trendbreuk $(NATIONAL) build --dataset demo-nl
	TRENDBREUK_REPORTS=reports/landelijk $(BIN)/trendbreuk render all --region all --dataset demo-nl

lock: install
	{ sed -n 1,2p constraints.txt; $(BIN)/python -m pip freeze --exclude-editable | grep -vi "^trendbreuk"; } > constraints.txt.new && mv constraints.txt.new constraints.txt

clean:
	rm -rf $(VENV) data/raw/demo data/processed/demo data/raw/demo-nl data/processed/demo-nl config/regions-nl.yaml data/raw/opnames data/processed/opnames reports _site
