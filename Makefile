# Two commands on a fresh machine: `make run` (the main job) and `make test`.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
DATA ?= ../shared/data/cmu_walking
SHARED ?= ../shared/data
OUT ?= runs/quick
EXTRAS ?= dev,train,c3d,ray,lsl
CKPT ?= $(firstword $(wildcard $(OUT)/runs/attn-cnn-lstm_*/model.pt))

.PHONY: install run test lint bench bench-intervals bench-keras bench-precision bench-fuzz bench-latency standard cross-lab pretrained choose-adaptation calibration clean

$(BIN)/.installed: pyproject.toml Makefile
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e ".[$(EXTRAS)]"
	touch $@

install: $(BIN)/.installed

run: install
	$(BIN)/gaitpredict data info --data $(DATA)
	$(BIN)/gaitpredict reproduce --profile quick --data $(DATA) --out $(OUT)

test: install
	$(BIN)/ruff check src tests benchmarks
	$(BIN)/ruff format --check src tests benchmarks
	$(BIN)/python -m pytest -q

bench: install
	$(BIN)/python benchmarks/load.py --data $(DATA)
	$(BIN)/python benchmarks/train_speed.py --data $(DATA)
	$(BIN)/python benchmarks/accuracy.py --data $(DATA) --out runs/accuracy

bench-keras: install
	test -x .venv-keras/bin/python || { $(PYTHON) -m venv .venv-keras && .venv-keras/bin/pip install -q tensorflow-cpu; }
	$(BIN)/python benchmarks/train_speed.py --compare-keras --rounds 3 --epochs 6 --data $(DATA)

bench-fuzz: install
	$(BIN)/python benchmarks/fuzz_readers.py --per-kind 40

bench-intervals: install
	$(BIN)/gaitpredict reproduce --grid benchmarks/grids/lolo.yaml --data $(SHARED) --out runs/cross-lab-intervals --no-report
	$(BIN)/gaitpredict reproduce --grid benchmarks/grids/subject-folds.yaml --data $(SHARED) --out runs/cross-lab-intervals --no-report
	$(BIN)/python benchmarks/intervals.py --data $(SHARED) --results runs/cross-lab-intervals
	$(BIN)/python benchmarks/intervals.py --data $(SHARED) --results runs/cross-lab-intervals --inputs arms+legs-shared --out runs/intervals-arms-legs
	$(BIN)/python benchmarks/intervals.py --data $(SHARED) --results runs/cross-lab-intervals --new-subjects --out runs/intervals-new-subjects

bench-latency: install
	@test -n "$(CKPT)" || { echo "no checkpoint: run 'make run' first or pass CKPT=path/model.pt"; exit 2; }
	$(BIN)/gaitpredict bench-latency $(CKPT) --backend onnx --data $(DATA) --adapt
	$(BIN)/gaitpredict bench-latency $(CKPT) --backend torch --data $(DATA)

standard: install
	$(BIN)/gaitpredict reproduce --profile standard --data $(SHARED) --out runs/standard

cross-lab: install
	$(BIN)/gaitpredict reproduce --profile cross-lab --data $(SHARED) --out runs/cross-lab

pretrained: cross-lab
	$(BIN)/python -m gaitpredict.studies.pretrained --data $(SHARED) --cross-lab runs/cross-lab

# adaptation to the wearer: its settings chosen on the six small labs, then the calibration
# curve on CMU, McGill and AddBiomechanics subjects (both need the cross-lab grid's networks)
choose-adaptation: install
	$(BIN)/python benchmarks/choose_adaptation.py --data $(SHARED) --cross-lab runs/cross-lab

calibration: install
	@test -f runs/cross-lab/results.csv || { echo "no runs/cross-lab: run 'make cross-lab' first"; exit 2; }
	$(BIN)/python benchmarks/calibration_curve.py --data $(SHARED) --cross-lab runs/cross-lab --out runs/calibration

clean:
	rm -rf $(VENV) .venv-keras build src/*.egg-info

# does a bfloat16 forward pass change the standard profile's Table I networks? (needs `make standard`)
bench-precision: install
	$(BIN)/python benchmarks/precision.py --data $(SHARED) --standard runs/standard --out runs/precision-bfloat16
