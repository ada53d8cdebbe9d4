# insatskatalog: build, run, test and measure.
#
#   make run     install missing packages, build, start a local PostgreSQL
#                (unless DATABASE_URL is set), migrate, load data, serve :8080;
#                exits non-zero when the server dies at start
#   make test    the same set-up on a throwaway database, then every test
#   make bench   load the running stack with wrk and print the figures
#   make lint    validate openapi.yaml with Redocly's OpenAPI linter
#   make image-test  build the container image and test it against its own
#                throwaway PostgreSQL
#   make fresh-check  make run, then make test, in a bare Debian 12 container
#                on a clean clone of HEAD (slow; not part of make test)
#   make clean   remove build output (the local database stays; see clean-db)
#
# deploy/install-deps.sh installs what building and running need; the test,
# lint, bench and browser tools come with their own options (deps-* below).
# NO_DEPS=1 skips every install step (for machines that are not Debian 12).
#
# run, test and bench install packages first and then build in a new make:
# the compiler and linker flags come from pkg-config, which can only answer
# once the -dev packages are there. The flags are also expanded lazily (and
# once), so a target that needs none of them never calls pkg-config.

CC      ?= cc
VERSION ?= $(shell git describe --always --dirty 2>/dev/null || echo dev)
PKGS    := libulfius jansson libpq liborcania libyder libsodium

# pkg-config's answer for $(1), or make stops with pkg-config's own message.
pkg_config = $(call pkg_config_checked,$(1),$(shell pkg-config $(1) 2>/dev/null || echo PKG_CONFIG_FAILED))
pkg_config_checked = $(if $(filter PKG_CONFIG_FAILED,$(2)),$(error pkg-config $(1) failed: \
  $(shell pkg-config --print-errors $(1) 2>&1 >/dev/null | head -n 3) (make deps installs the -dev packages)),$(2))

# Expanded on first use, then kept (the $(eval) replaces the variable by its value).
PKG_CFLAGS = $(eval PKG_CFLAGS := $$(call pkg_config,--cflags $(PKGS)))$(PKG_CFLAGS)
PKG_LIBS   = $(eval PKG_LIBS := $$(call pkg_config,--libs $(PKGS)))$(PKG_LIBS)
TEST_LIBS  = $(eval TEST_LIBS := $$(call pkg_config,--libs libcurl jansson libpq))$(TEST_LIBS)

# Node.js 20.19+ for the linters, when deploy/install-deps.sh --lint had to bring its own.
export PATH := $(CURDIR)/.local/node/node_modules/.bin:$(PATH)

# CFLAGS and LDFLAGS are the user's: they add to the required flags.
CFLAGS  ?= -O2 -g
REQUIRED_CFLAGS = -std=c17 -D_GNU_SOURCE -Wall -Wextra -Werror -Wshadow -Wformat=2 -Wstrict-prototypes \
           -DINSATSKATALOG_VERSION=\"$(VERSION)\" $(PKG_CFLAGS)
ALL_CFLAGS = $(REQUIRED_CFLAGS) $(CFLAGS)
LDLIBS  = $(PKG_LIBS) -lmicrohttpd -lpthread -lcsv -lm
SAN     := -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all

BUILD   := build
LIB_SRC := $(sort $(wildcard internal/*/*.c))
LIB_OBJ := $(LIB_SRC:%.c=$(BUILD)/%.o)
SAN_OBJ := $(LIB_SRC:%.c=$(BUILD)/asan/%.o)
CMD_OBJ := $(BUILD)/cmd/insatskatalog/main.o $(BUILD)/cmd/insatskatalog-admin/main.o
UNIT_SRC := $(sort $(wildcard tests/unit/test_*.c))
API_SRC  := $(sort $(wildcard tests/api/test_*.c))
TEST_HDRS := $(wildcard tests/*/*.h)

.PHONY: all build run test bench lint clean clean-db deps deps-test deps-lint deps-bench deps-browser \
        unit-tests api-tests image image-test fresh-check build-run build-test build-bench

all: build

# Keep the sanitizer objects between runs (they are intermediates of pattern rules).
.SECONDARY:

# What each target needs installed; the Debian packages for building and running come with every set.
INSTALL_DEPS = $(if $(filter 1,$(NO_DEPS)),@echo "install-deps (skipped: NO_DEPS=1)",@deploy/install-deps.sh)
deps:
	$(INSTALL_DEPS)
deps-test:
	$(INSTALL_DEPS) --test --lint --fuzz
deps-lint:
	$(INSTALL_DEPS) --lint
deps-bench:
	$(INSTALL_DEPS) --bench
deps-browser:
	$(INSTALL_DEPS) --browser

build: $(BUILD)/insatskatalog $(BUILD)/insatskatalog-admin

# -MMD -MP: each object records the headers it includes (build/**/*.d, read below).
$(BUILD)/%.o: %.c
	@mkdir -p $(dir $@)
	@echo "CC $<"
	@$(CC) $(ALL_CFLAGS) -MMD -MP -c -o $@ $<

$(BUILD)/asan/%.o: %.c
	@mkdir -p $(dir $@)
	@echo "CC (asan) $<"
	@$(CC) $(ALL_CFLAGS) $(SAN) -O1 -MMD -MP -c -o $@ $<

$(BUILD)/libinsatskatalog.a: $(LIB_OBJ)
	@rm -f $@
	@ar rcs $@ $^

$(BUILD)/insatskatalog: $(BUILD)/cmd/insatskatalog/main.o $(BUILD)/libinsatskatalog.a
	@echo "LD $@"
	@$(CC) $(ALL_CFLAGS) $(LDFLAGS) -o $@ $^ $(LDLIBS)

$(BUILD)/insatskatalog-admin: $(BUILD)/cmd/insatskatalog-admin/main.o $(BUILD)/libinsatskatalog.a
	@echo "LD $@"
	@$(CC) $(ALL_CFLAGS) $(LDFLAGS) -o $@ $^ $(LDLIBS)

# Unit tests: plain and under AddressSanitizer + UBSan.
$(BUILD)/tests/unit/%: tests/unit/%.c $(LIB_OBJ) $(TEST_HDRS)
	@mkdir -p $(dir $@)
	@echo "LD $@"
	@$(CC) $(ALL_CFLAGS) $(LDFLAGS) -o $@ $< $(LIB_OBJ) $(LDLIBS) -lcmocka

$(BUILD)/asan/tests/unit/%: tests/unit/%.c $(SAN_OBJ) $(TEST_HDRS)
	@mkdir -p $(dir $@)
	@echo "LD $@"
	@$(CC) $(ALL_CFLAGS) $(SAN) -O1 $(LDFLAGS) -o $@ $< $(SAN_OBJ) $(LDLIBS) -lcmocka

# Every API test links the shared client, the fixtures and the support_*.c files
# (setup shared by the tests of one area, e.g. support_providers.c).
API_SUPPORT := tests/api/http_client.c tests/api/fixtures.c $(sort $(wildcard tests/api/support_*.c))
$(BUILD)/tests/api/%: tests/api/%.c $(API_SUPPORT) $(wildcard tests/api/*.h)
	@mkdir -p $(dir $@)
	@echo "LD $@"
	@$(CC) $(ALL_CFLAGS) $(LDFLAGS) -o $@ $< $(API_SUPPORT) $(TEST_LIBS) -lcmocka

unit-tests: $(UNIT_SRC:tests/unit/%.c=$(BUILD)/tests/unit/%) $(UNIT_SRC:tests/unit/%.c=$(BUILD)/asan/tests/unit/%)
api-tests: $(API_SRC:tests/api/%.c=$(BUILD)/tests/api/%)

# Install first, then build in a new make that sees the installed packages.
run: deps
	@$(MAKE) --no-print-directory build-run
build-run: build
	@deploy/run.sh

test: deps-test
	@$(MAKE) --no-print-directory build-test
build-test: build unit-tests api-tests
	@tests/run.sh

bench: deps-bench
	@$(MAKE) --no-print-directory build-bench
build-bench: build
	@tests/bench.sh

lint: deps-lint
	@tests/lint/lint.sh

# The image is built from the sources inside the container; PostgreSQL runs on this host.
image:
	@deploy/image.sh build

image-test: deps
	@deploy/image.sh test

fresh-check:
	@deploy/fresh-check.sh

clean:
	rm -rf $(BUILD)

clean-db:
	@deploy/pg.sh stop .local/pg >/dev/null 2>&1 || true
	@if [ -f .local/pg/location ]; then rm -rf "$$(cat .local/pg/location)"; fi
	rm -rf .local

-include $(shell find $(BUILD) -name '*.d' 2>/dev/null)

# zlib: the gzip variants of cached answers (internal/http/answers.c).
LDLIBS += -lz

# make bench builds the bare ulfius program it compares with (tests/bench/bare.c).
$(BUILD)/bench/bare: tests/bench/bare.c
	@mkdir -p $(dir $@)
	@echo "LD $@"
	@$(CC) $(ALL_CFLAGS) $(LDFLAGS) -o $@ $< $(LDLIBS)
build-bench: $(BUILD)/bench/bare

# make key: prints a new API key for the database of `make run` (run it while
# `make run` serves, in another terminal), or for DATABASE_URL when that is
# set. KEY_NAME (default local-admin-<seconds>) and KEY_SCOPE (default admin).
KEY_NAME  ?= local-admin-$$(date +%s)
KEY_SCOPE ?= admin
# The build's own output goes to stderr, so KEY=$(make -s key) holds the key only.
.PHONY: key
key:
	@$(MAKE) --no-print-directory build >&2
	@DATABASE_URL="$${DATABASE_URL:-$$(deploy/pg.sh url .local/pg)}" \
	  build/insatskatalog-admin key create "$(KEY_NAME)" "$(KEY_SCOPE)"

# The web page and /docs (internal/web): its files and the libraries vendored
# from npm (pinned in internal/web/package-lock.json) into build/web, which
# the server reads at start (WEB_ROOT). run and test build it; `make build`
# alone does not need npm. static.c uses zlib (linked above).
.PHONY: web
web:
	@internal/web/build.sh $(BUILD)/web
build-run build-test: web

# ---- Fuzzing (safety, issue 13) ---------------------------------------------
# libFuzzer harnesses in tests/fuzz/fuzz_*.c with clang from Debian
# (deploy/install-deps.sh --fuzz), linked with the library built for fuzzing (ASan,
# UBSan, coverage). `make fuzz` runs each for FUZZ_SECONDS (default 300) and
# grows the committed corpora; `make test` builds them and runs each for a few
# seconds. Also the server under ASan+UBSan, which tests/run.sh runs the API
# tests against.
FUZZ_CC     := clang
FUZZ_FLAGS  := -fsanitize=address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer -g -O1
FUZZ_CFLAGS  = -std=c17 -D_GNU_SOURCE -Wall -Wextra $(PKG_CFLAGS) $(FUZZ_FLAGS)
FUZZ_SRC    := $(sort $(wildcard tests/fuzz/fuzz_*.c))
FUZZ_OBJ    := $(LIB_SRC:%.c=$(BUILD)/fuzz/%.o)
FUZZ_SECONDS ?= 300

.PHONY: fuzz fuzz-deps fuzz-build build-fuzz
$(BUILD)/fuzz/%.o: %.c
	@mkdir -p $(dir $@)
	@echo "CC (fuzz) $<"
	@$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer-no-link -MMD -MP -c -o $@ $<

$(BUILD)/fuzz/bin/%: tests/fuzz/%.c $(FUZZ_OBJ)
	@mkdir -p $(dir $@)
	@echo "LD $@"
	@$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer -o $@ $< $(FUZZ_OBJ) $(LDLIBS)

$(BUILD)/asan/insatskatalog: $(BUILD)/asan/cmd/insatskatalog/main.o $(SAN_OBJ)
	@echo "LD $@"
	@$(CC) $(ALL_CFLAGS) $(SAN) -O1 $(LDFLAGS) -o $@ $^ $(LDLIBS)

fuzz-deps:
	$(INSTALL_DEPS) --fuzz
fuzz-build: $(FUZZ_SRC:tests/fuzz/%.c=$(BUILD)/fuzz/bin/%)
fuzz: deps fuzz-deps
	@$(MAKE) --no-print-directory build-fuzz
build-fuzz: fuzz-build
	@tests/fuzz/run.sh $(FUZZ_SECONDS) keep

# make test: the fuzzers and the sanitized server are built too (deps-test installs clang).
build-test: fuzz-build $(BUILD)/asan/insatskatalog
