# Two set-up commands: `make demo` (train LeNet on real Fashion-MNIST) and `make test` (the whole suite).
# Both create .venv on first use. DIVE_DATA points at ../shared/data when it exists.

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
# torch and torchvision are pinned here only because this machine serves exactly these wheels from its local
# cache; pyproject.toml declares minimum versions. Override with `make TORCH_SPEC="torch torchvision" ...`.
TORCH_SPEC ?= torch==2.14.1 torchvision==0.29.1

ifneq ($(wildcard ../shared/data),)
export DIVE_DATA ?= $(abspath ../shared/data)
endif

.PHONY: demo test test-avx2 lint list docs clean

$(BIN)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	@echo "installing $(TORCH_SPEC) and dive into $(VENV) (log: $(VENV)/pip.log)"
	@$(BIN)/python -m pip install -q $(TORCH_SPEC) > $(VENV)/pip.log 2>&1 || { cat $(VENV)/pip.log; exit 1; }
	@$(BIN)/python -m pip install -q -e '.[dev]' >> $(VENV)/pip.log 2>&1 || { cat $(VENV)/pip.log; exit 1; }
	$(BIN)/python -c "import dive, torch, torchvision, safetensors, pandas, matplotlib, tqdm"
	touch $@

demo: $(BIN)/.installed
	$(BIN)/dive data
	$(BIN)/dive run lenet --profile book

test: $(BIN)/.installed
	$(BIN)/python -m pytest -q

# the tests whose outcome depends on the CPU's instruction set, again as on an AVX2-only CPU (no oneDNN bf16)
test-avx2: $(BIN)/.installed
	ONEDNN_MAX_CPU_ISA=AVX2 $(BIN)/python -m pytest -q -m isa

lint: $(BIN)/.installed
	$(BIN)/ruff check dive tests
	$(BIN)/ruff format --check dive tests

list: $(BIN)/.installed
	$(BIN)/dive list

# the documentation site (MkDocs + Material, the API from the docstrings) into site/; --strict: a broken link fails
docs: $(BIN)/.installed
	NO_MKDOCS_2_WARNING=1 $(BIN)/mkdocs build --strict

clean:
	rm -rf $(VENV) runs site .pytest_cache
