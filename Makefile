# wwd: the two commands of the README, and a few more.
#
#   make demo    install dependencies, build, start wwd, run an example
#   make test    install dependencies, build, run every test (also under
#                ASan+UBSan); this is what CI runs
#   make stop    stop the wwd that `make demo` started
#   make bench   Release build in build-bench/, then wwd-bench: wwd beside
#                Node worker_threads and the socket limits, every process
#                on CPU 0 (BENCH_PIN=0: not pinned); BENCH_ARGS are passed
#                on (e.g. --quick, --only messages, --json PATH). Never
#                part of `make test`.
#   make bench-fleet  the same Release build, then wwd-bench --fleet
#                FLEET (10000) idle workers, `wwctl ps` timed against them
#   make fuzz    run every fuzz target for FUZZ_SECONDS each (clang build)
#   make soak    run the mixed soak workload for SOAK_SECONDS
#   make bench-promise  the Promise benchmark against node --jitless
#
BUILD	?= build
ASAN	?= build-asan
FUZZ	?= build-fuzz
FUZZ_SECONDS ?= 20
SOAK_SECONDS ?= 600
SAN_ENV	= ASAN_OPTIONS=detect_leaks=1:abort_on_error=0 \
	UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
JOBS	?= $(shell nproc)
SOCK	?= $(CURDIR)/$(BUILD)/wwd.sock
BENCH_BUILD ?= build-bench
BENCH_PIN ?= 1
BENCH_ARGS ?=
FLEET	?= 10000

.PHONY: all deps build demo stop test test-plain test-asan test-fuzz \
	fuzz-build fuzz soak bench-build bench bench-fleet bench-promise clean

all: build

deps:
	@sh scripts/deps.sh

build: deps
	cmake -S . -B $(BUILD) -DWWD_WERROR=ON >/dev/null
	cmake --build $(BUILD) -j $(JOBS)

demo: build stop
	@sh scripts/demo.sh $(BUILD) $(SOCK)

stop:
	@if [ -f $(BUILD)/wwd.pid ]; then \
		kill $$(cat $(BUILD)/wwd.pid) 2>/dev/null || true; \
		rm -f $(BUILD)/wwd.pid; \
	fi

test: test-plain test-asan test-fuzz

test-plain: build
	cd $(BUILD) && ctest --output-on-failure -j $(JOBS)

test-asan: deps
	cmake -S . -B $(ASAN) -DWWD_WERROR=ON -DWWD_SANITIZE=ON \
		-DCMAKE_BUILD_TYPE=Debug >/dev/null
	cmake --build $(ASAN) -j $(JOBS)
	cd $(ASAN) && $(SAN_ENV) ctest --output-on-failure -j $(JOBS)

# The fuzz targets with libFuzzer, ASan and UBSan: clang only. The test
# run is reproducible (fixed seed, bounded runs); make fuzz explores.
test-fuzz: FUZZ_SEED = 1
test-fuzz: FUZZ_RUNS = 200000
test-fuzz: fuzz-build
	cd $(FUZZ) && $(SAN_ENV) ctest --output-on-failure -j $(JOBS) -L '^fuzz$$'

fuzz-build: deps
	cmake -S . -B $(FUZZ) -DCMAKE_C_COMPILER=clang -DWWD_WERROR=ON \
		-DWWD_SANITIZE=ON -DWWD_FUZZ=ON -DWWD_FUZZ_SECONDS=$(FUZZ_SECONDS) \
		-DWWD_FUZZ_SEED=$(FUZZ_SEED) -DWWD_FUZZ_RUNS=$(FUZZ_RUNS) \
		-DCMAKE_BUILD_TYPE=Debug >/dev/null
	cmake --build $(FUZZ) -j $(JOBS) --target fuzz_all

# Every target, also any with open findings (label fuzz_open; none now).
fuzz: FUZZ_SEED = 0
fuzz: FUZZ_RUNS = -1
fuzz: fuzz-build
	cd $(FUZZ) && $(SAN_ENV) ctest --output-on-failure -j $(JOBS) \
		-L '^fuzz(_open)?$$'

soak: build
	$(BUILD)/tests/soak/wwd-soak -d $(SOAK_SECONDS) -b $(BUILD)/bin

bench-build: deps
	cmake -S . -B $(BENCH_BUILD) -DWWD_BENCH=ON -DWWD_WERROR=ON \
		-DWWD_TESTS=OFF -DCMAKE_BUILD_TYPE=Release >/dev/null
	cmake --build $(BENCH_BUILD) -j $(JOBS)

bench: bench-build
	$(BENCH_BUILD)/bin/wwd-bench $(if $(filter 0,$(BENCH_PIN)),--no-pin) \
		$(BENCH_ARGS)

# Over a minute (starting the fleet), so not part of `make bench`.
bench-fleet: bench-build
	$(BENCH_BUILD)/bin/wwd-bench $(if $(filter 0,$(BENCH_PIN)),--no-pin) \
		--fleet $(FLEET) $(BENCH_ARGS)

bench-promise: build
	sh bench/promise.sh $(BUILD)/bin

clean:
	rm -rf $(BUILD) $(ASAN) $(FUZZ) $(BENCH_BUILD)
