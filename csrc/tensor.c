/*
 * tensor.c - shapes, element-wise kernels and the GEMM wrapper.
 */
#include "tensor.h"

#include <cblas.h>
#include <math.h>

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

void lg_gemm(int ta, int tb, int m, int n, int k, float alpha,
             const float *a, const float *b, float beta, float *c)
{
  cblas_sgemm(CblasRowMajor, ta ? CblasTrans : CblasNoTrans,
              tb ? CblasTrans : CblasNoTrans, m, n, k, alpha, a,
              ta ? m : k, b, tb ? k : n, beta, c, n);
}

int lg_blas_threads(void)
{
  return openblas_get_num_threads();
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

int64_t lg_count_nonfinite(const float *a, int64_t n)
{
  int64_t count = 0;

  for (int64_t i = 0; i < n; i++)
    count += !isfinite(a[i]);
  return count;
}
