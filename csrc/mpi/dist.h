/*
 * dist.h - data-parallel training over MPI, without Lua: the world of
 * processes, a reducer for the fused step (gan.h) that averages
 * gradients with one all-reduce per network, and the few collective
 * calls a trainer needs.  Built only with `make MPI=1`; link it with
 * the core and an MPI library (Open MPI or MPICH).
 *
 * Every call works on MPI_COMM_WORLD, whose error handler lg_dist_init
 * sets to MPI_ERRORS_RETURN: a failing MPI call comes back as -1 with
 * MPI's own words in err, and lgan never aborts the process itself.
 * Collective calls (all but lg_dist_rank and lg_dist_size) must be made
 * by every process, in the same order.
 */
#ifndef LGAN_DIST_H
#define LGAN_DIST_H

#include <stdint.h>

#include "error.h"
#include "gan.h"

/*
 * A reducer over MPI_COMM_WORLD, with the time spent in it.  base comes
 * first, so a pointer to the struct is a pointer to its lg_reducer;
 * base.ctx points back at the struct.  Index 0 counts the
 * discriminator's gradients, 1 the generator's, 2 the statistics.
 */
typedef struct lg_dist_reducer {
  lg_reducer base;
  double seconds[3];
  int64_t calls[3];
  int64_t values[3];
} lg_dist_reducer;

/* Starts MPI (MPI_Init_thread, MPI_THREAD_FUNNELED: only the thread that
 * called it makes MPI calls) unless a host already has, and makes MPI
 * errors on MPI_COMM_WORLD return.  Returns 0, or -1 with err set. */
int lg_dist_init(lg_err *err);

/* Whether MPI is running: started and not yet finalized. */
int lg_dist_running(void);

/* This process's rank in MPI_COMM_WORLD and the number of processes. */
int lg_dist_rank(int *rank, lg_err *err);
int lg_dist_size(int *world, lg_err *err);

/* The number of processes on this machine (sharing its memory), for
 * sharing out its cores.  Collective. */
int lg_dist_local_size(int *n, lg_err *err);

/*
 * Fills r so that the fused step averages each network's flat gradients
 * (one MPI_Allreduce in place, a sum, then a scale by 1 / world) and
 * the four statistics (likewise, in doubles).  Needs lg_dist_init.
 */
int lg_dist_reducer_init(lg_dist_reducer *r, lg_err *err);

/* v[n] becomes its average over all processes, in place.  Collective. */
int lg_dist_average(float *v, int64_t n, lg_err *err);

/* v[n] is replaced by root's v[n] on every process.  Collective. */
int lg_dist_broadcast(float *v, int64_t n, int root, lg_err *err);

/* Returns when every process has called it. */
int lg_dist_barrier(lg_err *err);

/* Ends MPI in this process (MPI_Finalize); collective, and nothing of
 * MPI can be used afterwards.  Does nothing if MPI is not running. */
int lg_dist_finalize(lg_err *err);

/* MPI_Abort on MPI_COMM_WORLD with code: ends every process of the job.
 * For a program's own failure path; lgan's library never calls it. */
void lg_dist_abort(int code);

#endif
