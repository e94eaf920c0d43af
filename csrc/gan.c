/*
 * gan.c - the fused GAN step.
 *
 * Workspace for batch b, in floats: the generator's input [b, z_dim +
 * classes] (noise, then the one-hot label of a conditional model); the
 * generator's stage outputs; the discriminator's input [2b, x_dim +
 * classes], real rows first, then the generated ones; the
 * discriminator's stage outputs [2b, out]; two gradient buffers that the
 * backward passes use in turn.
 */
#include "gan.h"

#include <math.h>
#include <string.h>

#include "loss.h"

/* Stage outputs live after the stage lists, in the same allocation. */
static float **g_outs(const lg_gan *gan)
{
  return (float **)(gan->d + gan->nd);
}

static float **d_outs(const lg_gan *gan)
{
  return g_outs(gan) + gan->ng;
}

static int compile(const lg_net *net, const char *name, lg_stage *out,
                   int *count, lg_err *err)
{
  int n = 0;

  for (int i = 0; i < net->n; i++) {
    lg_layer *l = net->layers[i];

    if (l->kind == LG_LINEAR) {
      if (n > 0 && out[n - 1].linear->out != l->in)
        return lg_fail(err, "%s: layer %d takes %lld features but the "
                       "layer before gives %lld", name, i + 1,
                       (long long)l->in,
                       (long long)out[n - 1].linear->out);
      out[n++] = (lg_stage){l, LG_IDENTITY, 0};
    } else if (n == 0 || out[n - 1].act != LG_IDENTITY) {
      return lg_fail(err, "%s: layer %d (%s) must follow a Linear layer",
                     name, i + 1, lg_kind_name(l->kind));
    } else {
      out[n - 1].act = l->kind;
      out[n - 1].slope = l->slope;
    }
  }
  if (n == 0)
    return lg_fail(err, "%s: has no Linear layer", name);
  *count = n;
  return 0;
}

static int owns_params(const lg_optim *o, const lg_stage *s, int n)
{
  if (o->nparams != 2 * n)
    return 0;
  for (int i = 0; i < n; i++)
    if (o->params[2 * i].value != s[i].linear->weight ||
        o->params[2 * i + 1].value != s[i].linear->bias)
      return 0;
  return 1;
}

int lg_gan_init(lg_gan *gan, const lg_net *gen, const lg_net *disc,
                int64_t classes, lg_optim *g_opt, lg_optim *d_opt,
                lg_rng *rng, lg_allocator allocator, lg_err *err)
{
  size_t n = (size_t)gen->n + (size_t)disc->n;
  size_t bytes = n * (sizeof(lg_stage) + sizeof(float *));

  memset(gan, 0, sizeof *gan);
  gan->allocator = allocator;
  gan->g = allocator.alloc(allocator.ctx, bytes ? bytes : 1);
  if (!gan->g)
    return lg_fail(err, "out of memory");
  gan->d = gan->g + gen->n;
  if (compile(gen, "generator", gan->g, &gan->ng, err) ||
      compile(disc, "discriminator", gan->d, &gan->nd, err))
    goto fail;

  lg_stage *last = &gan->d[gan->nd - 1];
  if (last->act == LG_SIGMOID)
    last->act = LG_IDENTITY;
  else if (last->act != LG_IDENTITY) {
    lg_fail(err, "discriminator: must end in Linear or Sigmoid, not %s",
            lg_kind_name(last->act));
    goto fail;
  }
  if (last->linear->out != 1) {
    lg_fail(err, "discriminator: gives %lld outputs, expected 1",
            (long long)last->linear->out);
    goto fail;
  }
  gan->classes = classes;
  gan->z_dim = gan->g[0].linear->in - classes;
  gan->x_dim = gan->g[gan->ng - 1].linear->out;
  if (classes < 0 || gan->z_dim < 1) {
    lg_fail(err, "generator: takes %lld inputs, too few for %lld classes "
            "and some noise", (long long)gan->g[0].linear->in,
            (long long)classes);
    goto fail;
  }
  if (gan->d[0].linear->in != gan->x_dim + classes) {
    lg_fail(err, "discriminator: takes %lld features but the generator "
            "gives %lld and there are %lld classes",
            (long long)gan->d[0].linear->in, (long long)gan->x_dim,
            (long long)classes);
    goto fail;
  }
  if (!owns_params(g_opt, gan->g, gan->ng) ||
      !owns_params(d_opt, gan->d, gan->nd)) {
    lg_fail(err, "optimizers must hold exactly the networks' parameters");
    goto fail;
  }
  /* The stage lists were sized for every layer; the output pointers go
   * after the stages actually used. */
  memmove(gan->g + gan->ng, gan->d, (size_t)gan->nd * sizeof(lg_stage));
  gan->d = gan->g + gan->ng;
  gan->g_opt = g_opt;
  gan->d_opt = d_opt;
  gan->rng = rng;
  gan->real_label = 1.0f;
  gan->fake_label = 0.0f;
  return 0;

fail:
  lg_gan_free(gan);
  return -1;
}

static int64_t widest(const lg_stage *s, int n, int64_t w)
{
  for (int i = 0; i < n; i++)
    if (s[i].linear->out > w)
      w = s[i].linear->out;
  return w;
}

size_t lg_gan_workspace_bytes(const lg_gan *gan, int64_t b)
{
  int64_t z_in = gan->z_dim + gan->classes;
  int64_t x_in = gan->x_dim + gan->classes;
  int64_t w = widest(gan->d, gan->nd, widest(gan->g, gan->ng, x_in));
  int64_t floats = b * z_in + 2 * b * x_in + 2 * (2 * b * w);

  for (int i = 0; i < gan->ng; i++)
    floats += b * gan->g[i].linear->out;
  for (int i = 0; i < gan->nd; i++)
    floats += 2 * b * gan->d[i].linear->out;
  return (size_t)floats * sizeof(float);
}

static int reserve(lg_gan *gan, int64_t b, lg_err *err)
{
  int threads = lg_threads();
  float *ws;

  if (!gan->pool || lg_pool_parts(gan->pool) != threads) {
    lg_pool_free(gan->pool);
    gan->pool = lg_pool_new(threads, gan->allocator);
    if (!gan->pool)
      return lg_fail(err, "cannot start %d threads", threads);
  }
  if (b <= gan->capacity)
    return 0;
  ws = gan->allocator.alloc(gan->allocator.ctx,
                            lg_gan_workspace_bytes(gan, b));
  if (!ws)
    return lg_fail(err, "out of memory for a batch of %lld",
                   (long long)b);
  if (gan->workspace)
    gan->allocator.release(gan->allocator.ctx, gan->workspace);
  gan->workspace = ws;
  gan->capacity = b;
  return 0;
}

/* Points the buffers into the workspace for a batch of b rows; every
 * size grows with b, so a workspace made for a larger batch fits. */
static void layout(lg_gan *gan, int64_t b)
{
  float *ws = gan->workspace, **go = g_outs(gan), **dd = d_outs(gan);
  int64_t x_in = gan->x_dim + gan->classes;
  int64_t w = widest(gan->d, gan->nd, widest(gan->g, gan->ng, x_in));

  gan->z = ws;
  ws += b * (gan->z_dim + gan->classes);
  for (int i = 0; i < gan->ng; i++) {
    go[i] = ws;
    ws += b * gan->g[i].linear->out;
  }
  gan->d_in = ws;
  ws += 2 * b * x_in;
  if (gan->classes == 0)
    go[gan->ng - 1] = gan->d_in + b * x_in;
  for (int i = 0; i < gan->nd; i++) {
    dd[i] = ws;
    ws += 2 * b * gan->d[i].linear->out;
  }
  gan->grad[0] = ws;
  gan->grad[1] = ws + 2 * b * w;
}

static int reduce_grads(lg_gan *gan, int net, lg_err *err)
{
  if (!gan->reducer.grads)
    return 0;
  return gan->reducer.grads(gan->reducer.ctx, gan->flat_grad[net],
                            gan->flat_count[net], net, err);
}

/* The start of a net's gradients if they lie end to end in layer order
 * (weight, bias, next layer's weight, ...), else NULL; their count in
 * *count. */
static float *flat_grads(const lg_stage *s, int n, int64_t *count)
{
  float *start = s[0].linear->grad_weight->data, *next = start;

  for (int i = 0; i < n; i++) {
    const lg_layer *l = s[i].linear;

    if (l->grad_weight->data != next)
      return NULL;
    next += l->grad_weight->numel;
    if (l->grad_bias->data != next)
      return NULL;
    next += l->grad_bias->numel;
  }
  *count = next - start;
  return start;
}

int lg_gan_set_reducer(lg_gan *gan, const lg_reducer *r, lg_err *err)
{
  if (r->world < 1 || r->rank < 0 || r->rank >= r->world)
    return lg_fail(err, "rank %d of %d processes", r->rank, r->world);
  gan->flat_grad[0] = flat_grads(gan->d, gan->nd, &gan->flat_count[0]);
  gan->flat_grad[1] = flat_grads(gan->g, gan->ng, &gan->flat_count[1]);
  if (!gan->flat_grad[0] || !gan->flat_grad[1])
    return lg_fail(err, "the gradients of each network must lie end to "
                   "end to be reduced in one call");
  gan->reducer = *r;
  return 0;
}

/* The first of n items that part `part` of `parts` takes. */
static int64_t share(int64_t n, int part, int parts)
{
  return n * part / parts;
}

/* This process's first row in the global batch: rows of the global
 * batch before and after its slice are drawn and dropped, so that every
 * process follows one stream. */
static int64_t first_row(const lg_gan *gan, int64_t b)
{
  return gan->reducer.world > 1 ? gan->reducer.rank * b : 0;
}

/* This part's share of the b rows of noise in the generator's input;
 * the last part leaves the generator as it stands after them in *after,
 * so that nobody has to skip the whole batch. */
static void draw_noise(const lg_gan *gan, int64_t b, int part, int parts,
                       lg_rng *after)
{
  int64_t z_in = gan->z_dim + gan->classes;
  int64_t r0 = share(b, part, parts), r1 = share(b, part + 1, parts);

  lg_rng_normal_rows(gan->rng, (first_row(gan, b) + r0) * gan->z_dim,
                     gan->z + r0 * z_in, r1 - r0, gan->z_dim, z_in,
                     part == parts - 1 ? after : NULL);
}

/*
 * Once every part has drawn its noise: moves the generator past the
 * global batch's noise (from `after`, where the last part left it past
 * this process's rows), then draws each row's class (so an
 * unconditional model draws exactly the noise) and writes its one-hot
 * code after the noise and after the generated row in D's input.
 */
static void draw_classes(lg_gan *gan, int64_t b, float *fake_rows,
                         const lg_rng *after)
{
  int64_t c = gan->classes, z_in = gan->z_dim + c, x_in = gan->x_dim + c;
  int64_t world = gan->reducer.world > 1 ? gan->reducer.world : 1;
  int64_t first = first_row(gan, b);

  *gan->rng = *after;
  lg_rng_skip_normals(gan->rng, (world * b - first - b) * gan->z_dim);
  if (c == 0)
    return;
  for (int64_t r = 0; r < world * b; r++) {
    int64_t k = (int64_t)lg_rng_below(gan->rng, (uint64_t)c);

    if (r < first || r >= first + b)
      continue;
    float *code = gan->z + (r - first) * z_in + gan->z_dim;
    float *d_code = fake_rows + (r - first) * x_in + gan->x_dim;

    memset(code, 0, (size_t)c * sizeof *code);
    memset(d_code, 0, (size_t)c * sizeof *d_code);
    code[k] = 1.0f;
    d_code[k] = 1.0f;
  }
}

/* Copies rows [r0, r1) of x_dim pixels into rows of x_dim + classes,
 * adding the one-hot codes of labels when there are classes. */
static void fill_rows(const lg_gan *gan, float *dst, const float *src,
                      const float *labels, int64_t r0, int64_t r1)
{
  int64_t c = gan->classes, x = gan->x_dim;

  if (c == 0) {
    memcpy(dst + r0 * x, src + r0 * x, (size_t)((r1 - r0) * x) * sizeof *dst);
    return;
  }
  for (int64_t r = r0; r < r1; r++) {
    float *row = dst + r * (x + c);

    memcpy(row, src + r * x, (size_t)x * sizeof *row);
    if (labels) {
      memset(row + x, 0, (size_t)c * sizeof *row);
      row[x + (int64_t)labels[r]] = 1.0f;
    }
  }
}

/*
 * The step runs as one job of the GAN's pool: every part runs the whole
 * program below on its share of each stage (a block of columns of a
 * layer's output, or of its input when going back), and the parts meet
 * at a barrier wherever one needs what another wrote.  OpenBLAS runs
 * single-threaded meanwhile, one call per part and stage, so a stage's
 * bias, activation and Adam update run on the thread whose GEMM just
 * wrote the values, while they are in its cache.
 */
typedef struct team {
  lg_gan *gan;
  const float *real, *labels;
  int64_t b;
  lg_gan_stats *st;
  lg_err *err;
  /* Set by part 0 before a barrier when the step must stop. */
  int failed;
  /* Whether each layer is updated as soon as its gradient is final;
   * not when a reducer must first sum the gradients of all processes. */
  int update_early;
  /* The noise generator past this process's rows of the batch. */
  lg_rng noise_after;
} team;

static void forward(const team *t, int part, int parts, const lg_stage *s,
                    int n, const float *x, int64_t rows, float **outs)
{
  for (int i = 0; i < n; i++) {
    const lg_layer *l = s[i].linear;
    int64_t c0 = share(l->out, part, parts);
    int64_t c1 = share(l->out, part + 1, parts);

    if (c1 > c0) {
      lg_gemm_ld(0, 1, (int)rows, (int)(c1 - c0), (int)l->in, 1.0f,
                 i ? outs[i - 1] : x, (int)l->in,
                 l->weight->data + c0 * l->in, (int)l->in, 0.0f,
                 outs[i] + c0, (int)l->out);
      lg_bias_act_forward_cols(s[i].act, s[i].slope, outs[i],
                               l->bias->data, rows, l->out, c0, c1);
    }
    lg_pool_barrier(t->gan->pool);
  }
}

/* This part's share of layer i's update: the rows of its weight (and
 * the entries of its bias) whose gradients the part computed. */
static void update_layer(lg_optim *o, const lg_stage *s, int i, int part,
                         int parts)
{
  const lg_layer *l = s[i].linear;
  int64_t r0 = share(l->out, part, parts);
  int64_t r1 = share(l->out, part + 1, parts);

  lg_optim_update_range(o, 2 * i, r0 * l->in, (r1 - r0) * l->in);
  lg_optim_update_range(o, 2 * i + 1, r0, r1 - r0);
}

/*
 * Back from d, the gradient at the last stage's output (one of the two
 * gradient buffers; overwritten), with weight gradients when grads is
 * nonzero, and each layer updated by `update` when it is not NULL.
 * Returns the buffer holding the gradient at the input x when want_dx
 * is nonzero, else NULL.
 *
 * A part's columns of a layer's input gradient are the columns of the
 * layer below's output gradient that it takes next, so the parts meet
 * only where a GEMM needs the whole of d, and before a layer's weights
 * change, which must wait until every part has read them.
 */
static float *backward(const team *t, int part, int parts,
                       const lg_stage *s, int n, const float *x,
                       int64_t rows, float **outs, float *d, int grads,
                       int want_dx, lg_optim *update)
{
  lg_pool *pool = t->gan->pool;
  float *other = d == t->gan->grad[0] ? t->gan->grad[1] : t->gan->grad[0];
  int pending = -1;

  for (int i = n - 1; i >= 0; i--) {
    const lg_layer *l = s[i].linear;
    const float *in = i ? outs[i - 1] : x;
    float *next = i || want_dx ? other : NULL;
    int64_t r0 = share(l->out, part, parts);
    int64_t r1 = share(l->out, part + 1, parts);

    if (r1 > r0) {
      lg_act_backward_bias_cols(s[i].act, s[i].slope, outs[i], d, rows,
                                l->out, grads ? l->grad_bias->data : NULL,
                                0, r0, r1);
      if (grads)
        lg_gemm_ld(1, 0, (int)(r1 - r0), (int)l->in, (int)rows, 1.0f,
                   d + r0, (int)l->out, in, (int)l->in, 0.0f,
                   l->grad_weight->data + r0 * l->in, (int)l->in);
    }
    if (next) {
      int64_t c0 = share(l->in, part, parts);
      int64_t c1 = share(l->in, part + 1, parts);

      lg_pool_barrier(pool);
      if (update && pending >= 0)
        update_layer(update, s, pending, part, parts);
      if (c1 > c0)
        lg_gemm_ld(0, 0, (int)rows, (int)(c1 - c0), (int)l->out, 1.0f, d,
                   (int)l->out, l->weight->data + c0, (int)l->in, 0.0f,
                   next + c0, (int)l->in);
    } else if (update && pending >= 0) {
      lg_pool_barrier(pool);
      update_layer(update, s, pending, part, parts);
    }
    if (update)
      pending = next ? i : -1;
    if (update && !next)
      update_layer(update, s, i, part, parts);
    other = d;
    d = next;
  }
  lg_pool_barrier(pool);
  if (update && pending >= 0) {
    update_layer(update, s, pending, part, parts);
    lg_pool_barrier(pool);
  }
  return d;
}

static double mean_sigmoid(const float *logits, int64_t n)
{
  double total = 0;

  for (int64_t i = 0; i < n; i++) {
    double x = logits[i];
    total += x >= 0 ? 1 / (1 + exp(-x)) : exp(x) / (1 + exp(x));
  }
  return total / n;
}

/* The update after a reducer summed the gradients: it waits for the
 * whole backward pass, then every part takes a share of all elements. */
static int update_late(team *t, int part, int parts, int net,
                       lg_optim *o)
{
  if (part == 0 && reduce_grads(t->gan, net, t->err))
    t->failed = 1;
  lg_pool_barrier(t->gan->pool);
  if (t->failed)
    return -1;
  lg_optim_update_part(o, part, parts);
  lg_pool_barrier(t->gan->pool);
  return 0;
}

static void step_part(void *ctx, int part, int parts)
{
  team *t = ctx;
  lg_gan *gan = t->gan;
  lg_pool *pool = gan->pool;
  float **go = g_outs(gan), **dd = d_outs(gan);
  int64_t b = t->b, c = gan->classes, x_in = gan->x_dim + c;
  float *d_in = gan->d_in, *fake_rows = d_in + b * x_in;
  float *grad = gan->grad[0];
  lg_optim *d_update = t->update_early ? gan->d_opt : NULL;
  lg_optim *g_update = t->update_early ? gan->g_opt : NULL;
  lg_gan_stats *st = t->st;

  draw_noise(gan, b, part, parts, &t->noise_after);
  fill_rows(gan, d_in, t->real, t->labels, share(b, part, parts),
            share(b, part + 1, parts));
  lg_pool_barrier(pool);
  if (part == 0)
    draw_classes(gan, b, fake_rows, &t->noise_after);
  /* An unconditional generator needs no codes in its input, and writes
   * straight into D's. */
  if (c > 0)
    lg_pool_barrier(pool);
  forward(t, part, parts, gan->g, gan->ng, gan->z, b, go);
  if (c > 0) {
    fill_rows(gan, fake_rows, go[gan->ng - 1], NULL,
              share(b, part, parts), share(b, part + 1, parts));
    lg_pool_barrier(pool);
  }
  forward(t, part, parts, gan->d, gan->nd, d_in, 2 * b, dd);

  if (part == 0) {
    const float *logits = dd[gan->nd - 1];

    st->d_real = mean_sigmoid(logits, b);
    st->d_fake = mean_sigmoid(logits + b, b);
    st->d_loss = lg_bce_logits(logits, NULL, gan->real_label, b, 1, grad) +
                 lg_bce_logits(logits + b, NULL, gan->fake_label, b, 1,
                               grad + b);
    gan->d_opt->step++;
  }
  lg_pool_barrier(pool);
  backward(t, part, parts, gan->d, gan->nd, d_in, 2 * b, dd, grad, 1, 0,
           d_update);
  if (!d_update && update_late(t, part, parts, 0, gan->d_opt))
    return;

  /* The generator's turn: D again on the same fakes, after its update;
   * its weight gradients are left as the D step made them. */
  forward(t, part, parts, gan->d, gan->nd, fake_rows, b, dd);
  if (part == 0) {
    st->g_loss = lg_bce_logits(dd[gan->nd - 1], NULL, 1.0f, b, 1, grad);
    gan->g_opt->step++;
  }
  lg_pool_barrier(pool);
  grad = backward(t, part, parts, gan->d, gan->nd, fake_rows, b, dd, grad,
                  0, 1, NULL);
  /* The gradient at the pixels only: the label columns are dropped. */
  if (c > 0) {
    if (part == 0)
      for (int64_t r = 0; r < b; r++)
        memmove(grad + r * gan->x_dim, grad + r * x_in,
                (size_t)gan->x_dim * sizeof *grad);
    lg_pool_barrier(pool);
  }
  backward(t, part, parts, gan->g, gan->ng, gan->z, b, go, grad, 1, 0,
           g_update);
  if (!g_update)
    update_late(t, part, parts, 1, gan->g_opt);
}

int lg_gan_step(lg_gan *gan, const float *real, const float *labels,
                int64_t b, lg_gan_stats *st, lg_err *err)
{
  int64_t c = gan->classes;

  if (c > 0)
    for (int64_t r = 0; r < b; r++)
      if (!(labels[r] >= 0 && labels[r] < c &&
            labels[r] == (float)(int64_t)labels[r])) {
        if (isnan(labels[r]))
          return lg_fail(err, "label %lld is NaN, expected a class from 0 "
                         "to %lld", (long long)r + 1, (long long)c - 1);
        return lg_fail(err, "label %lld is %g, expected a class from 0 "
                       "to %lld", (long long)r + 1, (double)labels[r],
                       (long long)c - 1);
      }
  if (reserve(gan, b, err))
    return -1;
  layout(gan, b);

  team t = {.gan = gan, .real = real, .labels = labels, .b = b, .st = st,
            .err = err, .update_early = !gan->reducer.grads};
  lg_blas_solo_begin();
  lg_pool_run(gan->pool, step_part, &t);
  lg_blas_solo_end();
  if (t.failed)
    return -1;
  if (gan->reducer.stats) {
    double v[4] = {st->d_loss, st->g_loss, st->d_real, st->d_fake};
    if (gan->reducer.stats(gan->reducer.ctx, v, 4, err))
      return -1;
    st->d_loss = v[0];
    st->g_loss = v[1];
    st->d_real = v[2];
    st->d_fake = v[3];
  }
  return 0;
}

void lg_gan_free(lg_gan *gan)
{
  lg_pool_free(gan->pool);
  gan->pool = NULL;
  if (gan->workspace)
    gan->allocator.release(gan->allocator.ctx, gan->workspace);
  if (gan->g)
    gan->allocator.release(gan->allocator.ctx, gan->g);
  gan->workspace = NULL;
  gan->g = gan->d = NULL;
  gan->capacity = 0;
}
