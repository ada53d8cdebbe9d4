# insatskatalog: build, run, test and measure.
#
#   make run     install missing packages, build, start a local PostgreSQL
#                (unless DATABASE_URL is set), migrate, load data, serve :8080
#   make test    the same set-up on a throwaway database, then every test
#   make bench   load the running stack with wrk and print the figures
#   make lint    validate openapi.yaml with Redocly's OpenAPI linter
#   make clean   remove build output (the local database stays; see clean-db)

CC      ?= cc
VERSION ?= $(shell git describe --always --dirty 2>/dev/null || echo dev)
PKGS    := libulfius jansson libpq liborcania libyder libsodium
CFLAGS  ?= -O2 -g
CFLAGS  += -std=c17 -D_GNU_SOURCE -Wall -Wextra -Werror -Wshadow -Wformat=2 -Wstrict-prototypes \
           -DINSATSKATALOG_VERSION=\"$(VERSION)\" $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
LDLIBS  := $(shell pkg-config --libs $(PKGS) 2>/dev/null) -lmicrohttpd -lpthread -lcsv -lm
SAN     := -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all

BUILD   := build
LIB_SRC := $(sort $(wildcard internal/*/*.c))
LIB_OBJ := $(LIB_SRC:%.c=$(BUILD)/%.o)
SAN_OBJ := $(LIB_SRC:%.c=$(BUILD)/asan/%.o)
UNIT_SRC := $(sort $(wildcard tests/unit/test_*.c))
API_SRC  := $(sort $(wildcard tests/api/test_*.c))
HDRS    := $(wildcard internal/*/*.h tests/*/*.h)

.PHONY: all build run test bench lint clean clean-db deps unit-tests api-tests image image-test

all: build

# Keep the sanitizer objects between runs (they are intermediates of pattern rules).
.SECONDARY:

deps:
	@deploy/install-deps.sh

build: $(BUILD)/insatskatalog $(BUILD)/insatskatalog-admin

$(BUILD)/%.o: %.c $(HDRS)
	@mkdir -p $(dir $@)
	@echo "CC $<"
	@$(CC) $(CFLAGS) -c -o $@ $<

$(BUILD)/asan/%.o: %.c $(HDRS)
	@mkdir -p $(dir $@)
	@echo "CC (asan) $<"
	@$(CC) $(CFLAGS) $(SAN) -O1 -c -o $@ $<

$(BUILD)/libinsatskatalog.a: $(LIB_OBJ)
	@ar rcs $@ $^

$(BUILD)/insatskatalog: $(BUILD)/cmd/insatskatalog/main.o $(BUILD)/libinsatskatalog.a
	@echo "LD $@"
	@$(CC) $(CFLAGS) -o $@ $^ $(LDLIBS)

$(BUILD)/insatskatalog-admin: $(BUILD)/cmd/insatskatalog-admin/main.o $(BUILD)/libinsatskatalog.a
	@echo "LD $@"
	@$(CC) $(CFLAGS) -o $@ $^ $(LDLIBS)

# Unit tests: plain and under AddressSanitizer + UBSan.
$(BUILD)/tests/unit/%: tests/unit/%.c $(LIB_OBJ) $(HDRS)
	@mkdir -p $(dir $@)
	@echo "LD $@"
	@$(CC) $(CFLAGS) -o $@ $< $(LIB_OBJ) $(LDLIBS) -lcmocka

$(BUILD)/asan/tests/unit/%: tests/unit/%.c $(SAN_OBJ) $(HDRS)
	@mkdir -p $(dir $@)
	@echo "LD $@"
	@$(CC) $(CFLAGS) $(SAN) -O1 -o $@ $< $(SAN_OBJ) $(LDLIBS) -lcmocka

# Every API test links the shared client, the fixtures and the support_*.c files
# (setup shared by the tests of one area, e.g. support_providers.c).
API_SUPPORT := tests/api/http_client.c tests/api/fixtures.c $(sort $(wildcard tests/api/support_*.c))
$(BUILD)/tests/api/%: tests/api/%.c $(API_SUPPORT) $(wildcard tests/api/*.h)
	@mkdir -p $(dir $@)
	@echo "LD $@"
	@$(CC) $(CFLAGS) -o $@ $< $(API_SUPPORT) $(shell pkg-config --libs libcurl jansson libpq) -lcmocka

unit-tests: $(UNIT_SRC:tests/unit/%.c=$(BUILD)/tests/unit/%) $(UNIT_SRC:tests/unit/%.c=$(BUILD)/asan/tests/unit/%)
api-tests: $(API_SRC:tests/api/%.c=$(BUILD)/tests/api/%)

run: deps build
	@deploy/run.sh

test: deps build unit-tests api-tests
	@tests/run.sh

bench: deps build
	@tests/bench.sh

lint:
	@tests/lint/lint.sh

image:
	@deploy/image.sh build

image-test: build
	@deploy/image.sh test

clean:
	rm -rf $(BUILD)

clean-db:
	@deploy/pg.sh stop .local/pg >/dev/null 2>&1 || true
	@if [ -f .local/pg/location ]; then rm -rf "$$(cat .local/pg/location)"; fi
	rm -rf .local
