# Thin wrapper over CMake. `make demo` and `make test` are the quick start.
BUILD      ?= build
ASAN_BUILD ?= build-asan
JOBS       ?= $(shell nproc 2>/dev/null || echo 2)
FUZZ_SECONDS ?= 30
FUZZ_TARGETS ?=

.PHONY: all deps build test asan-build test-asan fuzz fuzz-smoke bench demo install clean format valgrind coverage

all: build

deps:
	@bash scripts/deps.sh

$(BUILD)/CMakeCache.txt:
	cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=RelWithDebInfo

build: deps $(BUILD)/CMakeCache.txt
	cmake --build $(BUILD) -j $(JOBS)

test: build
	cd $(BUILD) && ctest -j $(JOBS) --output-on-failure

# One clang build serves both the sanitizer test run and the fuzzers.
$(ASAN_BUILD)/CMakeCache.txt:
	CC=clang cmake -S . -B $(ASAN_BUILD) -DCMAKE_BUILD_TYPE=Debug -DDNP3C_SANITIZE=ON -DDNP3C_FUZZ=ON

asan-build: deps $(ASAN_BUILD)/CMakeCache.txt
	cmake --build $(ASAN_BUILD) -j $(JOBS)

test-asan: asan-build
	cd $(ASAN_BUILD) && ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 \
		ctest -j $(JOBS) --output-on-failure

# `make fuzz FUZZ_SECONDS=300 FUZZ_TARGETS="link master"`: each target (all
# by default) for FUZZ_SECONDS, corpus kept in $(ASAN_BUILD)/fuzz-corpus/<name>.
fuzz: asan-build
	@bash scripts/fuzz.sh $(ASAN_BUILD) $(FUZZ_SECONDS) $(FUZZ_TARGETS)

fuzz-smoke: asan-build
	@bash scripts/fuzz-smoke.sh $(ASAN_BUILD) $(FUZZ_SECONDS)

bench: build
	@bash scripts/bench.sh $(BUILD)

coverage: deps
	@bash scripts/coverage.sh build-cov

valgrind: build
	@bash scripts/valgrind.sh $(BUILD)

demo: build
	@bash scripts/demo.sh $(BUILD)

install: build
	cmake --install $(BUILD)

format:
	clang-format -i $$(git ls-files '*.c' '*.h')

clean:
	rm -rf $(BUILD) $(ASAN_BUILD) build-cov
