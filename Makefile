# lgan - build, test, demo.  `make demo` and `make check` are the two
# commands of the README; each installs what it needs first.

LUA      ?= lua5.4
PKGS      = lua5.4 openblas stb zlib
CC       ?= gcc
# -fno-math-errno and -fno-trapping-math let sqrtf and the activations'
# selects vectorise (lgan reads neither errno nor floating-point traps);
# Adam's loop is a third of a step without them.  No -ffast-math: the
# results must stay those of IEEE arithmetic, run to run.
CFLAGS   ?= -O3 -fno-math-errno -fno-trapping-math -g
WARN      = -std=c11 -Wall -Wextra -Wshadow -Wmissing-prototypes \
            -Wstrict-prototypes -Wpointer-arith -Wcast-qual -Wvla
PKG_CFLAGS := $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS   := $(shell pkg-config --libs openblas stb zlib 2>/dev/null)

# LuaRocks (the rockspec builds with this Makefile) says where it found
# Lua and the libraries, from OPENBLAS_DIR and friends; those folders
# come before pkg-config's.
DIR_CFLAGS = $(if $(LUA_INCDIR),-I$(LUA_INCDIR)) \
             $(if $(OPENBLAS_INCDIR),-I$(OPENBLAS_INCDIR)) \
             $(if $(STB_INCDIR),-I$(STB_INCDIR)/stb) \
             $(if $(ZLIB_INCDIR),-I$(ZLIB_INCDIR))
DIR_LIBS   = $(if $(OPENBLAS_LIBDIR),-L$(OPENBLAS_LIBDIR)) \
             $(if $(STB_LIBDIR),-L$(STB_LIBDIR)) \
             $(if $(ZLIB_LIBDIR),-L$(ZLIB_LIBDIR))
# -ffp-contract=off: the same sums on every CPU, whichever clone of a
# loop (csrc/tensor.h, LG_CLONES) it picks.
ALL_CFLAGS  = $(WARN) $(WERROR) -fPIC -ffp-contract=off \
              -D_POSIX_C_SOURCE=200809L \
              $(DIR_CFLAGS) $(PKG_CFLAGS) $(CFLAGS)
LDLIBS      = $(DIR_LIBS) $(PKG_LIBS) -lopenblas -lstb -lz -lpthread -lm

SRC     := $(wildcard csrc/*.c)
OBJ     := $(SRC:csrc/%.c=build/obj/%.o)
MODULE  := build/lgan/core.so

PREFIX  ?= /usr/local
# Where `make install` puts things; LuaRocks sets all three.
INST_LIBDIR ?= $(PREFIX)/lib/lua/5.4
INST_LUADIR ?= $(PREFIX)/share/lua/5.4
INST_BINDIR ?= $(PREFIX)/bin

# Lets `lua5.4 bin/lgan` and the specs find the module in the checkout.
RUN = LUA_CPATH='build/?.so;;' LUA_PATH='lua/?.lua;lua/?/init.lua;;'

DATA ?= data/mnist
EPOCHS ?= 5

.PHONY: all deps data demo check test lint clean install bench embed \
        embed-test doc FORCE

all: $(MODULE)

# The flags of the last build: objects built with others are rebuilt,
# so that `make check`'s -Werror build compiles every file even after a
# plain `make`.
FLAGS_STAMP = build/obj/flags
$(FLAGS_STAMP): FORCE | build/obj
	@echo '$(CC) $(ALL_CFLAGS)' | cmp -s - $@ || \
	  echo '$(CC) $(ALL_CFLAGS)' > $@

build/obj/%.o: csrc/%.c $(wildcard csrc/*.h) $(FLAGS_STAMP) | build/obj
	$(CC) $(ALL_CFLAGS) -c $< -o $@

$(MODULE): $(OBJ) | build/lgan
	$(CC) -shared -o $@ $(OBJ) $(LDLIBS)

build/obj build/lgan:
	mkdir -p $@

deps:
	tools/install-deps.sh

data: deps
	tools/fetch-mnist.sh $(DATA)

demo: deps data
	$(MAKE) all
	$(RUN) $(LUA) bin/lgan train --data $(DATA) --epochs $(EPOCHS) \
	  $(if $(wildcard runs/demo/checkpoint.safetensors),--resume,--out) \
	  runs/demo

test: all build/embed/host
	$(RUN) tools/run-specs.sh spec

# The test command: lint, a warning-free build, two lua_States training
# at once in one process and a forked host, the fuzz corpus replayed
# under ASan and UBSan, the MPI test (skipped without MPI), the specs.
check: deps
	$(MAKE) lint
	$(MAKE) all embed-test WERROR=-Werror
	$(MAKE) fuzz-replay
	$(MAKE) mpi-test
	$(MAKE) test

# A host program embedding lgan (examples/embed), and the two-thread test.
EMBED_FLAGS = $(WARN) $(WERROR) -O2 -D_POSIX_C_SOURCE=200809L \
              $(shell pkg-config --cflags --libs lua5.4) -lpthread
embed: build/embed/host build/embed/two_states build/embed/fork_after

build/embed/%: examples/embed/%.c | build/lgan
	mkdir -p build/embed
	$(CC) $< -o $@ $(EMBED_FLAGS)

embed-test: all build/embed/two_states build/embed/fork_after
	$(RUN) build/embed/two_states
	$(RUN) build/embed/fork_after

lint:
	luacheck --no-color -q lua bin/lgan examples bench spec tools

# The API reference (LDoc) in build/doc; any LDoc warning, or a public
# function without a doc comment, fails it.
doc:
	tools/install-deps.sh lua-ldoc
	mkdir -p build
	ldoc . 2>&1 | tee build/ldoc.log
	! grep -q '\.lua:[0-9]' build/ldoc.log
	$(LUA) tools/check-docs.lua

install: all
	install -d $(DESTDIR)$(INST_LIBDIR)/lgan $(DESTDIR)$(INST_LUADIR)/lgan \
	  $(DESTDIR)$(INST_BINDIR)
	install -m 755 $(MODULE) $(DESTDIR)$(INST_LIBDIR)/lgan/core.so
	install -m 644 lua/lgan/*.lua $(DESTDIR)$(INST_LUADIR)/lgan/
	install -m 755 bin/lgan $(DESTDIR)$(INST_BINDIR)/lgan

build/gemm_bound: bench/gemm_bound.c | build/obj
	$(CC) $(WARN) -O2 -D_POSIX_C_SOURCE=200809L $(PKG_CFLAGS) $< -o $@ $(PKG_LIBS)

bench: 
	tools/install-deps.sh python3-torch
	$(MAKE) all build/gemm_bound
	$(RUN) $(LUA) bench/bench.lua

clean:
	rm -rf build

# Fuzzing and memory checks (issue: hostile input).
-include mk/fuzz.mk

# Data-parallel training over MPI (issue 8): make MPI=1, mpi-test.
-include mk/mpi.mk
