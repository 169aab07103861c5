// Small float32 vector helpers for the fused CPU kernels (QE-Rec's pair stage, the user tower, the decoder's
// attention), and the way those kernels are built twice: for CPUs with AVX2 and FMA, and for any x86-64.
//
// A kernel's body is an RG_KERNEL_INLINE function; RG_AVX2_FMA marks a wrapper that calls it, so the body and
// these helpers (always inlined) are compiled for AVX2 + FMA there; cpu::has_avx2_fma() picks the wrapper at
// run time. (GCC's target_clones("arch=haswell") dispatches on the CPU model, not its features: AMD EPYC and
// newer Intel CPUs get its baseline build.)
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>

#if defined(__x86_64__) && defined(__GNUC__)
#define RG_AVX2_FMA __attribute__((target("avx2,fma")))
#define RG_KERNEL_INLINE inline __attribute__((always_inline))
#else
#define RG_AVX2_FMA
#define RG_KERNEL_INLINE inline
#endif

namespace rgalign::cpu {

// Whether the AVX2 + FMA builds of the kernels can run here.
inline bool has_avx2_fma() {
#if defined(__x86_64__) && defined(__GNUC__)
  static const bool yes = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
  return yes;
#else
  return false;
#endif
}

// Thirty-two partial sums, so that the compiler vectorises the reduction without reassociating freely and
// keeps four independent vector accumulators (one would wait on the previous multiply-add every step).
RG_KERNEL_INLINE float dot(const float* a, const float* b, int64_t n) {
  float acc[32] = {};
  int64_t i = 0;
  for (; i + 32 <= n; i += 32)
    for (int j = 0; j < 32; ++j) acc[j] += a[i + j] * b[i + j];
  for (; i + 8 <= n; i += 8)
    for (int j = 0; j < 8; ++j) acc[j] += a[i + j] * b[i + j];
  for (int j = 0; j < 8; ++j) acc[j] = (acc[j] + acc[j + 8]) + (acc[j + 16] + acc[j + 24]);
  float s = ((acc[0] + acc[1]) + (acc[2] + acc[3])) + ((acc[4] + acc[5]) + (acc[6] + acc[7]));
  for (; i < n; ++i) s += a[i] * b[i];
  return s;
}

RG_KERNEL_INLINE float sum(const float* a, int64_t n) {
  float acc[8] = {0, 0, 0, 0, 0, 0, 0, 0};
  int64_t i = 0;
  for (; i + 8 <= n; i += 8)
    for (int j = 0; j < 8; ++j) acc[j] += a[i + j];
  float s = ((acc[0] + acc[1]) + (acc[2] + acc[3])) + ((acc[4] + acc[5]) + (acc[6] + acc[7]));
  for (; i < n; ++i) s += a[i];
  return s;
}

// y [T] -> xhat = (y - mean) * rstd [T], LayerNorm before its affine part; returns rstd, the mean through
// `mean` where asked.
RG_KERNEL_INLINE float standardize(const float* y, int64_t T, float eps, float* xhat, float* mean = nullptr) {
  const float m = sum(y, T) / static_cast<float>(T);
  for (int64_t t = 0; t < T; ++t) xhat[t] = y[t] - m;
  const float rstd = 1.0f / std::sqrt(dot(xhat, xhat, T) / static_cast<float>(T) + eps);
  for (int64_t t = 0; t < T; ++t) xhat[t] *= rstd;
  if (mean) *mean = m;
  return rstd;
}

// In place: softmax of n logits.
RG_KERNEL_INLINE void softmax(float* x, int64_t n) {
  float m = x[0];
  for (int64_t i = 1; i < n; ++i) m = std::max(m, x[i]);
  float total = 0;
  for (int64_t i = 0; i < n; ++i) {
    x[i] = std::exp(x[i] - m);
    total += x[i];
  }
  for (int64_t i = 0; i < n; ++i) x[i] /= total;
}

// exp(x) in plain float arithmetic that the compiler vectorises (std::exp is a library call per element):
// x = n ln2 + r with n = round(x / ln2) read from the low bits of x / ln2 + 1.5 * 2^23 (no float-to-int
// conversion, no comparison of floats: either keeps GCC from vectorising), |r| <= ln2 / 2, a degree-7 Taylor
// polynomial for exp(r) (relative error below 2e-7) and 2^n through the exponent bits, 0 below 2^-126. For
// softmax inputs: x <= 0 and x > -4e6.
RG_KERNEL_INLINE float exp_vec(float x) {
  const float big = x * 1.44269504088896341f + 12582912.0f;
  const float n = big - 12582912.0f;
  const float r = (x - n * 0.693145751953125f) - n * 1.42860682030941723212e-6f;
  float p = 1.0f / 5040;
  p = p * r + 1.0f / 720;
  p = p * r + 1.0f / 120;
  p = p * r + 1.0f / 24;
  p = p * r + 1.0f / 6;
  p = p * r + 0.5f;
  p = p * r + 1.0f;
  p = p * r + 1.0f;
  int32_t biased = __builtin_bit_cast(int32_t, big) - 0x4B400000 + 127;  // n + 127
  biased = biased < 0 ? 0 : biased;
  return p * __builtin_bit_cast(float, biased << 23);
}

// A float's bits as an int32 that orders like the float (for any non-NaN values): integer comparisons
// vectorise where float ones do not (GCC keeps a float comparison that may trap out of vectorised code).
// Its own inverse.
RG_KERNEL_INLINE int32_t order_key(float x) {
  const int32_t bits = __builtin_bit_cast(int32_t, x);
  return bits ^ ((bits >> 31) & 0x7fffffff);
}
RG_KERNEL_INLINE float from_order_key(int32_t key) {
  return __builtin_bit_cast(float, key ^ ((key >> 31) & 0x7fffffff));
}

// The maximum of `init` and of the x[i] whose keep[i] is -1 (all bits set); keep[i] = 0 leaves x[i] out.
RG_KERNEL_INLINE float masked_max(const float* x, const int32_t* keep, int64_t n, float init) {
  int32_t m = order_key(init);
  for (int64_t i = 0; i < n; ++i) {
    const int32_t key = (order_key(x[i]) & keep[i]) | (~keep[i] & INT32_MIN);
    m = std::max(m, key);
  }
  return from_order_key(m);
}

// a where keep is -1 (all bits set), b where it is 0, chosen bit by bit (no float comparison).
RG_KERNEL_INLINE float select_bits(int32_t keep, float a, float b) {
  return __builtin_bit_cast(
      float, (__builtin_bit_cast(int32_t, a) & keep) | (__builtin_bit_cast(int32_t, b) & ~keep));
}

// In place: softmax of n logits with exp_vec.
RG_KERNEL_INLINE void softmax_vec(float* x, int64_t n) {
  float m = x[0];
  for (int64_t i = 1; i < n; ++i) m = std::max(m, x[i]);
  for (int64_t i = 0; i < n; ++i) x[i] = exp_vec(x[i] - m);
  const float total = sum(x, n);
  for (int64_t i = 0; i < n; ++i) x[i] /= total;
}

// Columns j .. j + W of vec_mat below, their sums in registers across the rows.
template <int W>
RG_KERNEL_INLINE void vec_mat_columns(const float* x, const float* rows, int64_t n, int64_t stride, int64_t j,
                                      float* y) {
  float acc[W] = {};
  for (int64_t i = 0; i < n; ++i) {
    const float xi = x[i];
    const float* r = rows + i * stride + j;
    for (int k = 0; k < W; ++k) acc[k] += xi * r[k];
  }
  for (int k = 0; k < W; ++k) y[j + k] = acc[k];
}

// y [width] = sum over i < n of x[i] * rows[i * stride .. + width]: a vector times a matrix whose rows are
// `stride` apart, in column blocks whose sums stay in registers across the rows.
RG_KERNEL_INLINE void vec_mat(const float* x, const float* rows, int64_t n, int64_t stride, int64_t width,
                              float* y) {
  int64_t j = 0;
  for (; j + 32 <= width; j += 32) vec_mat_columns<32>(x, rows, n, stride, j, y);
  for (; j + 8 <= width; j += 8) vec_mat_columns<8>(x, rows, n, stride, j, y);
  for (; j < width; ++j) {
    float acc = 0;
    for (int64_t i = 0; i < n; ++i) acc += x[i] * rows[i * stride + j];
    y[j] = acc;
  }
}

// One head of softmax self-attention among F rows (AutoInt's over a request's fields): q, k, v rows `stride`
// floats apart, d each. Row i's softmax weights go to att + i * att_stride (att_stride 0: one scratch row
// reused), its output to out + i * out_stride. The keys are transposed to kt [d, F] first, so that a row's F
// scores are one vector times a matrix along contiguous rows, not F short dot products.
RG_KERNEL_INLINE void attention_head(const float* q, const float* k, const float* v, int64_t stride,
                                     int64_t F, int64_t d, float* kt, float* att, int64_t att_stride,
                                     float* out, int64_t out_stride) {
  for (int64_t j = 0; j < F; ++j)
    for (int64_t e = 0; e < d; ++e) kt[e * F + j] = k[j * stride + e];
  const float scale = 1.0f / std::sqrt(static_cast<float>(d));
  for (int64_t i = 0; i < F; ++i) {
    float* a = att + i * att_stride;
    vec_mat(q + i * stride, kt, d, F, F, a);
    for (int64_t j = 0; j < F; ++j) a[j] *= scale;
    softmax_vec(a, F);
    vec_mat(a, v, F, stride, d, out + i * out_stride);
  }
}

// h += s * a, over n.
RG_KERNEL_INLINE void axpy(float s, const float* a, float* h, int64_t n) {
  for (int64_t i = 0; i < n; ++i) h[i] += s * a[i];
}

}  // namespace rgalign::cpu
