/*
 * pool.h - a few worker threads that run a job with the caller, each on
 * its share.  A pool belongs to the object that made it (the GAN step);
 * there is no global one.  Workers sleep between jobs; inside a job the
 * parts may meet at barriers, where they spin briefly before yielding.
 */
#ifndef LGAN_POOL_H
#define LGAN_POOL_H

#include "alloc.h"

/* A job: do part `part` of `parts` equal shares of the work in ctx. */
typedef void (*lg_task)(void *ctx, int part, int parts);

typedef struct lg_pool lg_pool;

/* A pool of `threads` parts in all, the caller's included (1 means no
 * worker thread).  NULL when memory or threads run out. */
lg_pool *lg_pool_new(int threads, lg_allocator allocator);

/* Parts in all. */
int lg_pool_parts(const lg_pool *pool);

/*
 * Runs task(ctx, i, parts) for every i at once, part 0 on the calling
 * thread, and returns when all are done.  In a process forked from the
 * one that made the pool (which has none of its threads) it runs
 * task(ctx, 0, 1) on the caller, so a forked child never waits for a
 * worker; a task must therefore split its work by the parts it is given.
 */
void lg_pool_run(lg_pool *pool, lg_task task, void *ctx);

/*
 * Inside a task: returns when every part of the running job has called
 * it as often.  Writes made before it by one part are seen after it by
 * all.  With one part it returns at once.
 */
void lg_pool_barrier(lg_pool *pool);

/* Stops the workers and frees the pool; NULL is allowed. */
void lg_pool_free(lg_pool *pool);

#endif
