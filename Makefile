# The two commands of the README:
#   make demo   labgate's main job on the built-in seed topology
#   make test   build and run every test (unit, integration, fuzz smoke, ASan+UBSan)
# Both install the Debian packages they need first (scripts/install-deps.sh, idempotent).

BUILD      ?= build
ASAN_BUILD ?= build-asan
GCC_BUILD  ?= build-gcc
JOBS       ?= $(shell nproc)
CMAKE_ARGS ?=
# The project's own builds treat warnings as errors (a plain `cmake` build does not).
CMAKE_ARGS += -DLABGATE_WERROR=ON
LABGATE_CXX ?= clang++
# ccache, when a developer has it, makes rebuilds (and builds in several work trees) cheap; CI has
# none and builds as before.
CCACHE     := $(shell command -v ccache 2>/dev/null)
ifneq ($(CCACHE),)
CMAKE_ARGS += -DCMAKE_CXX_COMPILER_LAUNCHER=$(CCACHE)
endif

SOURCES = $(shell git ls-files '*.cc' '*.h' 2>/dev/null || find src tests fuzz bench -name '*.cc' -o -name '*.h')

.PHONY: all deps build asan gcc demo test test-unit test-asan format format-check bench clean deb

all: build

deps:
	@./scripts/install-deps.sh

build: deps
	@cmake -S . -B $(BUILD) -DCMAKE_CXX_COMPILER=$(LABGATE_CXX) $(CMAKE_ARGS) >/dev/null
	@cmake --build $(BUILD) -j$(JOBS)

asan: deps
	@cmake -S . -B $(ASAN_BUILD) -DCMAKE_CXX_COMPILER=clang++ -DCMAKE_BUILD_TYPE=Debug \
	  -DLABGATE_SANITIZE=ON -DLABGATE_FUZZ=ON $(CMAKE_ARGS) >/dev/null
	@cmake --build $(ASAN_BUILD) -j$(JOBS)

# The same tree with GCC (Debian 12's default compiler), warnings as errors: built, not run.
gcc: deps
	@cmake -S . -B $(GCC_BUILD) -DCMAKE_CXX_COMPILER=g++ $(CMAKE_ARGS) >/dev/null
	@cmake --build $(GCC_BUILD) -j$(JOBS)

demo: build
	@./scripts/demo.sh $(BUILD)/labgate

# Unit and fuzz tests under ASan+UBSan first, then every test of the optimised build; each ctest
# run prints its own summary line. The GCC tree is built first so that a warning either compiler
# sees fails the run.
test: format-check gcc asan build
	ctest --test-dir $(ASAN_BUILD) -L 'unit|fuzz' --output-on-failure -j$(JOBS)
	ctest --test-dir $(BUILD) --output-on-failure

# The Debian package (docs/packaging.md): labgate_<version>_amd64.deb in $(DEB_OUT), then lintian.
# Builds the program only (nocheck): the tests are `make test`'s.
DEB_OUT ?= $(BUILD)/deb
deb: deps
	@rm -rf $(DEB_OUT) && mkdir -p $(DEB_OUT)/labgate
	@git ls-files -z --cached --others --exclude-standard | xargs -0 tar -cf - | tar -xf - -C $(DEB_OUT)/labgate
	cd $(DEB_OUT)/labgate && DEB_BUILD_OPTIONS="nocheck parallel=$(JOBS)" \
	  $(if $(CCACHE),CMAKE_CXX_COMPILER_LAUNCHER=$(CCACHE)) dpkg-buildpackage -us -uc -b
	lintian --fail-on error,warning --display-info $(DEB_OUT)/labgate_*.deb >$(DEB_OUT)/lintian.txt 2>&1; \
	  status=$$?; cat $(DEB_OUT)/lintian.txt; exit $$status
	@ls $(DEB_OUT)/labgate_*.deb

format:
	@clang-format -i $(SOURCES)

format-check:
	@clang-format --dry-run --Werror $(SOURCES)

bench: build
	@./bench/run.sh $(BUILD)

clean:
	rm -rf $(BUILD) $(ASAN_BUILD) $(GCC_BUILD)
