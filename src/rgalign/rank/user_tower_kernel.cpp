// Fused user tower inference.
#include "rgalign/rank/user_tower_kernel.h"

#include <ATen/Parallel.h>

#include <algorithm>
#include <cmath>

#include "rgalign/common/cpu_math.h"
#include "rgalign/common/error.h"
#include "rgalign/rank/kernel_tensor.h"

namespace rgalign {

namespace {

// Requests per chunk: each expert row is read once per chunk (the experts' first layers are ~2 MB at the
// default sizes, more than L2).
constexpr int64_t kTowerChunk = 16;

struct TowerContext {
  const float* table;
  int64_t D, S, M, L, F;
  const int64_t *single, *multi, *s_off, *m_off;
  const float* mask;
  std::vector<const float*> layers;
  std::vector<int64_t> heads, head_dims, in_dims;
  const float *gate_w, *gate_b, *w1, *b1, *w2, *b2;
  int64_t E, hidden, out, in;
};

// Built twice (cpu_math.h), like every kernel here.
// Request b's field embeddings, then every AutoInt layer: its flattened [F * H d] output into x_out.
// Scratch: a, y [F * max(in, 4 H d)] each, kt [max d * F], scores [F].
RG_KERNEL_INLINE void tower_fields_body(const TowerContext& c, int64_t b, float* x_out, float* a, float* y,
                                        float* kt, float* scores) {
  const int64_t D = c.D, F = c.F;
  // Fields [F, D]: single-valued rows, then multi-valued fields mean-pooled over their mask.
  for (int64_t f = 0; f < c.S; ++f) {
    const float* row = c.table + (c.single[b * c.S + f] + c.s_off[f]) * D;
    std::copy(row, row + D, a + f * D);
  }
  for (int64_t m = 0; m < c.M; ++m) {
    float* acc = a + (c.S + m) * D;
    std::fill(acc, acc + D, 0.f);
    float n = 0;
    for (int64_t l = 0; l < c.L; ++l) {
      const float w = c.mask[(b * c.M + m) * c.L + l];
      const float* row = c.table + (c.multi[(b * c.M + m) * c.L + l] + c.m_off[m]) * D;
      cpu::axpy(w, row, acc, D);
      n += w;
    }
    const float denom = std::max(n, 1.f);
    for (int64_t d = 0; d < D; ++d) acc[d] /= denom;
  }
  // AutoInt layers: x [F, in] -> relu(attention(x) + residual(x)) [F, H d]. Every product is a vector times
  // a matrix along contiguous rows of outputs (vec_mat), not short dot products.
  const size_t n_layers = c.layers.size();
  if (n_layers == 0) std::copy(a, a + F * D, x_out);
  for (size_t l = 0; l < n_layers; ++l) {
    const int64_t in = c.in_dims[l], H = c.heads[l], d = c.head_dims[l], Hd = H * d, W = 4 * Hd;
    const float* wt = c.layers[l];  // [in, 4 Hd]
    for (int64_t f = 0; f < F; ++f) cpu::vec_mat(a + f * in, wt, in, W, W, y + f * W);
    float* next = l + 1 == n_layers ? x_out : a;  // a is free once y holds the projections
    for (int64_t h = 0; h < H; ++h)
      cpu::attention_head(y + h * d, y + Hd + h * d, y + 2 * Hd + h * d, W, F, d, kt, scores, 0, next + h * d,
                          Hd);
    for (int64_t f = 0; f < F; ++f) {
      float* out = next + f * Hd;
      const float* res = y + f * W + 3 * Hd;
      for (int64_t j = 0; j < Hd; ++j) out[j] = std::max(0.f, out[j] + res[j]);
    }
  }
}

// The mixture of experts over a chunk of n flattened requests x [n, in] -> out [n, T]. Scratch: gates [n, E],
// h [n, hidden].
RG_KERNEL_INLINE void tower_experts_body(const TowerContext& c, int64_t n, const float* x, float* out,
                                         float* gates, float* h) {
  const int64_t E = c.E, in = c.in, Hh = c.hidden, T = c.out;
  for (int64_t r = 0; r < n; ++r) {
    for (int64_t e = 0; e < E; ++e)
      gates[r * E + e] = cpu::dot(c.gate_w + e * in, x + r * in, in) + c.gate_b[e];
    cpu::softmax(gates + r * E, E);
  }
  std::fill(out, out + n * T, 0.f);
  for (int64_t e = 0; e < E; ++e) {
    for (int64_t j = 0; j < Hh; ++j) {
      const float* wj = c.w1 + (e * Hh + j) * in;
      const float bj = c.b1[e * Hh + j];
      for (int64_t r = 0; r < n; ++r) h[r * Hh + j] = std::max(0.f, cpu::dot(wj, x + r * in, in) + bj);
    }
    for (int64_t o = 0; o < T; ++o) {
      const float* wo = c.w2 + (e * T + o) * Hh;
      const float bo = c.b2[e * T + o];
      for (int64_t r = 0; r < n; ++r)
        out[r * T + o] += gates[r * E + e] * (cpu::dot(wo, h + r * Hh, Hh) + bo);
    }
  }
}

RG_AVX2_FMA void tower_fields_avx2(const TowerContext& c, int64_t b, float* x_out, float* a, float* y,
                                   float* kt, float* scores) {
  tower_fields_body(c, b, x_out, a, y, kt, scores);
}
void tower_fields_base(const TowerContext& c, int64_t b, float* x_out, float* a, float* y, float* kt,
                       float* scores) {
  tower_fields_body(c, b, x_out, a, y, kt, scores);
}
RG_AVX2_FMA void tower_experts_avx2(const TowerContext& c, int64_t n, const float* x, float* out,
                                    float* gates, float* h) {
  tower_experts_body(c, n, x, out, gates, h);
}
void tower_experts_base(const TowerContext& c, int64_t n, const float* x, float* out, float* gates,
                        float* h) {
  tower_experts_body(c, n, x, out, gates, h);
}

}  // namespace

torch::Tensor user_tower_fused(const UserTowerPrepared& p, const torch::Tensor& single,
                               const torch::Tensor& multi, const torch::Tensor& multi_mask) {
  auto sgl = single.to(torch::kInt64).contiguous();  // [B, S]
  auto mlt = multi.to(torch::kInt64).contiguous();   // [B, M, L]
  auto msk = contiguous_f32(multi_mask);             // [B, M, L]
  auto table = contiguous_f32(p.table);              // [N, D]
  auto s_off = p.single_offsets.to(torch::kInt64).contiguous();
  auto m_off = p.multi_offsets.to(torch::kInt64).contiguous();
  const int64_t B = sgl.size(0), S = sgl.size(1), M = m_off.numel();
  RG_ASSERT(s_off.numel() == S, "one offset per single-valued field");
  const int64_t L = M > 0 ? mlt.size(2) : 0;
  // Ids outside the table would read past it: the module path's lookup fails on them, so does this (a loop
  // over the ids, not tensor operations: this runs once per served batch).
  const int64_t rows = table.size(0);
  const int64_t* sp = sgl.data_ptr<int64_t>();
  const int64_t* so = s_off.data_ptr<int64_t>();
  for (int64_t i = 0; i < B * S; ++i)
    TORCH_CHECK(sp[i] >= 0 && sp[i] + so[i % S] < rows, "user tower: field id outside the embedding table");
  if (M > 0 && L > 0) {
    const int64_t* mp = mlt.data_ptr<int64_t>();
    const int64_t* mo = m_off.data_ptr<int64_t>();
    for (int64_t i = 0; i < B * M * L; ++i)
      TORCH_CHECK(mp[i] >= 0 && mp[i] + mo[(i / L) % M] < rows,
                  "user tower: field id outside the embedding table");
  }

  TowerContext c;
  c.table = table.data_ptr<float>();
  c.D = table.size(1);
  c.S = S;
  c.M = M;
  c.L = L;
  c.F = S + M;
  c.single = sp;
  c.multi = M > 0 ? mlt.data_ptr<int64_t>() : nullptr;
  c.mask = M > 0 ? msk.data_ptr<float>() : nullptr;
  c.s_off = so;
  c.m_off = M > 0 ? m_off.data_ptr<int64_t>() : nullptr;
  std::vector<torch::Tensor> keep;  // contiguous float32 copies outlive the raw pointers
  int64_t in = c.D, widest = c.D, head_widest = 1;
  for (size_t l = 0; l < p.layers.size(); ++l) {
    keep.push_back(contiguous_f32(p.layers[l]));
    c.layers.push_back(keep.back().data_ptr<float>());
    c.heads.push_back(p.heads[l]);
    c.head_dims.push_back(p.head_dims[l]);
    c.in_dims.push_back(in);
    RG_ASSERT(keep.back().size(1) == 4 * p.heads[l] * p.head_dims[l] && keep.back().size(0) == in,
              "AutoInt layer weights are [in, 4 H d]");
    in = p.heads[l] * p.head_dims[l];
    widest = std::max(widest, 4 * in);
    head_widest = std::max(head_widest, p.head_dims[l]);
  }
  for (const auto* t : {&p.gate_w, &p.gate_b, &p.w1, &p.b1, &p.w2, &p.b2}) keep.push_back(contiguous_f32(*t));
  const size_t g0 = keep.size() - 6;
  c.gate_w = keep[g0].data_ptr<float>();
  c.gate_b = keep[g0 + 1].data_ptr<float>();
  c.w1 = keep[g0 + 2].data_ptr<float>();
  c.b1 = keep[g0 + 3].data_ptr<float>();
  c.w2 = keep[g0 + 4].data_ptr<float>();
  c.b2 = keep[g0 + 5].data_ptr<float>();
  c.E = keep[g0 + 2].size(0);
  c.hidden = keep[g0 + 2].size(1);
  c.out = keep[g0 + 4].size(1);
  c.in = c.F * in;
  RG_ASSERT(keep[g0 + 2].size(2) == c.in && keep[g0].size(1) == c.in, "experts read the flattened fields");

  auto out = torch::empty({B, c.out}, torch::kFloat32);  // [B, T]
  float* op = out.data_ptr<float>();
  at::parallel_for(0, B, kTowerChunk, [&](int64_t begin, int64_t end) {
    std::vector<float> x(static_cast<size_t>(kTowerChunk * c.in)), a(static_cast<size_t>(c.F * widest)),
        y(static_cast<size_t>(c.F * widest)), kt(static_cast<size_t>(c.F * head_widest)),
        scores(static_cast<size_t>(c.F)), gates(static_cast<size_t>(kTowerChunk * c.E)),
        h(static_cast<size_t>(kTowerChunk * c.hidden));
    for (int64_t start = begin; start < end; start += kTowerChunk) {
      const int64_t n = std::min(kTowerChunk, end - start);
      const bool avx2 = cpu::has_avx2_fma();
      for (int64_t r = 0; r < n; ++r)
        (avx2 ? tower_fields_avx2 : tower_fields_base)(c, start + r, x.data() + r * c.in, a.data(), y.data(),
                                                       kt.data(), scores.data());
      (avx2 ? tower_experts_avx2 : tower_experts_base)(c, n, x.data(), op + start * c.out, gates.data(),
                                                       h.data());
    }
  });
  return out;
}

}  // namespace rgalign
