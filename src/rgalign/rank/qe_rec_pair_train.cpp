// Fused QE-Rec pair stage for training: the autograd function and its backward kernel.
#include "rgalign/rank/qe_rec_pair_train.h"

#include <ATen/Parallel.h>

#include <atomic>
#include <cmath>

#include "rgalign/common/cpu_math.h"
#include "rgalign/rank/kernel_tensor.h"

namespace rgalign {

namespace {

using cpu::axpy;
using cpu::dot;
using cpu::sum;

std::atomic<bool> g_pair_train_fused{true};

// Pairs whose tokens are rebuilt before the head's gradient products: 128 x 5T floats stay in L2.
constexpr int64_t kGradChunkPairs = 128;
// Request tokens a pair can have (user, query); the softmax weights of one token fit a small array.
constexpr int64_t kMaxRequestTokens = 4;

// What one pair's recomputation and backward read: per-request rows (index b), per-intent rows (index j).
struct PairGradContext {
  int64_t R, T;
  float eps, scale;
  std::vector<const float*> tok, q, k, v;  // R x [B, T]
  const float *xi, *qi, *ki, *vi;          // [I, T] each
  const float *gamma, *beta;               // [T] each
};

// Where one task adds its gradients. Per-request rows (tok .. v) are the shared outputs, written only at the
// task's own requests; per-intent rows and the LayerNorm's weights are the task's own sums.
struct PairGradSums {
  std::vector<float*> tok, q, k, v;  // R x [B, T]
  float *xi, *qi, *ki, *vi;          // [I, T] each
  float *gamma, *beta;               // [T] each
  float* rr;                         // [B, R, R]: d(loss) / d(request-to-request logit a -> o), scaled
};

// One pair (request b, intent j), forward again: the head's input into hrow [(2R+1) T] (tokens, intent
// token, products token * intent), each token's normalised input into xhat [(R+1) T] and inverse deviation
// into rstd [R+1], and the softmax weights into att [(R+1) R]: request token a's at att + a R (the other
// request tokens in order, then the intent), the intent token's at att + R R. Scratch: y [T].
RG_KERNEL_INLINE void pair_tokens_body(const PairGradContext& c, int64_t b, int64_t j, float* hrow,
                                       float* xhat, float* rstd, float* att, float* y) {
  const int64_t R = c.R, T = c.T;
  const float* xj = c.xi + j * T;
  const float* qj = c.qi + j * T;
  const float* kj = c.ki + j * T;
  const float* vj = c.vi + j * T;
  auto finish_token = [&](int64_t slot) {
    float* x = xhat + slot * T;
    rstd[slot] = cpu::standardize(y, T, c.eps, x);
    float* out = hrow + slot * T;
    for (int64_t t = 0; t < T; ++t) out[t] = x[t] * c.gamma[t] + c.beta[t];
  };
  for (int64_t a = 0; a < R; ++a) {
    float* w = att + a * R;
    const float* qa = c.q[a] + b * T;
    int64_t s = 0;
    for (int64_t o = 0; o < R; ++o)
      if (o != a) w[s++] = dot(qa, c.k[o] + b * T, T) * c.scale;
    w[s] = dot(qa, kj, T) * c.scale;
    cpu::softmax(w, R);
    const float* xa = c.tok[a] + b * T;
    for (int64_t t = 0; t < T; ++t) y[t] = xa[t] + w[R - 1] * vj[t];
    s = 0;
    for (int64_t o = 0; o < R; ++o)
      if (o != a) axpy(w[s++], c.v[o] + b * T, y, T);
    finish_token(a);
  }
  float* w = att + R * R;
  for (int64_t o = 0; o < R; ++o) w[o] = dot(c.k[o] + b * T, qj, T) * c.scale;
  cpu::softmax(w, R);
  for (int64_t t = 0; t < T; ++t) y[t] = xj[t];
  for (int64_t o = 0; o < R; ++o) axpy(w[o], c.v[o] + b * T, y, T);
  finish_token(R);
  const float* ti = hrow + R * T;
  for (int64_t a = 0; a < R; ++a)
    for (int64_t t = 0; t < T; ++t) hrow[(R + 1 + a) * T + t] = hrow[a * T + t] * ti[t];
}

// One pair's backward from dh [(2R+1) T], the gradient of its head input, given what pair_tokens_body
// wrote. Scratch: dt [(R+1) T].
RG_KERNEL_INLINE void pair_backward_body(const PairGradContext& c, const PairGradSums& g, int64_t b,
                                         int64_t j, const float* dh, const float* hrow, const float* xhat,
                                         const float* rstd, const float* att, float* dt) {
  const int64_t R = c.R, T = c.T;
  const float* ti = hrow + R * T;
  // The head input's gradient onto the tokens: the products token * intent send it to both factors.
  for (int64_t a = 0; a < R; ++a) {
    const float* dprod = dh + (R + 1 + a) * T;
    for (int64_t t = 0; t < T; ++t) dt[a * T + t] = dh[a * T + t] + dprod[t] * ti[t];
  }
  float* dti = dt + R * T;
  for (int64_t t = 0; t < T; ++t) dti[t] = dh[R * T + t];
  for (int64_t a = 0; a < R; ++a) {
    const float* dprod = dh + (R + 1 + a) * T;
    const float* ta = hrow + a * T;
    for (int64_t t = 0; t < T; ++t) dti[t] += dprod[t] * ta[t];
  }
  // LayerNorm backward, in place: dt of a token becomes the gradient of its input y.
  for (int64_t slot = 0; slot <= R; ++slot) {
    float* d = dt + slot * T;
    const float* x = xhat + slot * T;
    for (int64_t t = 0; t < T; ++t) {
      g.gamma[t] += d[t] * x[t];
      g.beta[t] += d[t];
      d[t] *= c.gamma[t];
    }
    const float m1 = sum(d, T) / static_cast<float>(T), m2 = dot(d, x, T) / static_cast<float>(T);
    const float r = rstd[slot];
    for (int64_t t = 0; t < T; ++t) d[t] = r * (d[t] - m1 - x[t] * m2);
  }
  float dw[kMaxRequestTokens];
  // Softmax backward in place on dw, scaled as the logits were: the logits' gradients.
  auto logit_grads = [&](const float* w) {
    float total = 0;
    for (int64_t s = 0; s < R; ++s) total += w[s] * dw[s];
    for (int64_t s = 0; s < R; ++s) dw[s] = w[s] * (dw[s] - total) * c.scale;
  };
  const float* qj = c.qi + j * T;
  const float* kj = c.ki + j * T;
  const float* vj = c.vi + j * T;
  // Request token a: y = x_a + sum over o != a of w_o v_o + w_I V_j; logits q_a . k_o and q_a . K_j.
  for (int64_t a = 0; a < R; ++a) {
    const float* dy = dt + a * T;
    const float* w = att + a * R;
    axpy(1.0f, dy, g.tok[a] + b * T, T);
    int64_t s = 0;
    for (int64_t o = 0; o < R; ++o) {
      if (o == a) continue;
      axpy(w[s], dy, g.v[o] + b * T, T);
      dw[s++] = dot(dy, c.v[o] + b * T, T);
    }
    axpy(w[R - 1], dy, g.vi + j * T, T);
    dw[R - 1] = dot(dy, vj, T);
    logit_grads(w);
    s = 0;
    for (int64_t o = 0; o < R; ++o)
      if (o != a) g.rr[(b * R + a) * R + o] += dw[s++];
    axpy(dw[R - 1], kj, g.q[a] + b * T, T);
    axpy(dw[R - 1], c.q[a] + b * T, g.ki + j * T, T);
  }
  // The intent token: y = X_j + sum over o of w_o v_o; logits k_o . Q_j.
  const float* w = att + R * R;
  axpy(1.0f, dti, g.xi + j * T, T);
  for (int64_t o = 0; o < R; ++o) {
    axpy(w[o], dti, g.v[o] + b * T, T);
    dw[o] = dot(dti, c.v[o] + b * T, T);
  }
  logit_grads(w);
  for (int64_t o = 0; o < R; ++o) {
    axpy(dw[o], qj, g.k[o] + b * T, T);
    axpy(dw[o], c.k[o] + b * T, g.qi + j * T, T);
  }
}

RG_AVX2_FMA void pair_tokens_avx2(const PairGradContext& c, int64_t b, int64_t j, float* hrow, float* xhat,
                                  float* rstd, float* att, float* y) {
  pair_tokens_body(c, b, j, hrow, xhat, rstd, att, y);
}
void pair_tokens_base(const PairGradContext& c, int64_t b, int64_t j, float* hrow, float* xhat, float* rstd,
                      float* att, float* y) {
  pair_tokens_body(c, b, j, hrow, xhat, rstd, att, y);
}
RG_AVX2_FMA void pair_backward_avx2(const PairGradContext& c, const PairGradSums& g, int64_t b, int64_t j,
                                    const float* dh, const float* hrow, const float* xhat, const float* rstd,
                                    const float* att, float* dt) {
  pair_backward_body(c, g, b, j, dh, hrow, xhat, rstd, att, dt);
}
void pair_backward_base(const PairGradContext& c, const PairGradSums& g, int64_t b, int64_t j,
                        const float* dh, const float* hrow, const float* xhat, const float* rstd,
                        const float* att, float* dt) {
  pair_backward_body(c, g, b, j, dh, hrow, xhat, rstd, att, dt);
}

// The function's tensor inputs, in this order: R tokens, R q, R k, R v, then these.
enum IntentAndWeights {
  kIntent,
  kIntentQ,
  kIntentK,
  kIntentV,
  kNormWeight,
  kNormBias,
  kW1,
  kB1,
  kW2,
  kB2,
  kCount
};

// One task's gradients of everything but the per-request rows.
struct TaskSums {
  torch::Tensor xi, qi, ki, vi, gamma, beta;  // [I, T] x 4, [T] x 2
  torch::Tensor w1, b1, w2;                   // [H, P T], [H], [H]
  double b2 = 0;
};

class PairTrainFunction : public torch::autograd::Function<PairTrainFunction> {
 public:
  static torch::Tensor forward(torch::autograd::AutogradContext* ctx, at::TensorList inputs, int64_t R,
                               double eps, const torch::Tensor& cand, const torch::Tensor& mask) {
    std::vector<torch::Tensor> x;
    for (const auto& t : inputs) x.push_back(contiguous_f32(t));
    QeRecPairInputs in;
    for (int64_t a = 0; a < R; ++a) {
      in.tokens.push_back(x[a]);
      in.q.push_back(x[R + a]);
      in.k.push_back(x[2 * R + a]);
      in.v.push_back(x[3 * R + a]);
    }
    const torch::Tensor* rest = x.data() + 4 * R;
    in.intent = rest[kIntent];
    in.intent_q = rest[kIntentQ];
    in.intent_k = rest[kIntentK];
    in.intent_v = rest[kIntentV];
    in.cand = cand;
    in.cand_mask = mask;
    const QeRecPairWeights w = weights(rest, eps);
    in.prepared = qe_rec_pair_prepare(in.intent, in.intent_v, R, w);
    torch::Tensor out = qe_rec_pair_logits(in, w);  // [B, C]
    x.push_back(in.cand.to(torch::kInt64).contiguous());
    x.push_back(in.cand_mask.to(torch::kBool).contiguous());
    ctx->save_for_backward(x);
    ctx->saved_data["request_tokens"] = R;
    ctx->saved_data["eps"] = eps;
    return out;
  }

  static torch::autograd::variable_list backward(torch::autograd::AutogradContext* ctx,
                                                 torch::autograd::variable_list grads) {
    // Detached: the products below write into buffers, which autograd refuses for inputs that need gradients
    // (grad mode is per thread, and the worker threads have it on).
    std::vector<torch::Tensor> x;
    for (const auto& t : ctx->get_saved_variables()) x.push_back(t.detach());
    const int64_t R = ctx->saved_data["request_tokens"].toInt();
    const double eps = ctx->saved_data["eps"].toDouble();
    const torch::Tensor* rest = x.data() + 4 * R;
    const torch::Tensor &cand = x[4 * R + kCount], &mask = x[4 * R + kCount + 1];  // [B, C]
    const QeRecPairWeights w = weights(rest, eps);
    const torch::Tensor g_out = contiguous_f32(grads[0]);  // [B, C]
    const int64_t B = cand.size(0), C = cand.size(1), T = rest[kIntent].size(1), I = rest[kIntent].size(0);
    const int64_t H = w.w1.size(0), PT = w.w1.size(1);

    PairGradContext c;
    c.R = R;
    c.T = T;
    c.eps = static_cast<float>(eps);
    c.scale = static_cast<float>(1.0 / std::sqrt(static_cast<double>(T)));
    for (int64_t a = 0; a < R; ++a) {
      c.tok.push_back(x[a].data_ptr<float>());
      c.q.push_back(x[R + a].data_ptr<float>());
      c.k.push_back(x[2 * R + a].data_ptr<float>());
      c.v.push_back(x[3 * R + a].data_ptr<float>());
    }
    c.xi = rest[kIntent].data_ptr<float>();
    c.qi = rest[kIntentQ].data_ptr<float>();
    c.ki = rest[kIntentK].data_ptr<float>();
    c.vi = rest[kIntentV].data_ptr<float>();
    c.gamma = w.norm_weight.data_ptr<float>();
    c.beta = w.norm_bias.data_ptr<float>();

    // Per-request gradients: zeroed, then each row written by the task that owns its request.
    std::vector<torch::Tensor> d_request;  // tok, q, k, v: 4R x [B, T]
    for (int64_t i = 0; i < 4 * R; ++i) d_request.push_back(torch::zeros({B, T}, torch::kFloat32));
    torch::Tensor d_rr = torch::zeros({B, R, R}, torch::kFloat32);

    const int64_t tasks = std::max<int64_t>(1, std::min<int64_t>(at::get_num_threads(), B));
    std::vector<TaskSums> sums(static_cast<size_t>(tasks));
    const torch::Tensor w1 = w.w1, b1 = w.b1, w2 = w.w2.reshape({-1});
    const float* b1_p = b1.data_ptr<float>();
    const float* w2_p = w2.data_ptr<float>();
    const float* g_p = g_out.data_ptr<float>();
    const int64_t* cand_p = cand.data_ptr<int64_t>();
    const bool* mask_p = mask.data_ptr<bool>();
    const bool avx2 = cpu::has_avx2_fma();
    at::parallel_for(0, tasks, 1, [&](int64_t task_begin, int64_t task_end) {
      torch::NoGradGuard no_grad;
      for (int64_t task = task_begin; task < task_end; ++task) {
        TaskSums& ts = sums[static_cast<size_t>(task)];
        for (torch::Tensor* t : {&ts.xi, &ts.qi, &ts.ki, &ts.vi}) *t = torch::zeros({I, T}, torch::kFloat32);
        ts.gamma = torch::zeros({T}, torch::kFloat32);
        ts.beta = torch::zeros({T}, torch::kFloat32);
        ts.w1 = torch::zeros({H, PT}, torch::kFloat32);
        ts.b1 = torch::zeros({H}, torch::kFloat32);
        ts.w2 = torch::zeros({H}, torch::kFloat32);
        PairGradSums gs;
        for (int64_t a = 0; a < R; ++a) {
          gs.tok.push_back(d_request[a].data_ptr<float>());
          gs.q.push_back(d_request[R + a].data_ptr<float>());
          gs.k.push_back(d_request[2 * R + a].data_ptr<float>());
          gs.v.push_back(d_request[3 * R + a].data_ptr<float>());
        }
        gs.xi = ts.xi.data_ptr<float>();
        gs.qi = ts.qi.data_ptr<float>();
        gs.ki = ts.ki.data_ptr<float>();
        gs.vi = ts.vi.data_ptr<float>();
        gs.gamma = ts.gamma.data_ptr<float>();
        gs.beta = ts.beta.data_ptr<float>();
        gs.rr = d_rr.data_ptr<float>();
        float* dw1_b1 = ts.b1.data_ptr<float>();
        float* dw2 = ts.w2.data_ptr<float>();

        const int64_t K = kGradChunkPairs;
        torch::Tensor h = torch::empty({K, PT}, torch::kFloat32);  // the head's input rows
        torch::Tensor z =
            torch::empty({K, H}, torch::kFloat32);  // its first layer, then that layer's gradient
        torch::Tensor dh = torch::empty({K, PT}, torch::kFloat32);  // the head input's gradient
        std::vector<float> xhat(static_cast<size_t>(K * (R + 1) * T)), rstd(static_cast<size_t>(K * (R + 1)));
        std::vector<float> att(static_cast<size_t>(K * (R + 1) * R)), y(static_cast<size_t>(T));
        std::vector<float> dt(static_cast<size_t>((R + 1) * T));
        std::vector<int64_t> slot(static_cast<size_t>(K));
        float* h_p = h.data_ptr<float>();
        float* z_p = z.data_ptr<float>();
        float* dh_p = dh.data_ptr<float>();
        auto finish = [&](int64_t n) {
          if (n == 0) return;
          const torch::Tensor hn = h.narrow(0, 0, n);
          torch::Tensor zn = z.narrow(0, 0, n), dhn = dh.narrow(0, 0, n);
          at::mm_out(zn, hn, w1.t());  // [n, H] = [n, P T] x [P T, H]
          for (int64_t row = 0; row < n; ++row) {
            const float go = g_p[slot[static_cast<size_t>(row)]];
            float* zr = z_p + row * H;
            for (int64_t k = 0; k < H; ++k) {
              const float pre = zr[k] + b1_p[k];
              const int32_t on = -static_cast<int32_t>(cpu::order_key(pre) > 0);  // ReLU passes: all bits
              dw2[k] += go * cpu::select_bits(on, pre, 0.0f);
              zr[k] = cpu::select_bits(on, go * w2_p[k], 0.0f);  // d(loss) / d(first layer)
              dw1_b1[k] += zr[k];
            }
            ts.b2 += go;
          }
          ts.w1.addmm_(zn.t(), hn);  // [H, P T] += [H, n] x [n, P T]
          at::mm_out(dhn, zn, w1);   // [n, P T] = [n, H] x [H, P T]
          for (int64_t row = 0; row < n; ++row) {
            const int64_t p = slot[static_cast<size_t>(row)];
            (avx2 ? pair_backward_avx2 : pair_backward_base)(
                c, gs, p / C, cand_p[p], dh_p + row * PT, h_p + row * PT, xhat.data() + row * (R + 1) * T,
                rstd.data() + row * (R + 1), att.data() + row * (R + 1) * R, dt.data());
          }
        };
        const int64_t first = B * task / tasks, last = B * (task + 1) / tasks;
        int64_t n = 0;
        for (int64_t p = first * C; p < last * C; ++p) {
          if (!mask_p[p]) continue;
          (avx2 ? pair_tokens_avx2 : pair_tokens_base)(
              c, p / C, cand_p[p], h_p + n * PT, xhat.data() + n * (R + 1) * T, rstd.data() + n * (R + 1),
              att.data() + n * (R + 1) * R, y.data());
          slot[static_cast<size_t>(n)] = p;
          if (++n == K) {
            finish(n);
            n = 0;
          }
        }
        finish(n);
        // The request-to-request logits q_a . k_o, the same for every candidate: their gradient summed over
        // the request's pairs, applied once per request.
        const float* rr = d_rr.data_ptr<float>();
        for (int64_t b = first; b < last; ++b)
          for (int64_t a = 0; a < R; ++a)
            for (int64_t o = 0; o < R; ++o) {
              if (o == a) continue;
              const float s = rr[(b * R + a) * R + o];
              axpy(s, c.k[o] + b * T, gs.q[a] + b * T, T);
              axpy(s, c.q[a] + b * T, gs.k[o] + b * T, T);
            }
      }
    });

    TaskSums total = sums.front();  // the tasks' sums added in task order
    for (size_t i = 1; i < sums.size(); ++i) {
      const TaskSums& from = sums[i];
      total.xi.add_(from.xi);
      total.qi.add_(from.qi);
      total.ki.add_(from.ki);
      total.vi.add_(from.vi);
      total.gamma.add_(from.gamma);
      total.beta.add_(from.beta);
      total.w1.add_(from.w1);
      total.b1.add_(from.b1);
      total.w2.add_(from.w2);
      total.b2 += from.b2;
    }
    torch::autograd::variable_list out = d_request;
    for (const auto& t :
         {total.xi, total.qi, total.ki, total.vi, total.gamma, total.beta, total.w1, total.b1})
      out.push_back(t);
    out.push_back(total.w2.view({1, H}));
    out.push_back(torch::full({1}, total.b2, torch::kFloat32));
    for (int i = 0; i < 4; ++i) out.emplace_back();  // R, eps, cand, mask
    return out;
  }

 private:
  static QeRecPairWeights weights(const torch::Tensor* rest, double eps) {
    QeRecPairWeights w;
    w.norm_weight = rest[kNormWeight];
    w.norm_bias = rest[kNormBias];
    w.norm_eps = eps;
    w.w1 = rest[kW1];
    w.b1 = rest[kB1];
    w.w2 = rest[kW2];
    w.b2 = rest[kB2];
    return w;
  }
};

}  // namespace

bool qe_rec_pair_train_fused_applies(const torch::Tensor& token) {
  return g_pair_train_fused.load() && token.device().is_cpu() && token.scalar_type() == torch::kFloat32;
}

void set_qe_rec_pair_train_fused(bool on) {
  g_pair_train_fused.store(on);
}

torch::Tensor qe_rec_pair_logits_train(const QeRecPairInputs& in, const QeRecPairWeights& w) {
  const auto R = static_cast<int64_t>(in.tokens.size());
  TORCH_CHECK(R >= 1 && R <= kMaxRequestTokens && in.q.size() == in.tokens.size() &&
                  in.k.size() == in.tokens.size() && in.v.size() == in.tokens.size(),
              "one to ", kMaxRequestTokens, " request tokens, each with a q, k and v projection");
  std::vector<torch::Tensor> inputs;
  for (const auto* list : {&in.tokens, &in.q, &in.k, &in.v})
    for (const auto& t : *list) inputs.push_back(t);
  for (const auto& t :
       {in.intent, in.intent_q, in.intent_k, in.intent_v, w.norm_weight, w.norm_bias, w.w1, w.b1, w.w2, w.b2})
    inputs.push_back(t);
  return PairTrainFunction::apply(at::TensorList(inputs), R, w.norm_eps, in.cand, in.cand_mask);
}

}  // namespace rgalign
