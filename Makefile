# wwd: the two commands of the README, and a few more.
#
#   make demo    install dependencies, build, start wwd, run an example
#   make test    install dependencies, build, run every test (also under
#                ASan+UBSan); this is what CI runs
#   make stop    stop the wwd that `make demo` started
#   make bench-promise  the Promise benchmark against node --jitless
#
BUILD	?= build
ASAN	?= build-asan
JOBS	?= $(shell nproc)
SOCK	?= $(CURDIR)/$(BUILD)/wwd.sock

.PHONY: all deps build demo stop test test-plain test-asan bench-promise clean

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

test: test-plain test-asan

test-plain: build
	cd $(BUILD) && ctest --output-on-failure -j $(JOBS)

test-asan: deps
	cmake -S . -B $(ASAN) -DWWD_WERROR=ON -DWWD_SANITIZE=ON \
		-DCMAKE_BUILD_TYPE=Debug >/dev/null
	cmake --build $(ASAN) -j $(JOBS)
	cd $(ASAN) && ASAN_OPTIONS=detect_leaks=1:abort_on_error=0 \
		UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
		ctest --output-on-failure -j $(JOBS)

bench-promise: build
	sh bench/promise.sh $(BUILD)/bin

clean:
	rm -rf $(BUILD) $(ASAN)
