# drove: one non-recursive Makefile.  `make` builds bin/<prog> for every
# cmd/<prog>/ against lib/libdrove.a; `make check` installs what is missing,
# builds with -Werror and runs unit tests, then the bats suites.
#
# Packagers may set CC, CFLAGS, CPPFLAGS, LDFLAGS, PREFIX, MANDIR, DESTDIR:
# the flags the build needs (include path, defines, C standard, dependency
# files, PIE) are kept apart in DROVE_* and come first.  The effective
# flags are recorded in obj/.flags; a change rebuilds every object, so a
# DEVELOPER=1 build never reuses objects compiled without -Werror.
-include config.mak

CC      ?= cc
PREFIX  ?= /usr/local
MANDIR  ?= $(PREFIX)/share/man
CFLAGS  ?= -O2 -g -D_FORTIFY_SOURCE=2 -fstack-protector-strong
WARN    = -Wall -Wextra -Wpedantic -Wshadow -Wstrict-prototypes -Wmissing-prototypes \
          -Wold-style-definition -Wformat=2 -Wwrite-strings -Wvla -Wpointer-arith \
          -Wcast-qual -Wsign-compare -Werror=implicit-function-declaration -fno-common
DROVE_CFLAGS  = -std=c11 -D_POSIX_C_SOURCE=200809L -Ilib -DTHREADED -MMD -MP \
                -fPIE $(WARN)
DROVE_LDFLAGS = -pie -Wl,-z,relro,-z,now -Wl,--as-needed
LIBS    = -lzookeeper_mt -lcurl -ljansson -lyaml -lmicrohttpd -lhwloc -lcrypt -ljwt \
          -lcrypto -larchive -lpthread -lm
ifdef DEVELOPER
DROVE_CFLAGS  += -Werror
endif
ifdef SANITIZE
DROVE_CFLAGS  += -fsanitize=$(SANITIZE) -fno-sanitize-recover=$(SANITIZE) -fno-omit-frame-pointer
DROVE_LDFLAGS += -fsanitize=$(SANITIZE)
endif
ALL_CFLAGS  = $(DROVE_CFLAGS) $(CPPFLAGS) $(CFLAGS)
ALL_LDFLAGS = $(DROVE_LDFLAGS) $(LDFLAGS)

PROGS    := $(notdir $(wildcard cmd/*))
BINS     := $(addprefix bin/,$(PROGS))
LIB_SRC  := $(wildcard lib/*.c)
LIB_OBJ  := $(patsubst lib/%.c,obj/lib/%.o,$(LIB_SRC))
UNIT_SRC := $(wildcard tests/unit/t_*.c)
UNITS    := $(patsubst tests/unit/%.c,bin/tests/%,$(UNIT_SRC))

# bench/: test-only programs for the bench scripts, never installed.
# `make bench` (and `make all`, so that they never rot) builds bin/bench/sim-executors (simulated executors).
BENCH_BINS := bin/bench/sim-executors

all: $(BINS) $(UNITS) $(BENCH_BINS)

obj/%.o: %.c obj/.flags
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -c -o $@ $<

# Rewritten only when the flags differ from the last build's.
TRACK_FLAGS = $(subst ','\'',$(CC) $(ALL_CFLAGS) | $(ALL_LDFLAGS) $(LIBS))
obj/.flags: FORCE
	@mkdir -p obj
	@f='$(TRACK_FLAGS)'; if [ "$$f" != "$$(cat $@ 2>/dev/null)" ]; then \
		echo "flags changed: rebuilding everything" >&2; \
		printf '%s\n' "$$f" >$@; fi

lib/libdrove.a: $(LIB_OBJ)
	rm -f $@
	ar rcs $@ $^

.SECONDEXPANSION:
$(BINS): bin/%: $$(addprefix obj/,$$(addsuffix .o,$$(basename $$(wildcard cmd/$$*/*.c)))) lib/libdrove.a
	@mkdir -p bin
	$(CC) $(ALL_LDFLAGS) -o $@ $(filter %.o,$^) lib/libdrove.a $(LIBS)

$(UNITS): bin/tests/%: obj/tests/unit/%.o lib/libdrove.a
	@mkdir -p bin/tests
	$(CC) $(ALL_LDFLAGS) -o $@ $< lib/libdrove.a $(LIBS)

deps:
	scripts/install-deps

# A build that fails still ends with the closing line of the tests.
check: deps
	@$(MAKE) DEVELOPER=1 all || { echo "0 passed, 1 failed"; exit 1; }
	scripts/run-tests

unit: all
	scripts/run-tests unit

demo: deps all
	scripts/demo

# libFuzzer harnesses (clang): `make fuzz` builds bin/fuzz/fz_*, `make
# fuzz-run FUZZ_SECONDS=60` runs each on its corpus in tests/fuzz/corpus/.
FUZZ_SRC  := $(wildcard tests/fuzz/fz_*.c)
FUZZERS   := $(patsubst tests/fuzz/%.c,bin/fuzz/%,$(FUZZ_SRC))
FUZZ_SECONDS ?= 30
FUZZ_FLAGS = -g -O1 -fsanitize=fuzzer,address,undefined -std=c11 \
	-D_POSIX_C_SOURCE=200809L -DTHREADED -Ilib

fuzz: $(FUZZERS)

$(FUZZERS): bin/fuzz/%: tests/fuzz/%.c $(LIB_SRC) $(wildcard lib/*.h tests/fuzz/*.h)
	@mkdir -p bin/fuzz
	clang $(FUZZ_FLAGS) -o $@ $< $(LIB_SRC) $(LIBS)

fuzz-run: fuzz
	for f in $(FUZZERS); do n=$$(basename $$f); \
		mkdir -p tests/fuzz/corpus/$$n /tmp/drove-fuzz/$$n; \
		$$f -max_total_time=$(FUZZ_SECONDS) /tmp/drove-fuzz/$$n \
			tests/fuzz/corpus/$$n || exit 1; done

lint:
	cppcheck --enable=warning,portability,performance --error-exitcode=1 --inline-suppr -q \
		-Ilib --include=/usr/include/jansson.h -DTHREADED lib cmd
	mandoc -Tlint -Wwarning man/*.[1-8]
	shellcheck check demo scripts/*

# share/web (the web console) is installed when the tree has one.
install: all
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/share/drove
	install -m 755 $(BINS) $(DESTDIR)$(PREFIX)/bin
	for m in man/*.[1-8]; do s=$${m##*.}; \
		install -d $(DESTDIR)$(MANDIR)/man$$s && \
		install -m 644 $$m $(DESTDIR)$(MANDIR)/man$$s || exit 1; done
	cp -R sv $(DESTDIR)$(PREFIX)/share/drove/
	if [ -d share/web ]; then cp -R share/web $(DESTDIR)$(PREFIX)/share/drove/; fi

clean:
	rm -rf bin obj lib/libdrove.a

FORCE:

.PHONY: all deps check unit demo fuzz fuzz-run lint install clean FORCE
.PRECIOUS: obj/%.o
-include $(shell find obj -name '*.d' 2>/dev/null)


bench: $(BENCH_BINS)

$(BENCH_BINS): bin/bench/%: obj/bench/%.o lib/libdrove.a
	@mkdir -p bin/bench
	$(CC) $(ALL_LDFLAGS) -o $@ $< lib/libdrove.a $(LIBS)

.PHONY: bench
