/*
 * pool.h - a few worker threads that split a loop with the caller.  A
 * pool belongs to the object that made it (the GAN step); there is no
 * global one.  Workers sleep between jobs, so they never compete with
 * OpenBLAS's threads for the cores.
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
 * Runs task(ctx, i, parts) for every i, part 0 on the calling thread,
 * and returns when all are done.  In a process forked from the one that
 * made the pool (which has none of its threads) it runs every part on
 * the caller, so a forked child never waits for a worker.
 */
void lg_pool_run(lg_pool *pool, lg_task task, void *ctx);

/* Stops the workers and frees the pool; NULL is allowed. */
void lg_pool_free(lg_pool *pool);

#endif
