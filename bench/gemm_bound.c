/*
 * gemm_bound.c - the GEMM ceiling of one fused GAN step: times
 * cblas_sgemm alone on the step's own GEMM shapes, each with its own
 * operands (as the step has), and prints the best time of the lot.
 *
 *   gemm_bound BATCH THREADS REPEATS Z G1 ... X / D1 ... 1
 *
 * e.g. gemm_bound 64 2 100 100 256 512 1024 784 / 784 512 256 1.  The
 * list of GEMMs mirrors csrc/gan.c: G forward; D forward on 2B rows; D
 * backward with weight gradients (input gradients except at the first
 * layer); D forward on the B fakes; D backward to its input without
 * weight gradients; G backward (no input gradient at the first layer).
 * Prints one JSON object.
 */
#include <cblas.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

typedef struct {
  int ta, tb, m, n, k;
  float *a, *b, *c;
} gemm;

static double now(void)
{
  struct timespec ts;

  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + ts.tv_nsec * 1e-9;
}

static void fill(float *p, size_t n)
{
  unsigned x = 12345;

  for (size_t i = 0; i < n; i++) {
    x = x * 1103515245u + 12345u;
    p[i] = (float)(x >> 8) / 16777216.0f - 0.5f;
  }
}

static int add(gemm *list, int n, int ta, int tb, int m, int cols, int k)
{
  list[n] = (gemm){ta, tb, m, cols, k, NULL, NULL, NULL};
  return n + 1;
}

int main(int argc, char **argv)
{
  int g[16], d[16], ng = 0, nd = 0, n = 0, i;
  gemm list[128];
  double flops = 0, best = 1e30;

  if (argc < 8) {
    fprintf(stderr, "usage: gemm_bound BATCH THREADS REPEATS Z G... X / "
                    "D... 1\n");
    return 2;
  }
  int b = atoi(argv[1]), threads = atoi(argv[2]), reps = atoi(argv[3]);
  for (i = 4; i < argc && strcmp(argv[i], "/") != 0 && ng < 16; i++)
    g[ng++] = atoi(argv[i]);
  for (i++; i < argc && nd < 16; i++)
    d[nd++] = atoi(argv[i]);
  openblas_set_num_threads(threads);

  for (i = 0; i + 1 < ng; i++)
    n = add(list, n, 0, 1, b, g[i + 1], g[i]);
  for (i = 0; i + 1 < nd; i++)
    n = add(list, n, 0, 1, 2 * b, d[i + 1], d[i]);
  for (i = nd - 2; i >= 0; i--) {
    n = add(list, n, 1, 0, d[i + 1], d[i], 2 * b);
    if (i > 0)
      n = add(list, n, 0, 0, 2 * b, d[i], d[i + 1]);
  }
  for (i = 0; i + 1 < nd; i++)
    n = add(list, n, 0, 1, b, d[i + 1], d[i]);
  for (i = nd - 2; i >= 0; i--)
    n = add(list, n, 0, 0, b, d[i], d[i + 1]);
  for (i = ng - 2; i >= 0; i--) {
    n = add(list, n, 1, 0, g[i + 1], g[i], b);
    if (i > 0)
      n = add(list, n, 0, 0, b, g[i], g[i + 1]);
  }

  for (i = 0; i < n; i++) {
    gemm *x = &list[i];
    x->a = calloc((size_t)x->m * x->k, sizeof(float));
    x->b = calloc((size_t)x->k * x->n, sizeof(float));
    x->c = calloc((size_t)x->m * x->n, sizeof(float));
    if (!x->a || !x->b || !x->c)
      return 1;
    /* Real values in real pages: calloc's untouched memory all maps to
     * one zero page, which would keep every operand in cache and make
     * the bound look better than any step can be. */
    fill(x->a, (size_t)x->m * x->k);
    fill(x->b, (size_t)x->k * x->n);
    fill(x->c, (size_t)x->m * x->n);
    flops += 2.0 * x->m * x->n * x->k;
  }
  for (int r = 0; r < reps; r++) {
    double t0 = now();
    for (i = 0; i < n; i++) {
      gemm *x = &list[i];
      cblas_sgemm(CblasRowMajor, x->ta ? CblasTrans : CblasNoTrans,
                  x->tb ? CblasTrans : CblasNoTrans, x->m, x->n, x->k, 1.0f,
                  x->a, x->ta ? x->m : x->k, x->b, x->tb ? x->k : x->n,
                  0.0f, x->c, x->n);
    }
    double dt = now() - t0;
    if (dt < best)
      best = dt;
  }
  printf("{\"batch\": %d, \"threads\": %d, \"gemms\": %d, \"gflop\": %.4f, "
         "\"seconds\": %.6f, \"gflops\": %.1f, \"steps_per_s\": %.1f, "
         "\"openblas\": \"%s\", \"core\": \"%s\"}\n",
         b, threads, n, flops / 1e9, best, flops / best / 1e9, 1 / best,
         openblas_get_config(), openblas_get_corename());
  return 0;
}
