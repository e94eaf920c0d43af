/*
 * pool.c - worker threads on a mutex and two condition variables: one
 * job at a time, numbered so that a worker runs each job once.  A thread
 * with nothing to do watches for a while before it sleeps.  The barrier
 * inside a job is a counter and a generation number.
 */
#include "pool.h"

#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <string.h>
#include <sys/types.h>
#include <unistd.h>

struct lg_pool {
  lg_allocator allocator;
  int parts, started;
  pid_t owner;
  pthread_mutex_t mu;
  pthread_cond_t wake, done;
  /* The job's number, raised once its task and ctx are in place; the
   * workers still on it; set once to end the workers. */
  atomic_ulong job;
  atomic_int pending, stop;
  lg_task task;
  void *ctx;
  /* Parts of the running job, and its barrier. */
  int running;
  atomic_int arrived;
  atomic_uint generation;
  pthread_t threads[];
};

typedef struct worker_arg {
  lg_pool *pool;
  int part;
} worker_arg;

static void cpu_relax(void)
{
#if defined(__x86_64__) || defined(__i386__)
  __builtin_ia32_pause();
#endif
}

/*
 * A training loop asks for the next step a few microseconds after the
 * last one returned, and a sleeping thread takes tens of microseconds to
 * wake: a worker done with a job, and a caller waiting for its workers,
 * watch for about a tenth of a millisecond before they sleep.
 */
#define SPINS_BEFORE_SLEEP 5000

/* A wait at a barrier is usually a few microseconds, far less than a
 * sleep and a wake-up cost; spinning that long, then yielding, keeps a
 * busy machine usable. */
#define SPINS_BEFORE_YIELD 20000

static int no_new_job(lg_pool *p, unsigned long seen)
{
  return atomic_load_explicit(&p->job, memory_order_acquire) == seen &&
         !atomic_load_explicit(&p->stop, memory_order_acquire);
}

static void *worker(void *arg)
{
  lg_pool *p = ((worker_arg *)arg)->pool;
  int part = ((worker_arg *)arg)->part;
  unsigned long seen = 0;

  for (;;) {
    for (int spins = 0; spins < SPINS_BEFORE_SLEEP && no_new_job(p, seen);
         spins++)
      cpu_relax();
    if (no_new_job(p, seen)) {
      pthread_mutex_lock(&p->mu);
      while (no_new_job(p, seen))
        pthread_cond_wait(&p->wake, &p->mu);
      pthread_mutex_unlock(&p->mu);
    }
    if (atomic_load_explicit(&p->stop, memory_order_acquire))
      break;
    seen = atomic_load_explicit(&p->job, memory_order_acquire);
    p->task(p->ctx, part, p->parts);
    /* The caller tests pending under the mutex before it sleeps, so a
     * signal sent under the mutex cannot fall between the two. */
    if (atomic_fetch_sub_explicit(&p->pending, 1, memory_order_acq_rel) ==
        1) {
      pthread_mutex_lock(&p->mu);
      pthread_cond_signal(&p->done);
      pthread_mutex_unlock(&p->mu);
    }
  }
  return NULL;
}

lg_pool *lg_pool_new(int threads, lg_allocator allocator)
{
  size_t workers = threads > 1 ? (size_t)threads - 1 : 0;
  size_t bytes = sizeof(lg_pool) + workers * sizeof(pthread_t) +
                 workers * sizeof(worker_arg);
  lg_pool *p = allocator.alloc(allocator.ctx, bytes);
  worker_arg *args;

  if (!p)
    return NULL;
  memset(p, 0, bytes);
  p->allocator = allocator;
  p->parts = threads > 1 ? threads : 1;
  p->owner = getpid();
  atomic_init(&p->job, 0);
  atomic_init(&p->pending, 0);
  atomic_init(&p->stop, 0);
  atomic_init(&p->arrived, 0);
  atomic_init(&p->generation, 0);
  pthread_mutex_init(&p->mu, NULL);
  pthread_cond_init(&p->wake, NULL);
  pthread_cond_init(&p->done, NULL);
  args = (worker_arg *)(p->threads + workers);
  for (size_t i = 0; i < workers; i++) {
    args[i] = (worker_arg){p, (int)i + 1};
    if (pthread_create(&p->threads[i], NULL, worker, &args[i]) != 0) {
      lg_pool_free(p);
      return NULL;
    }
    p->started++;
  }
  return p;
}

int lg_pool_parts(const lg_pool *pool)
{
  return pool->parts;
}

void lg_pool_run(lg_pool *p, lg_task task, void *ctx)
{
  if (p->parts == 1 || getpid() != p->owner) {
    p->running = 1;
    task(ctx, 0, 1);
    return;
  }
  p->running = p->parts;
  p->task = task;
  p->ctx = ctx;
  atomic_store_explicit(&p->pending, p->parts - 1, memory_order_relaxed);
  pthread_mutex_lock(&p->mu);
  atomic_fetch_add_explicit(&p->job, 1, memory_order_release);
  pthread_cond_broadcast(&p->wake);
  pthread_mutex_unlock(&p->mu);

  task(ctx, 0, p->parts);

  for (int spins = 0; spins < SPINS_BEFORE_SLEEP; spins++) {
    if (atomic_load_explicit(&p->pending, memory_order_acquire) == 0)
      return;
    cpu_relax();
  }
  pthread_mutex_lock(&p->mu);
  while (atomic_load_explicit(&p->pending, memory_order_acquire) > 0)
    pthread_cond_wait(&p->done, &p->mu);
  pthread_mutex_unlock(&p->mu);
}

void lg_pool_barrier(lg_pool *p)
{
  if (p->running <= 1)
    return;
  unsigned gen = atomic_load_explicit(&p->generation, memory_order_acquire);

  if (atomic_fetch_add_explicit(&p->arrived, 1, memory_order_acq_rel) ==
      p->running - 1) {
    atomic_store_explicit(&p->arrived, 0, memory_order_relaxed);
    atomic_fetch_add_explicit(&p->generation, 1, memory_order_release);
    return;
  }
  for (long spins = 0; atomic_load_explicit(&p->generation,
                                            memory_order_acquire) == gen;
       spins++) {
    if (spins < SPINS_BEFORE_YIELD)
      cpu_relax();
    else
      sched_yield();
  }
}

void lg_pool_free(lg_pool *p)
{
  if (!p)
    return;
  /* A forked child has no workers to join: it only frees the memory. */
  if (getpid() == p->owner) {
    pthread_mutex_lock(&p->mu);
    atomic_store_explicit(&p->stop, 1, memory_order_release);
    pthread_cond_broadcast(&p->wake);
    pthread_mutex_unlock(&p->mu);
    for (int i = 0; i < p->started; i++)
      pthread_join(p->threads[i], NULL);
    pthread_mutex_destroy(&p->mu);
    pthread_cond_destroy(&p->wake);
    pthread_cond_destroy(&p->done);
  }
  p->allocator.release(p->allocator.ctx, p);
}
