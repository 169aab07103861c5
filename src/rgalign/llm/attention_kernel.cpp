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
  const float* key_keep;  // [B, S]: 1 = real key
  const int64_t* first;   // [B]: each row's first real key (S when it has none)
  int64_t T, S, nh, hd, group;
  int64_t q_b, q_h, q_t;  // strides of q [B, nh, T, hd] along B, nh, T
  int64_t k_b, k_h, k_s;  // of k [B, nkv, S, hd]
  int64_t v_b, v_h, v_s;  // of v
  float scale;
};

// Below any real score minus the row's maximum: exp_vec gives exactly 0 for it (cpu_math.h).
constexpr float kMaskedExponent = -200.f;

// Built twice (cpu_math.h). Every query row of head h of batch row b. Scratch: scores [S].
RG_KERNEL_INLINE void attend_head_body(const AttentionContext& c, int64_t b, int64_t h, float* scores) {
  const float* kb = c.k + b * c.k_b + (h / c.group) * c.k_h;
  const float* vb = c.v + b * c.v_b + (h / c.group) * c.v_h;
  const float* keep = c.key_keep + b * c.S;
  for (int64_t t = 0; t < c.T; ++t) {
    const int64_t last = c.S - c.T + t;             // the query's own position
    const int64_t lo = std::min(c.first[b], last);  // keys before lo are padding: never seen
    const int64_t n = last - lo + 1;
    const float* qr = c.q + b * c.q_b + h * c.q_h + t * c.q_t;
    for (int64_t j = 0; j < n; ++j) scores[j] = cpu::dot(qr, kb + (lo + j) * c.k_s, c.hd) * c.scale;
    // The query's own key is always allowed, so the maximum is finite.
    float m = scores[n - 1];
    for (int64_t j = 0; j + 1 < n; ++j) m = std::max(m, keep[lo + j] > 0 ? scores[j] : m);
    for (int64_t j = 0; j + 1 < n; ++j)
      scores[j] = cpu::exp_vec(keep[lo + j] > 0 ? scores[j] - m : kMaskedExponent);
    scores[n - 1] = cpu::exp_vec(scores[n - 1] - m);
    const float inv_total = 1.f / cpu::sum(scores, n);
    float* o = c.out + ((b * c.T + t) * c.nh + h) * c.hd;
    cpu::vec_mat(scores, vb + lo * c.v_s, n, c.v_s, c.hd, o);
    for (int64_t d = 0; d < c.hd; ++d) o[d] *= inv_total;
  }
}

RG_AVX2_FMA void attend_head_avx2(const AttentionContext& c, int64_t b, int64_t h, float* scores) {
  attend_head_body(c, b, h, scores);
}
void attend_head_base(const AttentionContext& c, int64_t b, int64_t h, float* scores) {
  attend_head_body(c, b, h, scores);
}

}  // namespace

bool fused_attention_applies(const torch::Tensor& q) {
  return q.device().is_cpu() && q.scalar_type() == torch::kFloat32 && !at::GradMode::is_enabled();
}

FusedKeyMask fused_key_mask(const torch::Tensor& mask) {
  RG_ASSERT(mask.dim() == 2, "mask is [B, S]");
  const int64_t B = mask.size(0), S = mask.size(1);
  FusedKeyMask m;
  m.keep = mask.ne(0).to(torch::kCPU, torch::kFloat32).contiguous();  // [B, S]
  m.first.assign(static_cast<size_t>(B), S);
  const float* kp = m.keep.data_ptr<float>();
  for (int64_t b = 0; b < B; ++b)
    for (int64_t j = 0; j < S; ++j)
      if (kp[b * S + j] > 0) {
        m.first[static_cast<size_t>(b)] = j;
        break;
      }
  return m;
}

torch::Tensor causal_attention_fused(const torch::Tensor& q_in, const torch::Tensor& k_in,
                                     const torch::Tensor& v_in, const FusedKeyMask& key_mask) {
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
  c.key_keep = key_mask.keep.data_ptr<float>();
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
  at::parallel_for(0, B * nh, 1, [&](int64_t begin, int64_t end) {
    std::vector<float> scores(static_cast<size_t>(S));
    for (int64_t i = begin; i < end; ++i)
      (avx2 ? attend_head_avx2 : attend_head_base)(c, i / nh, i % nh, scores.data());
  });
  return out;
}

}  // namespace rgalign
