/*
 * alloc.h - where the core's few allocations come from.  The host passes
 * an allocator to the objects that need memory (the GAN step, its thread
 * pool), so it can count, pool or refuse.
 */
#ifndef LGAN_ALLOC_H
#define LGAN_ALLOC_H

#include <stddef.h>

typedef struct lg_allocator {
  void *(*alloc)(void *ctx, size_t bytes);
  void (*release)(void *ctx, void *p);
  void *ctx;
} lg_allocator;

#endif
