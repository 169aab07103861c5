// Fused QE-Rec pair stage.
#include "rgalign/rank/qe_rec_pair_kernel.h"

#include <ATen/Parallel.h>

#include <algorithm>
#include <cmath>

#include "rgalign/common/cpu_math.h"
#include "rgalign/rank/kernel_tensor.h"

namespace rgalign {

namespace {

using cpu::axpy;
using cpu::dot;
using cpu::softmax;
using cpu::sum;

// Pairs whose product rows are built before one matrix product: 128 x 2T floats stay in L1/L2.
constexpr int64_t kChunkPairs = 128;
constexpr float kPadLogit = -1e9f;

// y [T] -> out = LayerNorm(y) [T]; returns its mean and inverse deviation through m and r.
RG_KERNEL_INLINE void layer_norm(const float* y, const float* gamma, const float* beta, float eps, int64_t T,
                                 float* out, float* m, float* r) {
  *r = cpu::standardize(y, T, eps, out, m);
  for (int64_t t = 0; t < T; ++t) out[t] = out[t] * gamma[t] + beta[t];
}

// Everything one pair reads: per-request rows (index b), per-intent rows (index j), weights, sizes.
struct PairContext {
  int64_t R, T, H;
  float eps, scale;
  std::vector<const float*> tok, q, k, v;  // R x [B, T]
  std::vector<const float*> own;           // R x [B, H]: (W_a gamma) x_a
  std::vector<const float*> from_intent;   // R x [B, H]: (W_I gamma) v_c
  std::vector<const float*> cross;         // R x R x [B, H]: (W_a gamma) v_c, c != a
  std::vector<const float*> gsum;          // R+1 x [H]: W_p gamma
  const float* rr;                         // [B, R, R] request-to-request attention logits
  const float *xi, *qi, *ki, *vi, *ih;     // [I, T] x 4, [I, (R+1) H]
  const float *gamma, *beta, *base;        // [T], [T], [H]
};

// One pair (request b, intent j): the head's first layer without the product parts, into hrow [H], and the
// products token * intent into prow [R*T]. Scratch: y [T], normed [(R+1) T], logits [R+1]. Built twice
// (cpu_math.h): pair_row runs the AVX2 + FMA build where the CPU has them.
RG_KERNEL_INLINE void pair_row_body(const PairContext& c, int64_t b, int64_t j, float* hrow, float* prow,
                                    float* y, float* normed, float* logits) {
  const int64_t R = c.R, T = c.T, H = c.H;
  const float* xj = c.xi + j * T;
  const float* qj = c.qi + j * T;
  const float* kj = c.ki + j * T;
  const float* vj = c.vi + j * T;
  const float* ihj = c.ih + j * (R + 1) * H;
  std::copy(c.base, c.base + H, hrow);
  // Request token a attends to the other request tokens, then to the candidate's intent token.
  for (int64_t a = 0; a < R; ++a) {
    int64_t n_logits = 0;
    for (int64_t o = 0; o < R; ++o)
      if (o != a) logits[n_logits++] = c.rr[(b * R + a) * R + o];
    logits[n_logits] = dot(c.q[a] + b * T, kj, T) * c.scale;
    softmax(logits, n_logits + 1);
    const float* xa = c.tok[a] + b * T;
    const float wi = logits[n_logits];
    for (int64_t t = 0; t < T; ++t) y[t] = xa[t] + wi * vj[t];
    int64_t s = 0;
    for (int64_t o = 0; o < R; ++o) {
      if (o == a) continue;
      const float* vo = c.v[o] + b * T;
      for (int64_t t = 0; t < T; ++t) y[t] = y[t] + logits[s] * vo[t];
      ++s;
    }
    float m, r;
    layer_norm(y, c.gamma, c.beta, c.eps, T, normed + a * T, &m, &r);
    // W_a LN(y) = r (W_a gamma) y - r m (W_a gamma) 1 + W_a beta, y = x_a + w_i V_j + sum_o w_o v_o.
    axpy(r, c.own[a] + b * H, hrow, H);
    axpy(r * wi, ihj + a * H, hrow, H);
    s = 0;
    for (int64_t o = 0; o < R; ++o) {
      if (o == a) continue;
      axpy(r * logits[s++], c.cross[a * R + o] + b * H, hrow, H);
    }
    axpy(-r * m, c.gsum[a], hrow, H);
  }
  // The intent token attends to every request token.
  for (int64_t o = 0; o < R; ++o) logits[o] = dot(c.k[o] + b * T, qj, T) * c.scale;
  softmax(logits, R);
  for (int64_t t = 0; t < T; ++t) y[t] = xj[t];
  for (int64_t o = 0; o < R; ++o) {
    const float* vo = c.v[o] + b * T;
    for (int64_t t = 0; t < T; ++t) y[t] = y[t] + logits[o] * vo[t];
  }
  float* intent_out = normed + R * T;
  float m, r;
  layer_norm(y, c.gamma, c.beta, c.eps, T, intent_out, &m, &r);
  axpy(r, ihj + R * H, hrow, H);
  for (int64_t o = 0; o < R; ++o) axpy(r * logits[o], c.from_intent[o] + b * H, hrow, H);
  axpy(-r * m, c.gsum[R], hrow, H);
  // The products token * intent, for the matrix product.
  for (int64_t a = 0; a < R; ++a)
    for (int64_t t = 0; t < T; ++t) prow[a * T + t] = normed[a * T + t] * intent_out[t];
}

RG_AVX2_FMA void pair_row_avx2(const PairContext& c, int64_t b, int64_t j, float* hrow, float* prow, float* y,
                               float* normed, float* logits) {
  pair_row_body(c, b, j, hrow, prow, y, normed, logits);
}

void pair_row_base(const PairContext& c, int64_t b, int64_t j, float* hrow, float* prow, float* y,
                   float* normed, float* logits) {
  pair_row_body(c, b, j, hrow, prow, y, normed, logits);
}

void pair_row(const PairContext& c, int64_t b, int64_t j, float* hrow, float* prow, float* y, float* normed,
              float* logits) {
  if (cpu::has_avx2_fma())
    pair_row_avx2(c, b, j, hrow, prow, y, normed, logits);
  else
    pair_row_base(c, b, j, hrow, prow, y, normed, logits);
}

}  // namespace

QeRecPairPrepared QeRecPairPrepared::from_tensors(const std::vector<torch::Tensor>& list, size_t first) {
  TORCH_CHECK(list.size() >= first + 5, "prepared pair-stage tensors missing");
  return {list[first], list[first + 1], list[first + 2], list[first + 3], list[first + 4]};
}

QeRecPairPrepared qe_rec_pair_prepare(const torch::Tensor& intent, const torch::Tensor& intent_v, int64_t R,
                                      const QeRecPairWeights& w) {
  const int64_t T = intent.size(1);
  const torch::Tensor w1 = contiguous_f32(w.w1);                                   // [H, P*T]
  const torch::Tensor normed = w1.narrow(1, 0, (R + 1) * T).view({-1, R + 1, T});  // [H, R+1, T]: W_p
  // W_p scaled by the LayerNorm's gamma per input column, p = request tokens then the intent token.
  const torch::Tensor blocks = normed.permute({1, 0, 2}) * contiguous_f32(w.norm_weight);  // [R+1, H, T]
  QeRecPairPrepared p;
  std::vector<torch::Tensor> head;
  for (int64_t a = 0; a < R; ++a)
    head.push_back(torch::matmul(contiguous_f32(intent_v), blocks[a].t()));  // [I, H]
  head.push_back(torch::matmul(contiguous_f32(intent), blocks[R].t()));      // [I, H]
  p.intent_head = torch::cat(head, /*dim=*/1).contiguous();                  // [I, (R+1) H]
  p.blocks = blocks.contiguous();
  p.gamma_sums = blocks.sum(/*dim=*/2).contiguous();  // [R+1, H]
  p.base = contiguous_f32(w.b1) + torch::matmul(normed, contiguous_f32(w.norm_bias)).sum(/*dim=*/1);  // [H]
  p.products_t = w1.narrow(1, (R + 1) * T, R * T).t().contiguous();  // [R*T, H]
  return p;
}

torch::Tensor qe_rec_pair_logits(const QeRecPairInputs& in, const QeRecPairWeights& w) {
  const auto R = static_cast<int64_t>(in.tokens.size());
  TORCH_CHECK(R >= 1 && in.q.size() == in.tokens.size() && in.k.size() == in.tokens.size() &&
                  in.v.size() == in.tokens.size(),
              "one q, k and v projection per request token");
  const int64_t B = in.cand.size(0), C = in.cand.size(1), T = in.intent.size(1);
  const int64_t P = 2 * R + 1, H = w.w1.size(0), I = in.intent.size(0);
  TORCH_CHECK(w.w1.size(1) == P * T, "head input ", w.w1.size(1), " but ", P, " parts of ", T);
  const QeRecPairPrepared& pre = in.prepared;
  TORCH_CHECK(pre.intent_head.size(0) == I && pre.intent_head.size(1) == (R + 1) * H, "intent head terms ",
              pre.intent_head.sizes(), " for ", I, " intents and ", R + 1, " tokens");

  PairContext c;
  c.R = R;
  c.T = T;
  c.H = H;
  c.eps = static_cast<float>(w.norm_eps);
  c.scale = static_cast<float>(1.0 / std::sqrt(static_cast<double>(T)));
  std::vector<torch::Tensor> keep;  // owns every tensor the context's pointers read
  auto ptr = [&](const torch::Tensor& t) {
    keep.push_back(contiguous_f32(t));
    return keep.back().data_ptr<float>();
  };
  // Per request: each token's projections, and the head's first layer (gamma-scaled) on the per-request
  // vectors that enter each token's LayerNorm input.
  const torch::Tensor& blocks = pre.blocks;  // [R+1, H, T]
  c.cross.assign(static_cast<size_t>(R * R), nullptr);
  for (int64_t a = 0; a < R; ++a) {
    const torch::Tensor ta = contiguous_f32(in.tokens[a]), va = contiguous_f32(in.v[a]);  // [B, T]
    c.tok.push_back(ptr(ta));
    c.q.push_back(ptr(in.q[a]));
    c.k.push_back(ptr(in.k[a]));
    c.v.push_back(ptr(va));
    c.own.push_back(ptr(torch::matmul(ta, blocks[a].t())));          // [B, H]
    c.from_intent.push_back(ptr(torch::matmul(va, blocks[R].t())));  // [B, H]
    for (int64_t o = 0; o < R; ++o)
      if (o != a) c.cross[a * R + o] = ptr(torch::matmul(contiguous_f32(in.v[o]), blocks[a].t()));  // [B, H]
  }
  const float* gamma_sums = ptr(pre.gamma_sums);  // [R+1, H]
  for (int64_t p = 0; p <= R; ++p) c.gsum.push_back(gamma_sums + p * H);
  c.base = ptr(pre.base);
  c.xi = ptr(in.intent);
  c.qi = ptr(in.intent_q);
  c.ki = ptr(in.intent_k);
  c.vi = ptr(in.intent_v);
  c.ih = ptr(pre.intent_head);
  c.gamma = ptr(w.norm_weight);
  c.beta = ptr(w.norm_bias);
  // Request-to-request attention logits, the same for every candidate: rr[(b * R + a) * R + o] for a != o.
  std::vector<float> rr(static_cast<size_t>(B * R * R), 0.0f);
  for (int64_t b = 0; b < B; ++b)
    for (int64_t a = 0; a < R; ++a)
      for (int64_t o = 0; o < R; ++o)
        if (o != a)
          rr[static_cast<size_t>((b * R + a) * R + o)] = dot(c.q[a] + b * T, c.k[o] + b * T, T) * c.scale;
  c.rr = rr.data();

  const float* w2 = ptr(w.w2.reshape({-1}));
  const float b2 = contiguous_f32(w.b2).data_ptr<float>()[0];
  const torch::Tensor& wprod = pre.products_t;                            // [R*T, H]
  const torch::Tensor cand = in.cand.to(torch::kInt64).contiguous();      // [B, C]
  const torch::Tensor mask = in.cand_mask.to(torch::kBool).contiguous();  // [B, C]
  const int64_t* cand_p = cand.data_ptr<int64_t>();
  const bool* mask_p = mask.data_ptr<bool>();
  torch::Tensor out = torch::empty({B, C}, torch::kFloat32);  // [B, C]
  float* out_p = out.data_ptr<float>();
  at::parallel_for(0, B * C, 2 * kChunkPairs, [&](int64_t begin, int64_t end) {
    torch::Tensor prod = torch::empty({kChunkPairs, R * T}, torch::kFloat32);  // token * intent rows
    torch::Tensor h = torch::empty({kChunkPairs, H}, torch::kFloat32);         // the head's first layer
    float* prod_p = prod.data_ptr<float>();
    float* h_p = h.data_ptr<float>();
    std::vector<float> y(static_cast<size_t>(T)), normed(static_cast<size_t>((R + 1) * T));
    std::vector<float> logits(static_cast<size_t>(R + 1));
    std::vector<int64_t> slot(kChunkPairs);  // where each chunk row's logit goes
    auto finish = [&](int64_t n) {
      if (n == 0) return;
      torch::Tensor hn = h.narrow(0, 0, n);
      hn.addmm_(prod.narrow(0, 0, n), wprod);  // [n, H] += [n, R*T] x [R*T, H]
      for (int64_t row = 0; row < n; ++row) {
        const float* hr = h_p + row * H;
        float s = 0;
        for (int64_t k = 0; k < H; ++k) s += std::max(hr[k], 0.0f) * w2[k];
        out_p[slot[static_cast<size_t>(row)]] = s + b2;
      }
    };
    int64_t n = 0;
    for (int64_t p = begin; p < end; ++p) {
      if (!mask_p[p]) {
        out_p[p] = kPadLogit;
        continue;
      }
      const int64_t j = cand_p[p];
      TORCH_CHECK(j >= 0 && j < I, "candidate index ", j, " outside the ", I, " intents");
      pair_row(c, p / C, j, h_p + n * H, prod_p + n * R * T, y.data(), normed.data(), logits.data());
      slot[static_cast<size_t>(n)] = p;
      if (++n == kChunkPairs) {
        finish(n);
        n = 0;
      }
    }
    finish(n);
  });
  return out;
}

}  // namespace rgalign
