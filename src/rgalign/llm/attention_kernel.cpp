// Fused causal attention for CPU inference.
#include "rgalign/llm/attention_kernel.h"

#include <ATen/Parallel.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <vector>

#include "rgalign/common/cpu_math.h"
#include "rgalign/common/error.h"

namespace rgalign {

namespace {

struct AttentionContext {
  const float *q, *k, *v;
  float* out;             // [B, T, nh, hd]
  const int32_t* keep;    // [B, S]: -1 = real key, 0 = padding
  const int64_t* first;   // [B]: each row's first real key (S when it has none)
  int64_t T, S, nh, hd, group;
  int64_t q_b, q_h, q_t;  // strides of q [B, nh, T, hd] along B, nh, T
  int64_t k_b, k_h, k_s;  // of k [B, nkv, S, hd]
  int64_t v_b, v_h, v_s;  // of v
  float scale;
};

// Below any real score minus the row's maximum: exp_vec gives exactly 0 for it (cpu_math.h).
constexpr float kMaskedExponent = -200.f;

// Query row t of head h of batch row b: the keys it sees, lo .. lo + n - 1 (the last one its own position),
// where its query is read and its output written.
struct QueryRow {
  int64_t lo, n;
  const float* q;  // [hd]
  float* out;      // [hd]
};
RG_KERNEL_INLINE QueryRow query_row(const AttentionContext& c, int64_t b, int64_t h, int64_t t) {
  const int64_t last = c.S - c.T + t;             // the query's own position
  const int64_t lo = std::min(c.first[b], last);  // keys before lo are padding: never seen
  return {lo, last - lo + 1, c.q + b * c.q_b + h * c.q_h + t * c.q_t,
          c.out + ((b * c.T + t) * c.nh + h) * c.hd};
}

// Query row r of batch row b from its raw scores [r.n] over its keys: the softmax weights, the masked keys'
// exactly 0, then r.out = their weighted sum of the value rows vb. Both loops over the scores vectorise: the
// mask is applied with integer operations (cpu_math.h).
RG_KERNEL_INLINE void attend_row(const AttentionContext& c, int64_t b, const QueryRow& r, const float* vb,
                                 float* scores) {
  const int32_t* keep = c.keep + b * c.S;
  const int64_t lo = r.lo, n = r.n;
  // The query's own key is always allowed (whatever the mask says), so the maximum is finite, and every real
  // key's exponent is at most 0.
  const float m = cpu::masked_max(scores, keep + lo, n - 1, scores[n - 1]);
  for (int64_t j = 0; j + 1 < n; ++j)
    scores[j] = cpu::exp_vec(cpu::select_bits(keep[lo + j], (scores[j] - m) * c.scale, kMaskedExponent));
  scores[n - 1] = cpu::exp_vec((scores[n - 1] - m) * c.scale);
  const float inv_total = 1.f / cpu::sum(scores, n);
  cpu::vec_mat(scores, vb + lo * c.v_s, n, c.v_s, c.hd, r.out);
  for (int64_t d = 0; d < c.hd; ++d) r.out[d] *= inv_total;
}

// Built twice (cpu_math.h). Every query row of head h of batch row b, each score one dot product: for
// decoding steps (one query row). Scratch: scores [S].
RG_KERNEL_INLINE void attend_head_body(const AttentionContext& c, int64_t b, int64_t h, float* scores) {
  const float* kb = c.k + b * c.k_b + (h / c.group) * c.k_h;
  const float* vb = c.v + b * c.v_b + (h / c.group) * c.v_h;
  for (int64_t t = 0; t < c.T; ++t) {
    const QueryRow r = query_row(c, b, h, t);
    for (int64_t j = 0; j < r.n; ++j) scores[j] = cpu::dot(r.q, kb + (r.lo + j) * c.k_s, c.hd);
    attend_row(c, b, r, vb, scores);
  }
}

// The keys a batch row's queries may see, [lo0, S) with lo0 the lowest first key of its rows.
RG_KERNEL_INLINE int64_t first_visible_key(const AttentionContext& c, int64_t b) {
  return std::min(c.first[b], c.S - c.T);
}

// Columns of the transposed keys of one kv head: the visible keys and 8 zero columns after them, so that a
// row's scores can be computed in whole blocks of 8 keys past its last one.
inline int64_t transposed_width(const AttentionContext& c, int64_t b) {
  return c.S - first_visible_key(c, b) + 8;
}

// Built twice (cpu_math.h). Every query row of the heads that read kv head g of batch row b, with the visible
// keys transposed once to kt [hd, W] (W = transposed_width): a row's scores are then the query times a matrix
// of contiguous rows, summed in registers across the head dimension, not one short dot product per key. For
// prefill, whose many query rows per head pay for the transposition. Scratch: kt [hd * W], scores [W].
RG_KERNEL_INLINE void attend_group_transposed_body(const AttentionContext& c, int64_t b, int64_t g, float* kt,
                                                   float* scores) {
  const int64_t lo0 = first_visible_key(c, b), W = transposed_width(c, b);
  const float* kb = c.k + b * c.k_b + g * c.k_h;
  const float* vb = c.v + b * c.v_b + g * c.v_h;
  for (int64_t d = 0; d < c.hd; ++d) {
    float* row = kt + d * W;
    for (int64_t j = lo0; j < c.S; ++j) row[j - lo0] = kb[j * c.k_s + d];
    std::fill(row + (c.S - lo0), row + W, 0.f);
  }
  for (int64_t h = g * c.group; h < (g + 1) * c.group; ++h)
    for (int64_t t = 0; t < c.T; ++t) {
      const QueryRow r = query_row(c, b, h, t);
      cpu::vec_mat(r.q, kt + (r.lo - lo0), c.hd, W, (r.n + 7) / 8 * 8, scores);  // [n rounded up to 8]
      attend_row(c, b, r, vb, scores);
    }
}

RG_AVX2_FMA void attend_head_avx2(const AttentionContext& c, int64_t b, int64_t h, float* scores) {
  attend_head_body(c, b, h, scores);
}
void attend_head_base(const AttentionContext& c, int64_t b, int64_t h, float* scores) {
  attend_head_body(c, b, h, scores);
}
RG_AVX2_FMA void attend_group_transposed_avx2(const AttentionContext& c, int64_t b, int64_t g, float* kt,
                                              float* scores) {
  attend_group_transposed_body(c, b, g, kt, scores);
}
void attend_group_transposed_base(const AttentionContext& c, int64_t b, int64_t g, float* kt, float* scores) {
  attend_group_transposed_body(c, b, g, kt, scores);
}

// Query rows per head from which the transposed keys pay for themselves (a decoding step has one).
constexpr int64_t kTransposedKeysMinRows = 8;

}  // namespace

bool fused_attention_applies(const torch::Tensor& q) {
  return q.device().is_cpu() && q.scalar_type() == torch::kFloat32 && !at::GradMode::is_enabled();
}

FusedKeyMask fused_key_mask(const torch::Tensor& mask) {
  RG_ASSERT(mask.dim() == 2, "mask is [B, S]");
  const int64_t B = mask.size(0), S = mask.size(1);
  FusedKeyMask m;
  m.keep = mask.ne(0).to(torch::kCPU, torch::kInt32).neg().contiguous();  // [B, S]: -1 or 0
  m.first.assign(static_cast<size_t>(B), S);
  const int32_t* kp = m.keep.data_ptr<int32_t>();
  for (int64_t b = 0; b < B; ++b)
    for (int64_t j = 0; j < S; ++j)
      if (kp[b * S + j] != 0) {
        m.first[static_cast<size_t>(b)] = j;
        break;
      }
  return m;
}

torch::Tensor causal_attention_fused(const torch::Tensor& q_in, const torch::Tensor& k_in,
                                     const torch::Tensor& v_in, const FusedKeyMask& key_mask,
                                     FusedScores scores_path) {
  RG_ASSERT(q_in.dim() == 4 && k_in.dim() == 4 && v_in.dim() == 4, "attention inputs are 4-d");
  const int64_t B = q_in.size(0), nh = q_in.size(1), T = q_in.size(2), hd = q_in.size(3), nkv = k_in.size(1),
                S = k_in.size(2);
  RG_ASSERT(nkv > 0 && nh % nkv == 0 && v_in.sizes() == k_in.sizes() && k_in.size(0) == B &&
                k_in.size(3) == hd && S >= T,
            "attention shapes");
  RG_ASSERT(key_mask.keep.size(0) == B && key_mask.keep.size(1) == S, "key mask is [B, S]");
  // Only the head dimension must be contiguous; the other strides are read as they are.
  auto rows = [](const torch::Tensor& x) { return x.stride(3) == 1 ? x : x.contiguous(); };
  const auto q = rows(q_in), k = rows(k_in), v = rows(v_in);
  auto out = torch::empty({B, T, nh * hd}, q.options());  // [B, T, nh*hd]
  AttentionContext c;
  c.q = q.data_ptr<float>();
  c.k = k.data_ptr<float>();
  c.v = v.data_ptr<float>();
  c.out = out.data_ptr<float>();
  c.keep = key_mask.keep.data_ptr<int32_t>();
  c.first = key_mask.first.data();
  c.T = T;
  c.S = S;
  c.nh = nh;
  c.hd = hd;
  c.group = nh / nkv;
  c.q_b = q.stride(0), c.q_h = q.stride(1), c.q_t = q.stride(2);
  c.k_b = k.stride(0), c.k_h = k.stride(1), c.k_s = k.stride(2);
  c.v_b = v.stride(0), c.v_h = v.stride(1), c.v_s = v.stride(2);
  c.scale = static_cast<float>(1.0 / std::sqrt(static_cast<double>(hd)));
  const bool avx2 = cpu::has_avx2_fma();
  if (scores_path == FusedScores::kAuto)
    scores_path = T >= kTransposedKeysMinRows ? FusedScores::kTransposedKeys : FusedScores::kRowDots;
  if (scores_path == FusedScores::kTransposedKeys) {
    at::parallel_for(0, B * nkv, 1, [&](int64_t begin, int64_t end) {
      std::vector<float> kt, scores;
      for (int64_t i = begin; i < end; ++i) {
        const int64_t b = i / nkv, W = transposed_width(c, b);
        kt.resize(static_cast<size_t>(hd * W));
        scores.resize(static_cast<size_t>(W));
        (avx2 ? attend_group_transposed_avx2 : attend_group_transposed_base)(c, b, i % nkv, kt.data(),
                                                                             scores.data());
      }
    });
    return out;
  }
  at::parallel_for(0, B * nh, 1, [&](int64_t begin, int64_t end) {
    std::vector<float> scores(static_cast<size_t>(S));
    for (int64_t i = begin; i < end; ++i)
      (avx2 ? attend_head_avx2 : attend_head_base)(c, i / nh, i % nh, scores.data());
  });
  return out;
}

}  // namespace rgalign
