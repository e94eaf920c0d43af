/*
 * rng.c - xoshiro256++ (Blackman and Vigna) seeded by splitmix64, and
 * Box-Muller normals.
 */
#include "rng.h"

#include <math.h>

static uint64_t splitmix64(uint64_t *x)
{
  uint64_t z = (*x += 0x9e3779b97f4a7c15ULL);

  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

static uint64_t rotl(uint64_t x, int k)
{
  return (x << k) | (x >> (64 - k));
}

void lg_rng_seed(lg_rng *g, uint64_t seed, uint64_t stream)
{
  uint64_t x = seed ^ splitmix64(&stream);

  for (int i = 0; i < 4; i++)
    g->s[i] = splitmix64(&x);
  g->has_spare = 0;
  g->spare = 0;
}

uint64_t lg_rng_next(lg_rng *g)
{
  uint64_t *s = g->s;
  uint64_t result = rotl(s[0] + s[3], 23) + s[0];
  uint64_t t = s[1] << 17;

  s[2] ^= s[0];
  s[3] ^= s[1];
  s[1] ^= s[2];
  s[0] ^= s[3];
  s[2] ^= t;
  s[3] = rotl(s[3], 45);
  return result;
}

double lg_rng_uniform(lg_rng *g)
{
  return (double)(lg_rng_next(g) >> 11) * 0x1.0p-53;
}

uint64_t lg_rng_below(lg_rng *g, uint64_t n)
{
  /* Rejects the top sliver of the 64-bit range that would favour the
   * smallest results. */
  uint64_t limit = UINT64_MAX - UINT64_MAX % n;
  uint64_t x;

  do
    x = lg_rng_next(g);
  while (x >= limit);
  return x % n;
}

double lg_rng_normal(lg_rng *g)
{
  const double two_pi = 6.283185307179586476925;
  double u1, u2, r;

  if (g->has_spare) {
    g->has_spare = 0;
    return g->spare;
  }
  /* 1 - u keeps the logarithm's argument in (0, 1]. */
  u1 = 1.0 - lg_rng_uniform(g);
  u2 = lg_rng_uniform(g);
  r = sqrt(-2.0 * log(u1));
  g->spare = r * sin(two_pi * u2);
  g->has_spare = 1;
  return r * cos(two_pi * u2);
}

void lg_rng_skip_normals(lg_rng *g, int64_t n)
{
  if (n > 0 && g->has_spare) {
    g->has_spare = 0;
    n--;
  }
  /* Each pair takes two uniforms; an odd count ends on the first of a
   * pair, its second left as the spare. */
  for (int64_t i = 0; i < n / 2 * 2; i++)
    lg_rng_next(g);
  if (n % 2)
    lg_rng_normal(g);
}

void lg_rng_normal_rows(const lg_rng *g, int64_t first, float *out,
                        int64_t rows, int64_t cols, int64_t stride,
                        lg_rng *after)
{
  lg_rng copy = *g;

  lg_rng_skip_normals(&copy, first);
  for (int64_t r = 0; r < rows; r++)
    for (int64_t c = 0; c < cols; c++)
      out[r * stride + c] = (float)lg_rng_normal(&copy);
  if (after)
    *after = copy;
}

void lg_rng_fill_uniform(lg_rng *g, float *out, int64_t n, float lo,
                         float hi)
{
  double span = (double)hi - lo;

  for (int64_t i = 0; i < n; i++)
    out[i] = (float)(lo + span * lg_rng_uniform(g));
}

void lg_rng_fill_normal(lg_rng *g, float *out, int64_t n, float mean,
                        float stddev)
{
  for (int64_t i = 0; i < n; i++)
    out[i] = (float)(mean + stddev * lg_rng_normal(g));
}
