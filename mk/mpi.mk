# mk/mpi.mk - data-parallel training over MPI (issue 8), included by the
# Makefile.  Nothing here is built or needed unless asked for.
#
#   make MPI=1           also builds build/lgan/mpi.so, the C part of
#                        lgan.dist, after making sure Debian's Open MPI
#                        (MPI_DEBS) is installed; `make MPI=1 install`
#                        installs it beside lgan/core.so
#   make mpi             builds only that module (what lgan-mpi's
#                        rockspec runs)
#   make mpi-test        the data-parallel tests under mpirun (2 ranks
#                        against 1 process; a rank killed mid-run); says
#                        SKIP and succeeds when MPI is not installed
#   make mpi-bench       steps/s with 1 and 2 ranks and the time of the
#                        gradients' all-reduce (MNIST, from `make data`)
#
# MPI_PKG is the pkg-config name of the MPI library: ompi-c (Open MPI)
# when it is there, else mpich.  MPI_DEBS are the Debian packages
# `make MPI=1` installs; empty, it installs nothing.

MPI_MODULE  = build/lgan/mpi.so
MPI_OBJ     = $(patsubst csrc/mpi/%.c,build/obj/mpi/%.o,\
                $(wildcard csrc/mpi/*.c))
MPI_DEBS   ?= libopenmpi-dev openmpi-bin
MPI_PKG    ?= $(if $(shell pkg-config --exists ompi-c 2>/dev/null && \
                echo y),ompi-c,mpich)
# -isystem: the MPI headers are not held to lgan's warnings.
MPI_CFLAGS  = $(patsubst -I%,-isystem %,\
                $(shell pkg-config --cflags $(MPI_PKG) 2>/dev/null))
MPI_LIBS    = $(shell pkg-config --libs $(MPI_PKG) 2>/dev/null)
MPIRUN     ?= mpirun

.PHONY: mpi mpi-deps mpi-test mpi-bench install-mpi

ifeq ($(MPI),1)
all: $(MPI_MODULE)
install: install-mpi
endif

mpi: $(MPI_MODULE)

mpi-deps:
	$(if $(strip $(MPI_DEBS)),tools/install-deps.sh $(MPI_DEBS))

build/obj/mpi/%.o: csrc/mpi/%.c $(wildcard csrc/mpi/*.h csrc/*.h) \
    | build/obj/mpi mpi-deps
	$(CC) $(ALL_CFLAGS) -Icsrc $(MPI_CFLAGS) -c $< -o $@

# lua/lgan/dist.lua is lgan's own (plain `make install` puts it in
# place); it says so when this module is missing.
# The core's error formatting is linked in: this module calls nothing
# of lgan/core.so.
$(MPI_MODULE): $(MPI_OBJ) build/obj/error.o | build/lgan
	$(CC) -shared -o $@ $^ $(MPI_LIBS)

build/obj/mpi:
	mkdir -p $@

install-mpi: $(MPI_MODULE)
	install -d $(DESTDIR)$(INST_LIBDIR)/lgan
	install -m 755 $(MPI_MODULE) $(DESTDIR)$(INST_LIBDIR)/lgan/mpi.so

# Installing MPI is not part of the tests: without mpirun or the MPI
# library they are skipped, with a line that says so.
MPI_MISSING = $(if $(shell command -v $(MPIRUN) 2>/dev/null),,$(MPIRUN))\
  $(if $(shell pkg-config --exists $(MPI_PKG) 2>/dev/null && echo y),,\
  $(MPI_PKG))

# Open MPI runs as root only when told to, and more processes than cores
# only with --oversubscribe; MPICH needs neither and ignores the first.
MPI_ROOT     = OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
MPIRUN_FLAGS = $(if $(shell $(MPIRUN) --version 2>&1 | grep 'Open MPI'),\
                 --oversubscribe)

mpi-test:
	@if [ -n "$(strip $(MPI_MISSING))" ]; then \
	  echo "mpi-test: SKIP: MPI is not installed (missing:" \
	    "$(strip $(MPI_MISSING))); tools/install-deps.sh $(MPI_DEBS)" \
	    "installs it"; \
	else \
	  $(MAKE) --no-print-directory all MPI=1 MPI_DEBS= && \
	  $(RUN) $(MPI_ROOT) timeout 120 $(MPIRUN) -np 2 $(MPIRUN_FLAGS) \
	    $(LUA) spec/mpi/dist_api.lua && \
	  $(RUN) $(LUA) spec/mpi/equal_steps.lua && \
	  $(RUN) $(LUA) spec/mpi/kill_rank.lua; \
	fi

mpi-bench:
	$(MAKE) --no-print-directory all MPI=1
	$(RUN) $(LUA) bench/mpi_bench.lua
