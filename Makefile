# Vidi: `make demo` and `make test` work on a fresh Debian machine with Python 3.11.
PYTHON ?= python3.11
VENV ?= .venv
BIN := $(VENV)/bin
DEMO_HOME ?= .vidi/demo
DEMO_DATA ?= demo-data
# OCR packs: Tesseract's script detection (osd), the EU's official languages, Russian,
# Ukrainian, Turkish, Arabic, Chinese, Japanese and Thai (docs/clues.md: read per script).
OCR_PACKS := osd eng deu fra spa ita por nld pol ces slk hun ron swe dan fin est lav lit slv \
	hrv bul ell gle mlt rus ukr tur ara chi-sim jpn tha
APT_PACKAGES := tesseract-ocr $(addprefix tesseract-ocr-,$(OCR_PACKS)) ffmpeg libzbar0 libchromaprint-tools \
	espeak-ng sox chromium fonts-noto-core fonts-dejavu-core fonts-wqy-microhei pkg-config \
	g++ cmake libavcodec-dev libavformat-dev libavutil-dev libswscale-dev libavdevice-dev libavfilter-dev
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: setup system-packages venv demo test lint clean bench

setup: system-packages venv

system-packages:
	@missing=$$(for p in $(APT_PACKAGES); do \
		dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q "install ok installed" || echo $$p; \
	done); \
	if [ -n "$$missing" ]; then \
		echo "installing Debian packages:" $$missing; \
		$(SUDO) apt-get update -q && \
		DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -q --no-install-recommends $$missing; \
	fi

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(VENV)/.installed: pyproject.toml requirements.lock | $(BIN)/python
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -c requirements.lock -e '.[dev]'
	touch $@

venv: $(VENV)/.installed

demo: setup
	$(BIN)/vidi --home $(DEMO_HOME) demo --data $(DEMO_DATA)

test: setup lint
	$(BIN)/pytest -q -n 2 --dist loadgroup

lint: venv
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench
	$(BIN)/mypy src

bench: setup
	$(BIN)/python bench/ingest.py
	$(BIN)/python bench/video.py
	$(BIN)/python bench/pdq_index.py --sizes 1000000
	$(BIN)/python bench/pdq_robustness.py
	$(BIN)/python bench/hashlist_import.py
	$(BIN)/python bench/hum_accuracy.py
	$(BIN)/python bench/places.py

clean:
	rm -rf $(VENV) .vidi $(DEMO_DATA) .pytest_cache .mypy_cache .ruff_cache
