# Trendbreuk workbook. The two commands a new machine needs:
#   make reports   install into .venv, build the demo data and render every report
#   make test      install into .venv (if needed) and run the whole test suite
PYTHON ?= python3.11
VENV   ?= .venv
BIN    := $(VENV)/bin
REGION ?= zuid-limburg

.PHONY: reports test install demo build render opnames landelijk lock clean

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

test: install
	$(BIN)/python -m pytest

# Real CBS numbers from the recordings in ../shared/data: fetched through a mirror on 127.0.0.1 (the same code path as
# a real fetch), built and rendered as dataset `opnames`. Indicators the recordings do not carry say "geen gegevens".
OPNAMES_TABLES ?= 03759ned 84799NED
opnames: install
	$(BIN)/python -m tests.odata_mirror -- $(BIN)/trendbreuk fetch cbs --dataset opnames $(OPNAMES_TABLES)
	$(BIN)/trendbreuk build --dataset opnames
	$(BIN)/trendbreuk render all --dataset opnames --region $(REGION)

# The whole country (scale test, and the regional report's comparison of GGD regions): a regions file from CBS's area
# list (GGD-regio or veiligheidsregio per gemeente), the national demo (dataset demo-nl), its build and every report
# (into reports/landelijk/, so that the regional demo reports in reports/ stay as they are).
AREAS ?= ../shared/data/geo/KoppelCodes.csv
NATIONAL := --regions config/regions-nl.yaml
landelijk: install
	$(BIN)/trendbreuk regions national $(AREAS)
	$(BIN)/trendbreuk $(NATIONAL) demo --national
	$(BIN)/trendbreuk $(NATIONAL) build --dataset demo-nl
	TRENDBREUK_REPORTS=reports/landelijk $(BIN)/trendbreuk $(NATIONAL) render all --region all --dataset demo-nl

lock: install
	{ sed -n 1,2p constraints.txt; $(BIN)/python -m pip freeze --exclude-editable | grep -vi "^trendbreuk"; } > constraints.txt.new && mv constraints.txt.new constraints.txt

clean:
	rm -rf $(VENV) data/raw/demo data/processed/demo data/raw/demo-nl data/processed/demo-nl config/regions-nl.yaml data/raw/opnames data/processed/opnames reports
