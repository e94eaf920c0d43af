# mk/fuzz.mk - fuzzing and memory checks, included by the Makefile.
#
#   make fuzz          builds the libFuzzer targets (fuzz/*_fuzz.c) with
#                      AddressSanitizer and UndefinedBehaviorSanitizer,
#                      runs each for FUZZ_SECONDS and merges the inputs
#                      that add coverage into fuzz/corpus/<target>/
#   make fuzz-replay   runs every input of fuzz/corpus/ once through the
#                      same binaries; any sanitizer report fails it
#   make check-memory  runs the specs against a core built with ASan,
#                      LeakSanitizer and UBSan: any report fails it
#   make check-memory-valgrind  the same under valgrind (an hour)
#   make check-threads  the fused step's specs against a core built with
#                      ThreadSanitizer: any report fails it
#
# The targets: idx (csrc/idx.c, plain and gzip), checkpoint
# (lua/lgan/checkpoint.lua's load and what it feeds the core) and tensor
# (lgan.tensor from nested tables and from sizes).  A crash leaves its
# input in build/fuzz/crashes/; reproduce it with
# `build/fuzz/<target>_fuzz FILE`.  FUZZ_STRICT=1 also counts internal
# Lua errors ("attempt to ...") in the code under test as crashes.

FUZZ_CC      ?= clang-14
FUZZ_SECONDS ?= 60
FUZZ_TARGETS  = idx checkpoint tensor
FUZZ_DEPS     = clang-14 libclang-rt-14-dev

# -fno-sanitize-recover=all: the first report of either sanitizer ends
# the run with an error, so that a replay cannot pass with one.
FUZZ_SAN     = -fsanitize=address,undefined -fno-sanitize-recover=all \
               -fno-omit-frame-pointer
FUZZ_CFLAGS  = $(WARN) -O1 -g -D_POSIX_C_SOURCE=200809L $(PKG_CFLAGS) \
               $(FUZZ_SAN) -fsanitize=fuzzer-no-link
FUZZ_LIBS    = $(PKG_LIBS) $(shell pkg-config --libs lua5.4 2>/dev/null) \
               -l:liblua5.4-cjson.so.0 -lpthread -lm

FUZZ_OBJ_DIR = build/fuzz/obj
FUZZ_HARNESS = build/fuzz/harness
FUZZ_CORE    = $(SRC:csrc/%.c=$(FUZZ_OBJ_DIR)/%.o)
# The IDX target needs no Lua: the core without its bindings.
FUZZ_PLAIN   = $(filter-out $(FUZZ_OBJ_DIR)/lua_%.o,$(FUZZ_CORE))
FUZZ_BINS    = $(FUZZ_TARGETS:%=build/fuzz/%_fuzz)

# For a replay: every report is fatal, leaks included.
FUZZ_ENV     = ASAN_OPTIONS=detect_leaks=1:abort_on_error=0 \
               UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1

.PHONY: fuzz fuzz-build fuzz-replay fuzz-deps check-memory check-threads

fuzz-deps:
	tools/install-deps.sh $(FUZZ_DEPS)

fuzz-build: fuzz-deps
	$(MAKE) $(FUZZ_BINS)

$(FUZZ_OBJ_DIR)/%.o: csrc/%.c $(wildcard csrc/*.h) | $(FUZZ_OBJ_DIR)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -c $< -o $@

$(FUZZ_HARNESS)/%.o: fuzz/%.c $(wildcard fuzz/*.h csrc/*.h) \
    | $(FUZZ_HARNESS)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -Icsrc -DFZ_LUA_DIR='"$(CURDIR)/lua"' \
	  -c $< -o $@

$(FUZZ_OBJ_DIR) $(FUZZ_HARNESS):
	mkdir -p $@

build/fuzz/idx_fuzz: $(FUZZ_HARNESS)/idx_fuzz.o \
    $(FUZZ_HARNESS)/fuzz_scratch.o $(FUZZ_PLAIN)
	$(FUZZ_CC) $(FUZZ_SAN) -fsanitize=fuzzer $^ -o $@ $(FUZZ_LIBS)

build/fuzz/%_fuzz: $(FUZZ_HARNESS)/%_fuzz.o \
    $(FUZZ_HARNESS)/fuzz_scratch.o $(FUZZ_HARNESS)/fuzz_lua.o $(FUZZ_CORE)
	$(FUZZ_CC) $(FUZZ_SAN) -fsanitize=fuzzer $^ -o $@ $(FUZZ_LIBS)

# New inputs go to build/fuzz/new/<target>; only those that add coverage
# are merged into the corpus, which stays small.  fuzz/<target>.dict, if
# there is one, gives the fuzzer words of the format.  Run as a low-priority
# job: it keeps a core busy for FUZZ_SECONDS per target.
fuzz: fuzz-build
	@set -e; for t in $(FUZZ_TARGETS); do \
	  mkdir -p build/fuzz/new/$$t build/fuzz/crashes fuzz/corpus/$$t; \
	  echo "fuzz: $$t for $(FUZZ_SECONDS) s"; \
	  dict=; [ ! -f fuzz/$$t.dict ] || dict=-dict=fuzz/$$t.dict; \
	  nice -n 19 build/fuzz/$${t}_fuzz -max_total_time=$(FUZZ_SECONDS) \
	    -timeout=60 -print_final_stats=1 $$dict \
	    -artifact_prefix=build/fuzz/crashes/$$t- \
	    build/fuzz/new/$$t fuzz/corpus/$$t; \
	  build/fuzz/$${t}_fuzz -merge=1 fuzz/corpus/$$t build/fuzz/new/$$t \
	    2>&1 | tail -1; \
	done

# Each file once, in order; a sanitizer report or a leak fails the make.
fuzz-replay: fuzz-build
	@set -e; for t in $(FUZZ_TARGETS); do \
	  n=$$(ls fuzz/corpus/$$t | wc -l); \
	  $(FUZZ_ENV) build/fuzz/$${t}_fuzz fuzz/corpus/$$t/* \
	    >build/fuzz/replay-$$t.log 2>&1 \
	    || { cat build/fuzz/replay-$$t.log; \
	         echo "fuzz-replay: $$t failed"; exit 1; }; \
	  echo "fuzz-replay: $$t: $$n inputs, no report"; \
	done

# Keep the objects between builds (make would delete them as
# intermediates of the pattern rule above).
.PRECIOUS: $(FUZZ_OBJ_DIR)/%.o $(FUZZ_HARNESS)/%.o

# The specs against a core built with AddressSanitizer (LeakSanitizer
# included) and UndefinedBehaviorSanitizer, loaded by the stock lua5.4
# with the ASan runtime preloaded.  Every process the specs start
# inherits the preload and reports too; reports go to files under
# build/asan/, and any file there fails the make, whatever the exit
# status of the process that wrote it.  mk/lsan.supp lists the leaks of
# other programs the specs run (gnuplot).  About as fast as `make test`.
#
# check-memory-valgrind runs the specs against the ordinary build under
# valgrind's memcheck instead (invalid accesses, uninitialised values,
# definite leaks; memory still reachable at exit is not a leak).  It
# takes about an hour.
#
# busted runs inside the checked process, not through --lua (which would
# start another interpreter).  In ASAN_RUN, "$\" ends a line that goes on
# without a space.
BUSTED    ?= /usr/bin/busted
SPECS     ?= spec
ASAN_CC    = gcc
ASAN_SAN   = -fsanitize=address,undefined -fno-sanitize-recover=all \
             -fno-omit-frame-pointer
ASAN_OBJ   = $(SRC:csrc/%.c=build/asan/obj/%.o)
ASAN_MOD   = build/asan/lgan/core.so
ASAN_LOG   = $(CURDIR)/build/asan/report
ASAN_RUN   = LD_PRELOAD="$$($(ASAN_CC) -print-file-name=libasan.so)" \
             ASAN_OPTIONS=detect_leaks=1:log_path=$(ASAN_LOG) \
             LSAN_OPTIONS=suppressions=$(CURDIR)/mk/lsan.supp$\
             :print_suppressions=0 \
             UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1$\
             :log_path=$(ASAN_LOG) \
             LUA_CPATH='build/asan/?.so;;' \
             LUA_PATH='lua/?.lua;lua/?/init.lua;;'
VALGRIND   = valgrind --error-exitcode=1 --leak-check=full \
             --errors-for-leak-kinds=definite --show-leak-kinds=definite \
             --num-callers=30

.PHONY: check-memory-valgrind

build/asan/obj/%.o: csrc/%.c $(wildcard csrc/*.h) | build/asan/obj
	$(ASAN_CC) $(WARN) -fPIC -O1 -g -D_POSIX_C_SOURCE=200809L \
	  $(PKG_CFLAGS) $(ASAN_SAN) -c $< -o $@

$(ASAN_MOD): $(ASAN_OBJ) | build/asan/lgan
	$(ASAN_CC) -shared $(ASAN_SAN) -o $@ $(ASAN_OBJ) $(LDLIBS)

build/asan/obj build/asan/lgan:
	mkdir -p $@

check-memory: deps
	$(MAKE) $(ASAN_MOD)
	@rm -f $(ASAN_LOG).*
	@status=0; $(ASAN_RUN) $(LUA) $(BUSTED) $(SPECS) || status=$$?; \
	if ls $(ASAN_LOG).* >/dev/null 2>&1; then \
	  cat $(ASAN_LOG).*; \
	  echo "check-memory: sanitizer reports above"; exit 1; \
	fi; \
	[ $$status -eq 0 ] || { echo "check-memory: specs failed"; exit 1; }; \
	echo "check-memory: no sanitizer report"

check-memory-valgrind:
	tools/install-deps.sh valgrind
	$(MAKE) all
	$(RUN) $(VALGRIND) $(LUA) $(BUSTED) $(SPECS)

# The specs that run the fused step (with 1, 2 and 3 threads in its
# team) against a core built with ThreadSanitizer, runtime preloaded as
# above.  OpenBLAS's own threads synchronise in ways the tool cannot see,
# so OpenBLAS stays on one thread here (OPENBLAS_NUM_THREADS=1, which
# such a core never raises): every thread the tool watches is lgan's.
THREAD_SPECS ?= spec/gan_spec.lua spec/cgan_spec.lua spec/reducer_spec.lua
TSAN_SAN  = -fsanitize=thread
TSAN_OBJ  = $(SRC:csrc/%.c=build/tsan/obj/%.o)
TSAN_MOD  = build/tsan/lgan/core.so
TSAN_LOG  = $(CURDIR)/build/tsan/report

build/tsan/obj/%.o: csrc/%.c $(wildcard csrc/*.h) | build/tsan/obj
	$(ASAN_CC) $(WARN) -fPIC -O1 -g -D_POSIX_C_SOURCE=200809L \
	  $(PKG_CFLAGS) $(TSAN_SAN) -c $< -o $@

$(TSAN_MOD): $(TSAN_OBJ) | build/tsan/lgan
	$(ASAN_CC) -shared $(TSAN_SAN) -o $@ $(TSAN_OBJ) $(LDLIBS)

build/tsan/obj build/tsan/lgan:
	mkdir -p $@

check-threads: deps
	$(MAKE) $(TSAN_MOD)
	@rm -f $(TSAN_LOG).*
	@status=0; \
	LD_PRELOAD="$$($(ASAN_CC) -print-file-name=libtsan.so)" \
	  TSAN_OPTIONS=log_path=$(TSAN_LOG) OPENBLAS_NUM_THREADS=1 \
	  LUA_CPATH='build/tsan/?.so;;' LUA_PATH='lua/?.lua;lua/?/init.lua;;' \
	  $(LUA) $(BUSTED) $(THREAD_SPECS) || status=$$?; \
	if ls $(TSAN_LOG).* >/dev/null 2>&1; then \
	  cat $(TSAN_LOG).*; \
	  echo "check-threads: ThreadSanitizer reports above"; exit 1; \
	fi; \
	[ $$status -eq 0 ] || { echo "check-threads: specs failed"; exit 1; }; \
	echo "check-threads: no ThreadSanitizer report"
