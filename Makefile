# Thin wrapper over CMake. `make` builds into build/; `make demo` runs the
# lecture's worked examples; `make test` runs every test (C, CLI, sanitizers,
# Python).
PY ?= /usr/bin/python3
JOBS ?= $(shell nproc 2>/dev/null || echo 2)
CMAKE_FLAGS ?=

.PHONY: all build deps demo test format-check format test-c test-asan test-python bench bench-approx bench-sinkhorn \
	bench-scale bench-wmd bench-images bench-graphs parallel-lines wgan install clean

all: build

deps:
	@scripts/deps.sh build

build: deps
	@cmake -S . -B build -DCMAKE_BUILD_TYPE=Release -DWASS_PYTHON_EXECUTABLE=$(PY) $(CMAKE_FLAGS) >/dev/null
	@cmake --build build -j $(JOBS)

demo: build
	@build/wass demo

test:
	@scripts/deps.sh test
	@$(MAKE) --no-print-directory format-check
	@$(MAKE) --no-print-directory build
	@$(MAKE) --no-print-directory test-c test-asan test-python

# Every C file of the project is clang-formatted (.clang-format at the top).
C_FILES = $(shell git ls-files '*.c' '*.h' 2>/dev/null || find . -name '*.[ch]' -not -path './build*')
format-check:
	@clang-format --dry-run --Werror $(C_FILES) && echo "format-check: $(words $(C_FILES)) C files clang-formatted"

format:
	@clang-format -i $(C_FILES)

test-c:
	cd build && ctest --output-on-failure -j $(JOBS)

# The C and CLI tests once more under AddressSanitizer + UBSan, then the
# Python tests against the sanitized extension (the runtimes preloaded into
# the interpreter; leak checks off there: CPython keeps objects to exit).
ASAN_RT = $(shell gcc -print-file-name=libasan.so) $(shell gcc -print-file-name=libubsan.so)
test-asan:
	@cmake -S . -B build-asan -DCMAKE_BUILD_TYPE=Debug -DWASS_SANITIZE=ON -DWASS_PYTHON=ON \
	    -DWASS_PYTHON_EXECUTABLE=$(PY) >/dev/null
	@cmake --build build-asan -j $(JOBS)
	cd build-asan && ASAN_OPTIONS=detect_leaks=1 WASS_SANITIZED=1 ctest --output-on-failure -j $(JOBS)
	LD_PRELOAD="$(ASAN_RT)" ASAN_OPTIONS=detect_leaks=0 UBSAN_OPTIONS=print_stacktrace=1 \
	    PYTHONPATH=$(CURDIR)/build-asan/python WASS_CLI=$(CURDIR)/build-asan/wass \
	    $(PY) -m pytest -q -p no:cacheprovider tests/python

test-python: build
	PYTHONPATH=$(CURDIR)/build/python WASS_CLI=$(CURDIR)/build/wass $(PY) -m pytest -q tests/python

bench:
	@scripts/deps.sh bench
	@$(MAKE) --no-print-directory build
	$(PY) bench/run.py

bench-approx bench-sinkhorn bench-scale: bench-%:
	@scripts/deps.sh bench
	@$(MAKE) --no-print-directory build
	PYTHONPATH=$(CURDIR)/build/python $(PY) bench/$*.py

# Word Mover's Distance on real mail (fetches the word vectors and the corpus).
bench-wmd:
	@scripts/deps.sh bench
	@scripts/deps.sh data
	@$(MAKE) --no-print-directory build
	PYTHONPATH=$(CURDIR)/build/python $(PY) bench/wmd.py

# Images: Fashion-MNIST retrieval, contours, colour signatures (Debian packages).
bench-images:
	@scripts/deps.sh bench
	@$(MAKE) --no-print-directory build
	PYTHONPATH=$(CURDIR)/build/python $(PY) bench/images.py

# Graph classification by matching node embeddings on the TU data sets
# (../shared/data/TU; figures and results into build/bench_graphs/).
bench-graphs:
	@scripts/deps.sh bench
	@$(MAKE) --no-print-directory build
	PYTHONPATH=$(CURDIR)/build/python $(PY) bench/graphs.py

# The lecture's examples with PyTorch; pictures go to build/examples/.
parallel-lines wgan:
	@scripts/deps.sh test
	@$(MAKE) --no-print-directory build
	PYTHONPATH=$(CURDIR)/build/python $(PY) examples/$(subst -,_,$@).py

install: build
	cmake --install build

clean:
	rm -rf build build-asan
