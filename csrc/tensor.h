/*
 * tensor.h - float32 tensors and the one GEMM wrapper.
 *
 * The core never allocates a tensor's storage itself: a tensor is a view
 * of memory the caller owns (the Lua binding puts it inside a userdata, a
 * C host may use malloc or a static array).  Tensors are row-major and
 * contiguous, with 1 to LG_MAX_DIMS dimensions.
 */
#ifndef LGAN_TENSOR_H
#define LGAN_TENSOR_H

#include <stddef.h>
#include <stdint.h>

#define LG_MAX_DIMS 4

/* The largest element count a tensor may hold (2^31 - 1), so that every
 * size fits the int that cblas takes and every byte count fits size_t. */
#define LG_MAX_NUMEL INT32_MAX

/*
 * On a hot element-wise loop: with GCC on x86-64 Linux, builds it for
 * AVX-512 and AVX2 as well and picks at load time what the CPU has.  The
 * clones do the same float operations in the same order (the build says
 * -ffp-contract=off, so no a * b + c becomes a fused multiply-add on the
 * targets that have one): only the width differs.
 * Not under ThreadSanitizer, whose runtime is not up yet when the loader
 * runs the clones' resolvers.
 */
#if defined(__GNUC__) && !defined(__clang__) && defined(__x86_64__) && \
    defined(__linux__) && !defined(__SANITIZE_THREAD__)
#define LG_CLONES __attribute__((target_clones("avx512f", "avx2", "default")))
#else
#define LG_CLONES
#endif

typedef struct lg_tensor {
  float *data;
  int64_t numel;
  int ndim;
  int64_t size[LG_MAX_DIMS];
} lg_tensor;

/* Product of n sizes, or -1 when a size is below 1 or the product
 * exceeds LG_MAX_NUMEL. */
int64_t lg_numel(int n, const int64_t *sizes);

/* Sets t's shape (data untouched).  Returns 0, or -1 as lg_numel does. */
int lg_tensor_shape(lg_tensor *t, int n, const int64_t *sizes);

/* Rows of a 2-D tensor, or of a 1-D tensor taken as one row. */
int64_t lg_rows(const lg_tensor *t);

/* Last dimension: the feature count of a batch. */
int64_t lg_cols(const lg_tensor *t);

/*
 * C[m,n] = alpha * op(A)[m,k] * op(B)[k,n] + beta * C, with op(X) = X or
 * X^T as ta / tb say.  All three matrices are row-major; lda, ldb and ldc
 * are their row strides, so a block of columns or rows of a larger
 * matrix can be an operand.  This is the only call to cblas in lgan.
 */
void lg_gemm_ld(int ta, int tb, int m, int n, int k, float alpha,
                const float *a, int lda, const float *b, int ldb,
                float beta, float *c, int ldc);

/* lg_gemm_ld on dense matrices: the strides follow from the shapes.  It
 * waits while any fused step in the process runs (see below). */
void lg_gemm(int ta, int tb, int m, int n, int k, float alpha,
             const float *a, const float *b, float beta, float *c);

/*
 * lgan's thread count (lgan.set_threads): OpenBLAS's for every GEMM
 * outside a fused GAN step, and the size of the team that runs a fused
 * step.  Until it is set it is OpenBLAS's own.
 */
void lg_set_threads(int n);
int lg_threads(void);

/*
 * Brackets a stretch in which lgan's own threads call OpenBLAS at once,
 * each on its own block: OpenBLAS runs single-threaded until the last
 * such stretch in the process ends, then goes back to lg_threads().
 * lg_gemm calls wait outside these stretches and a stretch waits for
 * them, so that no GEMM's rounding depends on another thread's timing.
 * Inside a stretch only lg_gemm_ld may be called.
 */
void lg_blas_solo_begin(void);
void lg_blas_solo_end(void);

typedef enum { LG_ADD, LG_SUB, LG_MUL, LG_DIV } lg_binop;

/* Element-wise kernels on n floats, out = a op b or a op s (s op a when
 * scalar_first); out may alias a or b. */
void lg_map2(lg_binop op, const float *a, const float *b, float *out,
             int64_t n);
void lg_map_scalar(lg_binop op, const float *a, float s, float *out,
                   int64_t n, int scalar_first);

/* Sum of n floats, accumulated in double. */
double lg_sum(const float *a, int64_t n);

/* Count of NaN or infinite values among n floats. */
int64_t lg_count_nonfinite(const float *a, int64_t n);

#endif
