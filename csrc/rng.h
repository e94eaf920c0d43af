/*
 * rng.h - a seeded random generator object (xoshiro256++), with uniform
 * and standard normal draws.  There is no global generator: every draw
 * names the generator it comes from, so one seed gives one stream.
 */
#ifndef LGAN_RNG_H
#define LGAN_RNG_H

#include <stdint.h>

typedef struct lg_rng {
  uint64_t s[4];
  /* Box-Muller makes normals in pairs; the second waits here. */
  int has_spare;
  double spare;
} lg_rng;

/* Seeds g from (seed, stream) through splitmix64, so that streams of one
 * seed are independent (a rank, a purpose). */
void lg_rng_seed(lg_rng *g, uint64_t seed, uint64_t stream);

/* Next 64 random bits. */
uint64_t lg_rng_next(lg_rng *g);

/* Uniform double in [0, 1), 53 random bits. */
double lg_rng_uniform(lg_rng *g);

/* Uniform integer in [0, n), without modulo bias; n >= 1. */
uint64_t lg_rng_below(lg_rng *g, uint64_t n);

/* Standard normal draw. */
double lg_rng_normal(lg_rng *g);

/* Fills n floats with uniform draws in [lo, hi). */
void lg_rng_fill_uniform(lg_rng *g, float *out, int64_t n, float lo,
                         float hi);

/* Fills n floats with normal draws of the given mean and deviation. */
void lg_rng_fill_normal(lg_rng *g, float *out, int64_t n, float mean,
                        float stddev);

/*
 * Normal draws number first, first + 1, ... (counting from 0) of those g
 * would give next, without advancing g: rows of cols draws each, one row
 * every `stride` floats from out.  Blocks of one sequence can so be drawn
 * on several threads, each skipping what comes before its block (a
 * skipped draw costs a small fraction of a made one).  When after is
 * not NULL it receives g as it stands past the last of these draws.
 */
void lg_rng_normal_rows(const lg_rng *g, int64_t first, float *out,
                        int64_t rows, int64_t cols, int64_t stride,
                        lg_rng *after);

/* Advances g past n normal draws, as lg_rng_fill_normal would. */
void lg_rng_skip_normals(lg_rng *g, int64_t n);

#endif
