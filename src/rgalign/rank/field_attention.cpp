// Fused AutoInt field attention: forward and backward kernels and the autograd function around them.
#include "rgalign/rank/field_attention.h"

#include <ATen/Parallel.h>

#include <algorithm>
#include <atomic>
#include <cmath>
#include <vector>

#include "rgalign/common/cpu_math.h"
#include "rgalign/common/error.h"

namespace rgalign {

namespace {

std::atomic<bool> g_fused{true};

struct FieldContext {
  int64_t F = 0, H = 0, d = 0;
  float scale = 1;
  const float* qkv = nullptr;                // [B, F, 3 H d]
  float* att = nullptr;                      // [B, H, F, F] softmax weights
  float* out = nullptr;                      // forward: [B, F, H d]
  const float* grad_out = nullptr;           // backward: [B, F, H d]
  float* grad_qkv = nullptr;                 // backward: [B, F, 3 H d]
  int64_t row() const { return 3 * H * d; }  // one field's q, k, v
};

FieldContext context(const torch::Tensor& qkv, int64_t H, int64_t d, const torch::Tensor& att) {
  FieldContext c;
  c.F = qkv.size(1);
  c.H = H;
  c.d = d;
  c.scale = 1.0f / std::sqrt(static_cast<float>(d));  // as cpu::attention_head scales the scores
  c.qkv = qkv.data_ptr<float>();
  c.att = att.data_ptr<float>();
  return c;
}

// Built twice (cpu_math.h). Forward for request b, head h: cpu::attention_head, its softmax weights kept for
// the backward pass. Scratch: kt [d * F].
RG_KERNEL_INLINE void field_forward_body(const FieldContext& c, int64_t b, int64_t h, float* kt) {
  const int64_t F = c.F, d = c.d, W = c.row(), Hd = c.H * d;
  const float* q = c.qkv + b * F * W + h * d;
  cpu::attention_head(q, q + Hd, q + 2 * Hd, W, F, d, kt, c.att + (b * c.H + h) * F * F, F,
                      c.out + b * F * Hd + h * d, Hd);
}

// Backward for request b, head h: with a = softmax(s), s = q k^T scale, out = a v:
// dv_j = sum_i a_ij g_i; da_ij = g_i . v_j; ds_ij = a_ij (da_ij - sum_j' a_ij' da_ij');
// dq_i = scale sum_j ds_ij k_j; dk_j = scale sum_i ds_ij q_i. dk and dv are summed transposed ([d, F],
// vectors along the fields). Scratch: vt, dkt, dvt [d * F] each, ds [F].
RG_KERNEL_INLINE void field_backward_body(const FieldContext& c, int64_t b, int64_t h, float* vt, float* dkt,
                                          float* dvt, float* ds) {
  const int64_t F = c.F, d = c.d, W = c.row(), Hd = c.H * d;
  const float* q = c.qkv + b * F * W + h * d;
  const float* k = q + Hd;
  const float* v = q + 2 * Hd;
  float* dq = c.grad_qkv + b * F * W + h * d;
  float* dk = dq + Hd;
  float* dv = dq + 2 * Hd;
  for (int64_t j = 0; j < F; ++j)  // this head's values, transposed: vt [d, F]
    for (int64_t e = 0; e < d; ++e) vt[e * F + j] = v[j * W + e];
  std::fill(dkt, dkt + d * F, 0.f);
  std::fill(dvt, dvt + d * F, 0.f);
  for (int64_t i = 0; i < F; ++i) {
    const float* a = c.att + ((b * c.H + h) * F + i) * F;
    const float* g = c.grad_out + (b * F + i) * Hd + h * d;
    cpu::vec_mat(g, vt, d, F, F, ds);  // da_i
    float weighted = 0;
    for (int64_t j = 0; j < F; ++j) weighted += a[j] * ds[j];
    for (int64_t j = 0; j < F; ++j) ds[j] = a[j] * (ds[j] - weighted) * c.scale;
    cpu::vec_mat(ds, k, F, W, d, dq + i * W);
    for (int64_t e = 0; e < d; ++e) {
      cpu::axpy(g[e], a, dvt + e * F, F);
      cpu::axpy(q[i * W + e], ds, dkt + e * F, F);
    }
  }
  for (int64_t j = 0; j < F; ++j)
    for (int64_t e = 0; e < d; ++e) {
      dk[j * W + e] = dkt[e * F + j];
      dv[j * W + e] = dvt[e * F + j];
    }
}

RG_AVX2_FMA void field_forward_avx2(const FieldContext& c, int64_t b, int64_t h, float* kt) {
  field_forward_body(c, b, h, kt);
}
void field_forward_base(const FieldContext& c, int64_t b, int64_t h, float* kt) {
  field_forward_body(c, b, h, kt);
}
RG_AVX2_FMA void field_backward_avx2(const FieldContext& c, int64_t b, int64_t h, float* vt, float* dkt,
                                     float* dvt, float* ds) {
  field_backward_body(c, b, h, vt, dkt, dvt, ds);
}
void field_backward_base(const FieldContext& c, int64_t b, int64_t h, float* vt, float* dkt, float* dvt,
                         float* ds) {
  field_backward_body(c, b, h, vt, dkt, dvt, ds);
}

// (request, head) pairs per parallel task.
constexpr int64_t kPairsPerTask = 8;

class FieldAttentionFunction : public torch::autograd::Function<FieldAttentionFunction> {
 public:
  static torch::Tensor forward(torch::autograd::AutogradContext* ctx, const torch::Tensor& qkv_in, int64_t H,
                               int64_t d) {
    const auto qkv = qkv_in.contiguous();
    const int64_t B = qkv.size(0), F = qkv.size(1);
    auto out = torch::empty({B, F, H * d}, qkv.options());  // [B, F, H d]
    auto att = torch::empty({B, H, F, F}, qkv.options());   // [B, H, F, F]
    FieldContext c = context(qkv, H, d, att);
    c.out = out.data_ptr<float>();
    const bool avx2 = cpu::has_avx2_fma();
    at::parallel_for(0, B * H, kPairsPerTask, [&](int64_t begin, int64_t end) {
      std::vector<float> kt(static_cast<size_t>(d * F));
      for (int64_t i = begin; i < end; ++i)
        (avx2 ? field_forward_avx2 : field_forward_base)(c, i / H, i % H, kt.data());
    });
    ctx->save_for_backward({qkv, att});
    ctx->saved_data["heads"] = H;
    ctx->saved_data["head_dim"] = d;
    return out;
  }

  static torch::autograd::variable_list backward(torch::autograd::AutogradContext* ctx,
                                                 torch::autograd::variable_list grads) {
    const auto saved = ctx->get_saved_variables();
    const auto &qkv = saved[0], &att = saved[1];
    const int64_t H = ctx->saved_data["heads"].toInt(), d = ctx->saved_data["head_dim"].toInt();
    const int64_t B = qkv.size(0), F = qkv.size(1);
    const auto g = grads[0].to(torch::kFloat32).contiguous();  // [B, F, H d]
    auto grad_qkv = torch::empty_like(qkv);                    // [B, F, 3 H d], every element written
    FieldContext c = context(qkv, H, d, att);
    c.grad_out = g.data_ptr<float>();
    c.grad_qkv = grad_qkv.data_ptr<float>();
    const bool avx2 = cpu::has_avx2_fma();
    at::parallel_for(0, B * H, kPairsPerTask, [&](int64_t begin, int64_t end) {
      std::vector<float> vt(static_cast<size_t>(d * F)), dkt(vt.size()), dvt(vt.size()),
          ds(static_cast<size_t>(F));
      for (int64_t i = begin; i < end; ++i)
        (avx2 ? field_backward_avx2 : field_backward_base)(c, i / H, i % H, vt.data(), dkt.data(), dvt.data(),
                                                           ds.data());
    });
    return {grad_qkv, torch::Tensor(), torch::Tensor()};
  }
};

}  // namespace

bool field_attention_fused_applies(const torch::Tensor& qkv) {
  return g_fused.load() && qkv.device().is_cpu() && qkv.scalar_type() == torch::kFloat32;
}

void set_field_attention_fused(bool on) {
  g_fused.store(on);
}

torch::Tensor field_attention_fused(const torch::Tensor& qkv, int64_t heads, int64_t head_dim) {
  RG_ASSERT(qkv.dim() == 3 && heads > 0 && head_dim > 0 && qkv.size(2) == 3 * heads * head_dim,
            "field attention input is [B, F, 3 H d]");
  return FieldAttentionFunction::apply(qkv, heads, head_dim);
}

}  // namespace rgalign
