# Two commands on a fresh machine: `make run` (the main job) and `make test`.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
DATA ?= ../shared/data/cmu_walking
OUT ?= runs/quick
EXTRAS ?= dev,c3d

.PHONY: install run test lint bench clean

$(BIN)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e ".[$(EXTRAS)]"
	touch $@

install: $(BIN)/.installed

run: install
	$(BIN)/gaitpredict data info --data $(DATA)
	$(BIN)/gaitpredict train --model attn-cnn-lstm --inputs arms+legs --target r_knee_flex \
		--horizon-ms 100 --window-ms 500 --test-subject S39 --max-epochs 60 --patience 12 \
		--data $(DATA) --out runs/main

test: install
	$(BIN)/ruff check src tests benchmarks
	$(BIN)/python -m pytest -q

bench: install
	$(BIN)/python benchmarks/load.py --data $(DATA)
	$(BIN)/python benchmarks/train_speed.py --data $(DATA)
	$(BIN)/python benchmarks/accuracy.py --data $(DATA) --out runs/accuracy

clean:
	rm -rf $(VENV) build src/*.egg-info
