/*
 * gan.h - the fused GAN step: one call updates the discriminator and then
 * the generator, on workspaces allocated once per batch size.
 */
#ifndef LGAN_GAN_H
#define LGAN_GAN_H

#include <stddef.h>

#include "alloc.h"
#include "error.h"
#include "nn.h"
#include "optim.h"
#include "pool.h"
#include "rng.h"

/* A network as the step sees it: layers in order. */
typedef struct lg_net {
  int n;
  lg_layer **layers;
} lg_net;

/* A Linear with the activation that follows it (LG_IDENTITY if none). */
typedef struct lg_stage {
  lg_layer *linear;
  lg_kind act;
  float slope;
} lg_stage;

typedef struct lg_gan_stats {
  double d_loss, g_loss, d_real, d_fake;
} lg_gan_stats;

/*
 * Data-parallel training: what the step calls so that every process
 * applies the same update.  grads (n floats, one network's gradients,
 * flat) is replaced in place by its average over all processes, between
 * that network's backward pass and its optimizer step; net is 0 for the
 * discriminator, 1 for the generator.  stats (n doubles) likewise.  Each
 * returns 0, or -1 with a message in err, which fails the step.  This
 * process is rank of world; each takes its slice of a global batch of
 * world x batch rows, and draws the noise of the whole global batch,
 * keeping its slice, so that the update equals one process's on the
 * global batch.
 */
typedef struct lg_reducer {
  int (*grads)(void *ctx, float *grads, int64_t n, int net, lg_err *err);
  int (*stats)(void *ctx, double *stats, int n, lg_err *err);
  void *ctx;
  int rank, world;
} lg_reducer;

typedef struct lg_gan {
  lg_stage *g, *d;
  int ng, nd;
  /* Noise and pixels per sample; classes is 0 for an unconditional
   * model, else the count of one-hot label columns that follow the
   * noise in G's input and the pixels in D's. */
  int64_t z_dim, x_dim, classes;
  /* Targets of the discriminator's loss: 1 and 0, or smoothed. */
  float real_label, fake_label;
  lg_optim *g_opt, *d_opt;
  lg_rng *rng;
  lg_allocator allocator;
  int64_t capacity;
  float *workspace;
  /* The team that runs each step; sized to lg_threads(). */
  lg_pool *pool;
  /* Where the current batch's buffers start inside the workspace. */
  float *z, *d_in, *grad[2];
  /* Set by lg_gan_set_reducer; world 0 when training alone. */
  lg_reducer reducer;
  /* Each network's gradients as one array (discriminator first), when
   * they lie end to end in layer order; NULL otherwise. */
  float *flat_grad[2];
  int64_t flat_count[2];
} lg_gan;

/*
 * Prepares gan for the generator and discriminator nets, which must be
 * Linear layers each followed by at most one activation, and whose sizes
 * must chain (z + classes -> ... -> x, x + classes -> ... -> 1).  A discriminator that ends in
 * Sigmoid has it folded into the loss, which is computed from logits.
 * The optimizers must hold exactly the nets' parameters.  Allocates the
 * stage lists through allocator; returns 0, or -1 with a message in err.
 */
int lg_gan_init(lg_gan *gan, const lg_net *gen, const lg_net *disc,
                int64_t classes, lg_optim *g_opt, lg_optim *d_opt,
                lg_rng *rng, lg_allocator allocator, lg_err *err);

/*
 * One GAN update on real[batch, x_dim]: draws z, runs G, runs D on the
 * real and fake rows stacked, takes a BCE step on D, then a
 * non-saturating step on G (-log D(G(z)), same z, updated D).  A
 * conditional model takes the real rows' classes in labels[batch]
 * (whole numbers from 0) and draws the generated rows' classes
 * uniformly; labels is NULL otherwise.
 * Gradients are overwritten, not accumulated.  Allocates only when batch
 * exceeds every batch seen before; returns 0, or -1 with a message in
 * err when memory runs out.
 */
int lg_gan_step(lg_gan *gan, const float *real, const float *labels,
                int64_t batch, lg_gan_stats *stats, lg_err *err);

/*
 * Makes the step call r (see lg_reducer).  Needs each network's
 * gradients end to end in layer order (weight then bias, layer by
 * layer), which the caller arranges; returns 0, or -1 with a message
 * in err.
 */
int lg_gan_set_reducer(lg_gan *gan, const lg_reducer *r, lg_err *err);

/* Bytes of workspace a step at this batch size needs. */
size_t lg_gan_workspace_bytes(const lg_gan *gan, int64_t batch);

/* Releases what lg_gan_init and lg_gan_step allocated; idempotent. */
void lg_gan_free(lg_gan *gan);

#endif
