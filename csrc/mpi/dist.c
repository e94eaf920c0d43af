/*
 * dist.c - data-parallel training over MPI (see dist.h).
 */
#include "dist.h"

#include <mpi.h>
#include <stdio.h>
#include <string.h>

/* The most values one MPI call moves: its count is an int. */
#define CHUNK ((int64_t)1 << 30)

/* Fills err with "what failed: MPI's message" and returns -1. */
static int mpi_fail(lg_err *err, const char *what, int code)
{
  char text[MPI_MAX_ERROR_STRING];
  int len = 0;

  if (MPI_Error_string(code, text, &len) != MPI_SUCCESS)
    snprintf(text, sizeof text, "MPI error code %d", code);
  return lg_fail(err, "%s failed: %s", what, text);
}

static int need_running(lg_err *err)
{
  if (!lg_dist_running())
    return lg_fail(err, "MPI is not running (call init first)");
  return 0;
}

int lg_dist_running(void)
{
  int started = 0, ended = 0;

  MPI_Initialized(&started);
  MPI_Finalized(&ended);
  return started && !ended;
}

int lg_dist_init(lg_err *err)
{
  int started = 0, ended = 0, provided, rc;

  MPI_Initialized(&started);
  MPI_Finalized(&ended);
  if (ended)
    return lg_fail(err, "MPI was finalized; it cannot start again in "
                   "this process");
  if (!started) {
    rc = MPI_Init_thread(NULL, NULL, MPI_THREAD_FUNNELED, &provided);
    if (rc != MPI_SUCCESS)
      return mpi_fail(err, "MPI_Init_thread", rc);
  }
  rc = MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_RETURN);
  if (rc != MPI_SUCCESS)
    return mpi_fail(err, "MPI_Comm_set_errhandler", rc);
  return 0;
}

int lg_dist_rank(int *rank, lg_err *err)
{
  int rc;

  if (need_running(err))
    return -1;
  rc = MPI_Comm_rank(MPI_COMM_WORLD, rank);
  return rc == MPI_SUCCESS ? 0 : mpi_fail(err, "MPI_Comm_rank", rc);
}

int lg_dist_size(int *world, lg_err *err)
{
  int rc;

  if (need_running(err))
    return -1;
  rc = MPI_Comm_size(MPI_COMM_WORLD, world);
  return rc == MPI_SUCCESS ? 0 : mpi_fail(err, "MPI_Comm_size", rc);
}

int lg_dist_local_size(int *n, lg_err *err)
{
  MPI_Comm node;
  int rc;

  if (need_running(err))
    return -1;
  rc = MPI_Comm_split_type(MPI_COMM_WORLD, MPI_COMM_TYPE_SHARED, 0,
                           MPI_INFO_NULL, &node);
  if (rc != MPI_SUCCESS)
    return mpi_fail(err, "MPI_Comm_split_type", rc);
  rc = MPI_Comm_size(node, n);
  MPI_Comm_free(&node);
  return rc == MPI_SUCCESS ? 0 : mpi_fail(err, "MPI_Comm_size", rc);
}

/* Sums n values of type t over all processes, in place, in calls of at
 * most CHUNK values. */
static int sum_in_place(void *v, int64_t n, MPI_Datatype t, size_t size,
                        lg_err *err)
{
  char *at = v;

  for (int64_t done = 0; done < n; done += CHUNK) {
    int count = (int)(n - done < CHUNK ? n - done : CHUNK);
    int rc = MPI_Allreduce(MPI_IN_PLACE, at + done * (int64_t)size, count,
                           t, MPI_SUM, MPI_COMM_WORLD);

    if (rc != MPI_SUCCESS)
      return mpi_fail(err, "MPI_Allreduce", rc);
  }
  return 0;
}

int lg_dist_average(float *v, int64_t n, lg_err *err)
{
  int world;
  float scale;

  if (lg_dist_size(&world, err) || sum_in_place(v, n, MPI_FLOAT, 4, err))
    return -1;
  if (world == 1)
    return 0;
  scale = (float)(1.0 / world);
  for (int64_t i = 0; i < n; i++)
    v[i] *= scale;
  return 0;
}

/* The reducer's two callbacks: an average, timed. */
static int reduce_grads(void *ctx, float *grads, int64_t n, int net,
                        lg_err *err)
{
  lg_dist_reducer *r = ctx;
  double start = MPI_Wtime();

  if (lg_dist_average(grads, n, err))
    return -1;
  r->seconds[net] += MPI_Wtime() - start;
  r->calls[net]++;
  r->values[net] += n;
  return 0;
}

static int reduce_stats(void *ctx, double *stats, int n, lg_err *err)
{
  lg_dist_reducer *r = ctx;
  double start = MPI_Wtime();

  if (sum_in_place(stats, n, MPI_DOUBLE, sizeof *stats, err))
    return -1;
  for (int i = 0; i < n; i++)
    stats[i] /= r->base.world;
  r->seconds[2] += MPI_Wtime() - start;
  r->calls[2]++;
  r->values[2] += n;
  return 0;
}

int lg_dist_reducer_init(lg_dist_reducer *r, lg_err *err)
{
  memset(r, 0, sizeof *r);
  if (lg_dist_rank(&r->base.rank, err) || lg_dist_size(&r->base.world, err))
    return -1;
  r->base.grads = reduce_grads;
  r->base.stats = reduce_stats;
  r->base.ctx = r;
  return 0;
}

int lg_dist_broadcast(float *v, int64_t n, int root, lg_err *err)
{
  if (need_running(err))
    return -1;
  for (int64_t done = 0; done < n; done += CHUNK) {
    int count = (int)(n - done < CHUNK ? n - done : CHUNK);
    int rc = MPI_Bcast(v + done, count, MPI_FLOAT, root, MPI_COMM_WORLD);

    if (rc != MPI_SUCCESS)
      return mpi_fail(err, "MPI_Bcast", rc);
  }
  return 0;
}

int lg_dist_barrier(lg_err *err)
{
  int rc;

  if (need_running(err))
    return -1;
  rc = MPI_Barrier(MPI_COMM_WORLD);
  return rc == MPI_SUCCESS ? 0 : mpi_fail(err, "MPI_Barrier", rc);
}

int lg_dist_finalize(lg_err *err)
{
  int rc;

  if (!lg_dist_running())
    return 0;
  rc = MPI_Finalize();
  return rc == MPI_SUCCESS ? 0 : mpi_fail(err, "MPI_Finalize", rc);
}

void lg_dist_abort(int code)
{
  if (lg_dist_running())
    MPI_Abort(MPI_COMM_WORLD, code);
}
