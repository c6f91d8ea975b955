# acm-inbox build.  Plain make: pkg-config finds the libraries.
#   make            build build/acm-inbox
#   make check      install missing packages, build, run every test
#   make check-sanitize   the unit and integration tests under ASan + UBSan
#   make demo       the whole job against local stand-ins
#   make install    PREFIX=/usr/local DESTDIR=

PREFIX ?= /usr/local
BINDIR ?= $(PREFIX)/bin
MANDIR ?= $(PREFIX)/share/man
UNITDIR ?= $(PREFIX)/lib/systemd/system
DESTDIR ?=

BUILD ?= build
CC ?= cc
PKG_CONFIG ?= pkg-config
PKGS = libcurl openssl gmime-3.0 libpcre2-8 json-c libxml-2.0

WARN = -Wall -Wextra -Wshadow -Wstrict-prototypes -Wmissing-prototypes \
       -Wpointer-arith -Wformat=2 -Wno-unused-parameter
HARDEN = -D_FORTIFY_SOURCE=2 -fstack-protector-strong -fPIE
ifeq ($(WERROR),1)
WARN += -Werror
endif
SANITIZE ?=
ifneq ($(SANITIZE),)
OPT ?= -O1 -g -fno-omit-frame-pointer -fsanitize=$(SANITIZE) \
       -fno-sanitize-recover=all
HARDEN = -fPIE
LDSAN = -fsanitize=$(SANITIZE)
else
OPT ?= -O2 -g
endif

PKG_CFLAGS := $(shell $(PKG_CONFIG) --cflags $(PKGS) 2>/dev/null)
PKG_LIBS := $(shell $(PKG_CONFIG) --libs $(PKGS) 2>/dev/null)

CPPFLAGS += -I. -D_DEFAULT_SOURCE -D_POSIX_C_SOURCE=200809L \
	-DACM_INBOX_VERSION='"$(VERSION)"'
CFLAGS += -std=c11 $(WARN) $(OPT) $(HARDEN) $(PKG_CFLAGS)
LDFLAGS += -pie -Wl,-z,relro,-z,now $(LDSAN)
LDLIBS += $(PKG_LIBS) -lm

VERSION := $(shell cat VERSION 2>/dev/null || echo 0.0.0)

STAGES = common aws parse approve ingest infra cli
LIB_SRC := $(filter-out cli/main.c,$(wildcard $(addsuffix /*.c,$(STAGES))))
LIB_OBJ := $(LIB_SRC:%.c=$(BUILD)/%.o)
HEADERS := $(wildcard $(addsuffix /*.h,$(STAGES)) tests/unit/*.h)
TEST_SRC := $(wildcard tests/unit/test_*.c)
TEST_BIN := $(TEST_SRC:tests/unit/%.c=$(BUILD)/tests/%)

.PHONY: all check check-sanitize check-valgrind demo install clean deps \
	fuzz fuzz-ci fuzz-lib bench tests

all: $(BUILD)/acm-inbox

$(BUILD)/%.o: %.c $(HEADERS) Makefile
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(CFLAGS) -c -o $@ $<

$(BUILD)/libacminbox.a: $(LIB_OBJ)
	@rm -f $@
	$(AR) rcs $@ $^

$(BUILD)/acm-inbox: $(BUILD)/cli/main.o $(BUILD)/libacminbox.a
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $^ $(LDLIBS)

$(BUILD)/tests/%: tests/unit/%.c $(BUILD)/libacminbox.a $(HEADERS)
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(CFLAGS) $(LDFLAGS) -o $@ $< \
		$(BUILD)/libacminbox.a $(LDLIBS)

tests: $(BUILD)/acm-inbox $(TEST_BIN)

deps:
	@scripts/deps.sh

check: deps
	$(MAKE) tests
	BUILD=$(BUILD) tests/run

check-sanitize: deps
	$(MAKE) BUILD=build-san SANITIZE=address,undefined tests
	BUILD=build-san ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 \
		UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 tests/run

check-valgrind: deps
	$(MAKE) tests
	BUILD=$(BUILD) VALGRIND=1 tests/run --unit-only

demo: deps
	$(MAKE) all
	BUILD=$(BUILD) scripts/demo.sh

# libFuzzer targets tests/fuzz/fuzz_*.c, linked with the project built by
# clang with ASan and UBSan in build-fuzz.  Each runs for FUZZ_SECONDS
# from the seeds in tests/fuzz/*-seeds and tests/fixtures/mail; a crash
# leaves its input in build-fuzz/ as crash-*.
FUZZ_SECONDS ?= 60
FUZZ_CI_SECONDS ?= 12
FUZZ_CC ?= clang
FUZZ_SAN = address,undefined
FUZZ_SRC := $(wildcard tests/fuzz/fuzz_*.c)
FUZZ_BIN := $(FUZZ_SRC:tests/fuzz/%.c=build-fuzz/%)

# A separate make builds the library with clang; it uses the ordinary
# $(BUILD)/libacminbox.a rule, so no rule here may name that file.
fuzz-lib:
	$(MAKE) -j4 BUILD=build-fuzz CC=$(FUZZ_CC) \
		SANITIZE=fuzzer-no-link,$(FUZZ_SAN) build-fuzz/libacminbox.a

build-fuzz/fuzz_%: tests/fuzz/fuzz_%.c fuzz-lib
	$(FUZZ_CC) $(CPPFLAGS) -std=c11 -g -O1 $(PKG_CFLAGS) \
		-fsanitize=fuzzer,$(FUZZ_SAN) -o $@ $< \
		build-fuzz/libacminbox.a $(LDLIBS)

fuzz: deps
	$(MAKE) $(FUZZ_BIN)
	for target in $(FUZZ_BIN); do \
		name=$$(basename $$target); seeds=tests/fuzz/$${name#fuzz_}-seeds; \
		mkdir -p build-fuzz/corpus-$$name && \
		$$target -max_total_time=$(FUZZ_SECONDS) -max_len=131072 \
			-artifact_prefix=build-fuzz/ -print_final_stats=1 \
			build-fuzz/corpus-$$name tests/fixtures/mail \
			$$( [ -d $$seeds ] && echo $$seeds ) || exit 1; \
	done

fuzz-ci:
	$(MAKE) FUZZ_SECONDS=$(FUZZ_CI_SECONDS) fuzz

install: $(BUILD)/acm-inbox
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(MANDIR)/man1 \
		$(DESTDIR)$(MANDIR)/man5 $(DESTDIR)$(UNITDIR)
	install -m 755 $(BUILD)/acm-inbox $(DESTDIR)$(BINDIR)/acm-inbox
	for page in docs/*.1; do [ -f "$$page" ] && \
		install -m 644 "$$page" $(DESTDIR)$(MANDIR)/man1/; done; true
	for page in docs/*.5; do [ -f "$$page" ] && \
		install -m 644 "$$page" $(DESTDIR)$(MANDIR)/man5/; done; true
	for unit in docs/systemd/*; do [ -f "$$unit" ] && \
		install -m 644 "$$unit" $(DESTDIR)$(UNITDIR)/; done; true

clean:
	rm -rf build build-san build-fuzz
