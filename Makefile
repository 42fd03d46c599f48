# Thin wrapper over CMake. `make` builds into build/; `make demo` runs the
# lecture's worked examples; `make test` runs every test (C, CLI, sanitizers,
# Python).
PY ?= /usr/bin/python3
JOBS ?= $(shell nproc 2>/dev/null || echo 2)
CMAKE_FLAGS ?=

.PHONY: all build deps demo test format-check format test-c test-asan test-python fuzz test-fuzz test-tsan \
	bench bench-approx bench-sinkhorn bench-scale bench-wmd bench-images bench-graphs parallel-lines wgan \
	install clean

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
	@$(MAKE) --no-print-directory test-c test-asan test-python test-fuzz

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

# libFuzzer harnesses (tests/fuzz, clang, ASan + UBSan): each runs FUZZ_SECONDS
# from its committed seeds (tests/fuzz/corpus/NAME) plus what earlier runs
# found (build-fuzz/corpus/NAME, not committed); a crash stops with the input
# in build-fuzz/crashes/ (copy it into the seeds once fixed). `make test` runs
# each for FUZZ_TEST_SECONDS.
FUZZ_SECONDS ?= 60
FUZZ_TEST_SECONDS ?= 20
FUZZERS = matrix wordvec text cli cli_files image tu
fuzz:
	@CC=clang cmake -S . -B build-fuzz -DCMAKE_BUILD_TYPE=Debug -DWASS_FUZZ=ON -DWASS_PYTHON=OFF \
	    -DBUILD_TESTING=OFF >/dev/null
	@cmake --build build-fuzz -j $(JOBS) >/dev/null
	@mkdir -p build-fuzz/crashes
	@for f in $(FUZZERS); do \
	    mkdir -p build-fuzz/corpus/$$f; \
	    echo "fuzz_$$f: $(FUZZ_SECONDS) s"; \
	    ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
	    build-fuzz/fuzz/fuzz_$$f -max_total_time=$(FUZZ_SECONDS) -max_len=4096 -timeout=10 \
	        -rss_limit_mb=2048 -print_final_stats=1 -close_fd_mask=3 \
	        -artifact_prefix=$(CURDIR)/build-fuzz/crashes/fuzz_$$f- -dict=$(CURDIR)/tests/fuzz/fuzz.dict \
	        $(CURDIR)/build-fuzz/corpus/$$f $(CURDIR)/tests/fuzz/corpus/$$f \
	        2>build-fuzz/fuzz_$$f.log || { tail -40 build-fuzz/fuzz_$$f.log; exit 1; }; \
	    grep -E "^#[0-9]+ +DONE|stat::number_of_executed_units|cov:" build-fuzz/fuzz_$$f.log | tail -2; \
	done

test-fuzz:
	@$(MAKE) --no-print-directory fuzz FUZZ_SECONDS=$(FUZZ_TEST_SECONDS)

# ThreadSanitizer: every kind of solve from several threads at once
# (tests/tsan/tsan_solves.c); libgomp's own synchronisation is invisible to
# TSan, so its false positives are suppressed (tests/tsan/suppressions.txt,
# which says why) and the OpenMP regions run in one thread each
# (OMP_NUM_THREADS=1): what is checked is the library's state under threads.
test-tsan:
	@cmake -S . -B build-tsan -DCMAKE_BUILD_TYPE=Debug -DWASS_TSAN=ON -DWASS_PYTHON=OFF \
	    -DBUILD_TESTING=OFF >/dev/null
	@cmake --build build-tsan -j $(JOBS) --target tsan_solves >/dev/null
	TSAN_OPTIONS="halt_on_error=1 suppressions=$(CURDIR)/tests/tsan/suppressions.txt" \
	    OMP_NUM_THREADS=1 build-tsan/tsan_solves

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
	rm -rf build build-asan build-fuzz build-tsan
