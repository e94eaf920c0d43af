/*
 * tensor.c - shapes, element-wise kernels and the GEMM wrapper.
 */
#include "tensor.h"

#include <cblas.h>
#include <math.h>
#include <pthread.h>

int64_t lg_numel(int n, const int64_t *sizes)
{
  int64_t total = 1;

  for (int i = 0; i < n; i++) {
    if (sizes[i] < 1 || sizes[i] > LG_MAX_NUMEL / total)
      return -1;
    total *= sizes[i];
  }
  return total;
}

int lg_tensor_shape(lg_tensor *t, int n, const int64_t *sizes)
{
  int64_t numel = n >= 1 && n <= LG_MAX_DIMS ? lg_numel(n, sizes) : -1;

  if (numel < 0)
    return -1;
  t->ndim = n;
  t->numel = numel;
  for (int i = 0; i < LG_MAX_DIMS; i++)
    t->size[i] = i < n ? sizes[i] : 1;
  return 0;
}

int64_t lg_rows(const lg_tensor *t)
{
  return t->ndim == 1 ? 1 : t->numel / t->size[t->ndim - 1];
}

int64_t lg_cols(const lg_tensor *t)
{
  return t->size[t->ndim - 1];
}

void lg_gemm_ld(int ta, int tb, int m, int n, int k, float alpha,
                const float *a, int lda, const float *b, int ldb,
                float beta, float *c, int ldc)
{
  cblas_sgemm(CblasRowMajor, ta ? CblasTrans : CblasNoTrans,
              tb ? CblasTrans : CblasNoTrans, m, n, k, alpha, a, lda, b,
              ldb, beta, c, ldc);
}

/*
 * OpenBLAS's thread count is one setting for the whole process.  A fused
 * step runs OpenBLAS single-threaded (its own team does the parallel
 * work); every other GEMM runs it at lg_threads().  The two kinds of
 * call never overlap, since OpenBLAS rounds differently with another
 * thread count: a GEMM in one lua_State then gives what it gives alone,
 * whatever another state's GAN is doing.  The solo stretches of every
 * GAN in the process (one per lua_State, say) are counted together, and
 * a waiting GEMM goes before a step that has not started yet.
 */
static pthread_mutex_t threads_mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t threads_changed = PTHREAD_COND_INITIALIZER;
static int threads_setting, solo_stretches, shared_calls, shared_waiting;

/* ThreadSanitizer cannot see how OpenBLAS's own threads synchronise, so
 * under it (make check-threads) OpenBLAS stays on the calling thread and
 * only lgan's team runs in parallel. */
static void set_blas_threads(int n)
{
#ifdef __SANITIZE_THREAD__
  (void)n;
#else
  openblas_set_num_threads(n);
#endif
}

static int setting_locked(void)
{
  if (threads_setting == 0)
    threads_setting = openblas_get_num_threads();
  return threads_setting;
}

void lg_set_threads(int n)
{
  pthread_mutex_lock(&threads_mu);
  threads_setting = n;
  if (solo_stretches == 0)
    set_blas_threads(n);
  pthread_mutex_unlock(&threads_mu);
}

int lg_threads(void)
{
  pthread_mutex_lock(&threads_mu);
  int n = setting_locked();
  pthread_mutex_unlock(&threads_mu);
  return n;
}

void lg_blas_solo_begin(void)
{
  pthread_mutex_lock(&threads_mu);
  while (shared_calls > 0 || shared_waiting > 0)
    pthread_cond_wait(&threads_changed, &threads_mu);
  if (solo_stretches++ == 0 && setting_locked() > 1)
    set_blas_threads(1);
  pthread_mutex_unlock(&threads_mu);
}

void lg_blas_solo_end(void)
{
  pthread_mutex_lock(&threads_mu);
  if (--solo_stretches == 0) {
    if (setting_locked() > 1)
      set_blas_threads(threads_setting);
    pthread_cond_broadcast(&threads_changed);
  }
  pthread_mutex_unlock(&threads_mu);
}

void lg_gemm(int ta, int tb, int m, int n, int k, float alpha,
             const float *a, const float *b, float beta, float *c)
{
  pthread_mutex_lock(&threads_mu);
  shared_waiting++;
  while (solo_stretches > 0)
    pthread_cond_wait(&threads_changed, &threads_mu);
  shared_waiting--;
  shared_calls++;
  pthread_mutex_unlock(&threads_mu);

  lg_gemm_ld(ta, tb, m, n, k, alpha, a, ta ? m : k, b, tb ? k : n, beta, c,
             n);

  pthread_mutex_lock(&threads_mu);
  if (--shared_calls == 0)
    pthread_cond_broadcast(&threads_changed);
  pthread_mutex_unlock(&threads_mu);
}

void lg_map2(lg_binop op, const float *a, const float *b, float *out,
             int64_t n)
{
  switch (op) {
  case LG_ADD:
    for (int64_t i = 0; i < n; i++)
      out[i] = a[i] + b[i];
    break;
  case LG_SUB:
    for (int64_t i = 0; i < n; i++)
      out[i] = a[i] - b[i];
    break;
  case LG_MUL:
    for (int64_t i = 0; i < n; i++)
      out[i] = a[i] * b[i];
    break;
  case LG_DIV:
    for (int64_t i = 0; i < n; i++)
      out[i] = a[i] / b[i];
    break;
  }
}

void lg_map_scalar(lg_binop op, const float *a, float s, float *out,
                   int64_t n, int scalar_first)
{
  switch (op) {
  case LG_ADD:
    for (int64_t i = 0; i < n; i++)
      out[i] = a[i] + s;
    break;
  case LG_SUB:
    for (int64_t i = 0; i < n; i++)
      out[i] = scalar_first ? s - a[i] : a[i] - s;
    break;
  case LG_MUL:
    for (int64_t i = 0; i < n; i++)
      out[i] = a[i] * s;
    break;
  case LG_DIV:
    for (int64_t i = 0; i < n; i++)
      out[i] = scalar_first ? s / a[i] : a[i] / s;
    break;
  }
}

double lg_sum(const float *a, int64_t n)
{
  double total = 0;

  for (int64_t i = 0; i < n; i++)
    total += a[i];
  return total;
}

/* Cloned: GAN:step runs it over every real batch. */
LG_CLONES
int64_t lg_count_nonfinite(const float *a, int64_t n)
{
  int64_t count = 0;

  for (int64_t i = 0; i < n; i++)
    count += !isfinite(a[i]);
  return count;
}
