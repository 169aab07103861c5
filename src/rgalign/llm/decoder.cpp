// Decoder forward pass and checkpoint I/O.
#include "rgalign/llm/decoder.h"

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <optional>
#include <set>

#include "rgalign/common/atomic_file.h"
#include "rgalign/common/error.h"
#include "rgalign/common/json_util.h"
#include "rgalign/llm/attention_kernel.h"
#include "rgalign/llm/safetensors.h"
#include "rgalign/llm/safetensors_torch.h"

namespace rgalign {

namespace fs = std::filesystem;

torch::Tensor rms_norm(const torch::Tensor& x, const torch::Tensor& w, double eps) {
  auto xf = x.to(torch::kFloat32);
  auto y = xf * torch::rsqrt(xf.pow(2).mean(/*dim=*/-1, /*keepdim=*/true) + eps);
  return w * y.to(x.scalar_type());
}

torch::Tensor rope_inv_freq(const LlmConfig& c) {
  auto inv = 1.0 / torch::pow(c.rope_theta, torch::arange(0, c.head_dim, 2, torch::kFloat64) /
                                                static_cast<double>(c.head_dim));
  if (c.rope_scaling.rope_type == "llama3") {
    // Llama 3.1 frequency scaling (transformers' _compute_llama3_parameters).
    const auto& s = c.rope_scaling;
    const double old_len = static_cast<double>(s.original_max_position_embeddings);
    const double low_wavelen = old_len / s.low_freq_factor, high_wavelen = old_len / s.high_freq_factor;
    auto wavelen = 2 * M_PI / inv;
    auto scaled = torch::where(wavelen > low_wavelen, inv / s.factor, inv);
    auto smooth = (old_len / wavelen - s.low_freq_factor) / (s.high_freq_factor - s.low_freq_factor);
    auto smoothed = (1 - smooth) * scaled / s.factor + smooth * scaled;
    auto medium = (wavelen >= high_wavelen).logical_and(wavelen <= low_wavelen);
    inv = torch::where(medium, smoothed, scaled);
  }
  return inv.to(torch::kFloat32);
}

Decoder::Decoder(LlmConfig cfg, uint64_t seed) : cfg_(std::move(cfg)) {
  torch::manual_seed(seed);
  auto init = [&](TensorRole role, int64_t layer) {
    if (!tensor_present(role, cfg_)) return;
    const auto shape = tensor_shape(role, cfg_);
    const bool norm = role == TensorRole::kAttnNorm || role == TensorRole::kFfnNorm ||
                      role == TensorRole::kOutputNorm || role == TensorRole::kAttnQNorm ||
                      role == TensorRole::kAttnKNorm;
    const bool bias =
        role == TensorRole::kAttnQBias || role == TensorRole::kAttnKBias || role == TensorRole::kAttnVBias;
    create_slot(role, layer,
                norm   ? torch::ones(shape)
                : bias ? torch::zeros(shape)
                       : torch::randn(shape) * 0.02);
  };
  for (TensorRole r : kGlobalRoles) init(r, 0);
  for (int64_t l = 0; l < cfg_.num_hidden_layers; ++l)
    for (TensorRole r : kLayerRoles) init(r, l);
  inv_freq_ = rope_inv_freq(cfg_);
}

namespace {
// Key of a tensor in the weight map: global roles have no layer.
std::pair<int, int64_t> slot_key(TensorRole role, int64_t layer) {
  const bool global =
      role == TensorRole::kTokenEmbedding || role == TensorRole::kOutputNorm || role == TensorRole::kOutput;
  return {static_cast<int>(role), global ? int64_t{0} : layer};
}
}  // namespace

torch::Tensor& Decoder::slot(TensorRole role, int64_t layer) {
  auto it = weights_.find(slot_key(role, layer));
  RG_ASSERT(it != weights_.end(), "tensor slot used before it was created: " + tensor_name(role, layer));
  return it->second;
}

void Decoder::create_slot(TensorRole role, int64_t layer, torch::Tensor value) {
  std::string name = tensor_name(role, layer);
  for (char& ch : name)
    if (ch == '.') ch = '_';  // torch parameter names cannot contain dots
  // The map holds the registered parameter itself, so parameters(), the optimizer and set_data() all see it.
  weights_[slot_key(role, layer)] = register_parameter(name, std::move(value));
}

torch::Tensor Decoder::weight(TensorRole role, int64_t layer) const {
  if (role == TensorRole::kOutput && cfg_.tie_word_embeddings) role = TensorRole::kTokenEmbedding;
  auto it = weights_.find(slot_key(role, layer));
  return it == weights_.end() ? torch::Tensor() : it->second;
}

std::shared_ptr<Decoder> Decoder::load(const std::string& dir, torch::ScalarType dtype) {
  LlmConfig cfg = LlmConfig::load((fs::path(dir) / "config.json").string());
  // Shards: model.safetensors, or the files named by model.safetensors.index.json.
  std::vector<std::shared_ptr<SafetensorsFile>> files;
  const std::string single = (fs::path(dir) / "model.safetensors").string();
  const std::string index = (fs::path(dir) / "model.safetensors.index.json").string();
  if (fs::exists(single)) {
    files.push_back(SafetensorsFile::open(single));
  } else if (fs::exists(index)) {
    Json idx = read_json_file(index);
    const Json& map = require_field(idx, "weight_map", index);
    if (!map.is_object()) throw InputError(index, "\"weight_map\" must be an object");
    std::set<std::string> shards;
    for (auto it = map.begin(); it != map.end(); ++it) {
      if (!it.value().is_string()) throw InputError(index, "weight_map values must be file names");
      const std::string f = it.value().get<std::string>();
      if (f.find('/') != std::string::npos || f.find("..") != std::string::npos)
        throw InputError(index, "shard name \"" + f + "\" must be a plain file name");
      shards.insert(f);
    }
    for (const auto& f : shards) files.push_back(SafetensorsFile::open((fs::path(dir) / f).string()));
  } else {
    throw InputError(dir, "no model.safetensors or model.safetensors.index.json");
  }
  std::map<std::string, const TensorView*> views;
  for (const auto& f : files)
    for (const auto& [name, view] : f->tensors()) views[name] = &view;

  auto dec = std::make_shared<Decoder>(cfg);
  std::vector<std::string> problems;
  std::set<std::string> used;
  auto take = [&](TensorRole role, int64_t layer) {
    if (!tensor_present(role, cfg)) return;
    const std::string name = tensor_name(role, layer);
    const auto shape = tensor_shape(role, cfg);
    auto it = views.find(name);
    if (it == views.end()) {
      problems.push_back("missing \"" + name + "\"");
      return;
    }
    used.insert(name);
    if (it->second->shape != shape) {
      std::string got, want;
      for (int64_t d : it->second->shape) got += (got.empty() ? "" : ", ") + std::to_string(d);
      for (int64_t d : shape) want += (want.empty() ? "" : ", ") + std::to_string(d);
      problems.push_back("\"" + name + "\" has shape [" + got + "], expected [" + want + "]");
      return;
    }
    torch::NoGradGuard no_grad;
    dec->slot(role, layer).set_data(to_torch(*it->second).to(dtype));
  };
  for (TensorRole r : kGlobalRoles) take(r, 0);
  for (int64_t l = 0; l < cfg.num_hidden_layers; ++l)
    for (TensorRole r : kLayerRoles) take(r, l);
  // A tied checkpoint may still carry a copy of the head; it is the embedding, so it is not unexpected.
  for (const auto& [name, view] : views)
    if (!used.count(name) && !(cfg.tie_word_embeddings && name == tensor_name(TensorRole::kOutput)))
      problems.push_back("unexpected \"" + name + "\"");
  if (!problems.empty()) {
    std::string msg = std::to_string(problems.size()) + " tensor problem(s): ";
    for (size_t i = 0; i < problems.size(); ++i) msg += (i ? "; " : "") + problems[i];
    throw InputError(dir, msg, "does config.json match the weights?");
  }
  dec->inv_freq_ = rope_inv_freq(cfg);
  return dec;
}

void Decoder::save(const std::string& dir) const {
  make_dirs(dir);
  SafetensorsWriter w;
  auto put = [&](TensorRole role, int64_t layer) {
    if (!tensor_present(role, cfg_)) return;
    add_tensor(w, tensor_name(role, layer), weight(role, layer));
  };
  for (TensorRole r : kGlobalRoles) put(r, 0);
  for (int64_t l = 0; l < cfg_.num_hidden_layers; ++l)
    for (TensorRole r : kLayerRoles) put(r, l);
  w.set_metadata("format", "pt");
  w.write((fs::path(dir) / "model.safetensors").string());
  write_json_file((fs::path(dir) / "config.json").string(), cfg_.to_json());
}

std::pair<torch::Tensor, torch::Tensor> Decoder::rope(const torch::Tensor& positions) const {
  auto freqs =
      positions.to(torch::kFloat32).unsqueeze(-1) * inv_freq_.to(positions.device());  // [B, T, hd/2]
  auto emb = torch::cat({freqs, freqs}, /*dim=*/-1);                                   // [B, T, hd]
  return {emb.cos(), emb.sin()};
}

namespace {
torch::Tensor rotate_half(const torch::Tensor& x) {
  auto halves = x.chunk(2, /*dim=*/-1);
  return torch::cat({-halves[1], halves[0]}, /*dim=*/-1);
}

// Appends the new positions' keys or values [B, nkv, T, hd] to a layer's buffer at position `start` and
// returns every position so far, [B, nkv, start + T, hd] (a view of the buffer).
torch::Tensor append_to_cache(torch::Tensor& buf, const torch::Tensor& x, int64_t start, int64_t capacity) {
  const int64_t T = x.size(2);
  if (!buf.defined() || buf.size(2) < start + T) {
    const int64_t room = std::max({capacity, start + T, buf.defined() ? 2 * buf.size(2) : int64_t{0}});
    auto grown = torch::empty({x.size(0), x.size(1), room, x.size(3)}, x.options());  // [B, nkv, room, hd]
    if (start > 0) grown.narrow(2, 0, start).copy_(buf.narrow(2, 0, start));
    buf = grown;
  }
  buf.narrow(2, start, T).copy_(x);
  return buf.narrow(2, 0, start + T);
}

#if TORCH_VERSION_MAJOR < 2
// Batch rows per attention chunk: a long prefill's score tensors [rows, nkv, g*T, S] stay near this many
// elements, small enough to stay in cache across the mask, softmax and product passes.
constexpr int64_t kAttentionChunkElements = int64_t{1} << 20;

// Scaled dot-product attention of q [B, nh, T, hd] against k, v [B, nkv, S, hd] (grouped-query: query head h
// reads kv head h / (nh / nkv)) where allowed [B, 1, T, S]. The g = nh / nkv query heads sharing a kv head
// are stacked as g*T query rows of that head, so keys and values are never copied per query head.
torch::Tensor grouped_attention(const torch::Tensor& q, const torch::Tensor& k, const torch::Tensor& v,
                                const torch::Tensor& allowed) {
  const int64_t B = q.size(0), nh = q.size(1), T = q.size(2), hd = q.size(3), nkv = k.size(1), S = k.size(2),
                g = nh / nkv;
  auto qg =
      (q * (1.0 / std::sqrt(static_cast<double>(hd)))).reshape({B, nkv, g * T, hd});  // [B, nkv, gT, hd]
  auto blocked = allowed.logical_not();                                               // [B, 1, T, S]
  const int64_t rows = std::max<int64_t>(1, kAttentionChunkElements / std::max<int64_t>(1, nkv * g * T * S));
  std::vector<torch::Tensor> outs;
  for (int64_t b0 = 0; b0 < B; b0 += rows) {
    const int64_t n = std::min(rows, B - b0);
    auto scores =
        torch::matmul(qg.narrow(0, b0, n), k.narrow(0, b0, n).transpose(-1, -2));  // [n, nkv, gT, S]
    scores.view({n, nkv, g, T, S})
        .masked_fill_(blocked.narrow(0, b0, n).view({n, 1, 1, T, S}),
                      -std::numeric_limits<float>::infinity());
    auto probs =
        torch::softmax(scores.to(torch::kFloat32), /*dim=*/-1).to(q.scalar_type());  // [n, nkv, gT, S]
    outs.push_back(torch::matmul(probs, v.narrow(0, b0, n)).view({n, nh, T, hd}));   // [n, nh, T, hd]
  }
  return outs.size() == 1 ? outs[0] : torch::cat(outs, 0);
}
#endif

}  // namespace

torch::Tensor Decoder::attention(const torch::Tensor& x, int64_t l, const torch::Tensor& cos,
                                 const torch::Tensor& sin, const torch::Tensor& allowed,
                                 const FusedKeyMask* fused, KvCache* cache, int64_t queries) {
  const int64_t B = x.size(0), T = x.size(1), nh = cfg_.num_attention_heads, nkv = cfg_.num_key_value_heads,
                hd = cfg_.head_dim;
  const int64_t Tq = queries > 0 ? queries : T;     // the last Tq positions ask; every position gives keys
  auto xq = Tq == T ? x : x.narrow(1, T - Tq, Tq);  // [B, Tq, H]
  auto q =
      project(xq, TensorRole::kAttnQ, l, TensorRole::kAttnQBias).view({B, Tq, nh, hd});  // [B, Tq, nh, hd]
  auto k =
      project(x, TensorRole::kAttnK, l, TensorRole::kAttnKBias).view({B, T, nkv, hd});  // [B, T, nkv, hd]
  auto v =
      project(x, TensorRole::kAttnV, l, TensorRole::kAttnVBias).view({B, T, nkv, hd});  // [B, T, nkv, hd]
  if (cfg_.qk_norm) {
    q = rms_norm(q, weight(TensorRole::kAttnQNorm, l), cfg_.rms_norm_eps);
    k = rms_norm(k, weight(TensorRole::kAttnKNorm, l), cfg_.rms_norm_eps);
  }
  q = q.transpose(1, 2);                                                                    // [B, nh, Tq, hd]
  k = k.transpose(1, 2);                                                                    // [B, nkv, T, hd]
  v = v.transpose(1, 2);                                                                    // [B, nkv, T, hd]
  auto c = cos.unsqueeze(1).to(q.scalar_type()), s = sin.unsqueeze(1).to(q.scalar_type());  // [B, 1, T, hd]
  auto cq = Tq == T ? c : c.narrow(2, T - Tq, Tq),
       sq = Tq == T ? s : s.narrow(2, T - Tq, Tq);  // [B, 1, Tq, hd]
  q = q * cq + rotate_half(q) * sq;
  k = k * c + rotate_half(k) * s;
  if (cache) {
    if (cache->k.size() <= static_cast<size_t>(l)) {
      cache->k.resize(static_cast<size_t>(l) + 1);
      cache->v.resize(static_cast<size_t>(l) + 1);
    }
    k = append_to_cache(cache->k[static_cast<size_t>(l)], k, cache->len, cache->capacity);  // [B, nkv, S, hd]
    v = append_to_cache(cache->v[static_cast<size_t>(l)], v, cache->len, cache->capacity);
  }
  torch::Tensor out;
  if (fused) {                                      // the fused CPU kernel (forward_embeds chose it)
    out = causal_attention_fused(q, k, v, *fused);  // [B, Tq, nh*hd]
    return project(out, TensorRole::kAttnOut, l, TensorRole::kAttnOut);  // [B, Tq, H]
  }
  const auto asked = Tq == T ? allowed : allowed.narrow(2, T - Tq, Tq).contiguous();  // [B, 1, Tq, S]
#if TORCH_VERSION_MAJOR >= 2
  if (nkv != nh) {  // grouped-query attention: each kv head serves nh / nkv query heads
    k = k.repeat_interleave(nh / nkv, /*dim=*/1);  // [B, nh, S, hd]
    v = v.repeat_interleave(nh / nkv, /*dim=*/1);
  }
  out = at::scaled_dot_product_attention(q, k, v, asked);  // [B, nh, Tq, hd]
#else
  out = grouped_attention(q, k, v, asked);  // [B, nh, Tq, hd]
#endif
  out = out.transpose(1, 2).reshape({B, Tq, nh * hd});                 // [B, Tq, nh*hd]
  return project(out, TensorRole::kAttnOut, l, TensorRole::kAttnOut);  // [B, Tq, H]
}

torch::Tensor Decoder::embed(const torch::Tensor& ids) const {
  return torch::nn::functional::embedding(ids, weight(TensorRole::kTokenEmbedding));  // [B, T, H]
}

torch::Tensor Decoder::forward(const torch::Tensor& ids, const torch::Tensor& mask,
                               const torch::Tensor& positions, KvCache* cache,
                               std::vector<torch::Tensor>* hidden_states, int64_t last_positions) {
  return forward_embeds(embed(ids), mask, positions, cache, hidden_states, last_positions);
}

torch::Tensor Decoder::forward_embeds(torch::Tensor x, const torch::Tensor& mask,
                                      const torch::Tensor& positions, KvCache* cache,
                                      std::vector<torch::Tensor>* hidden_states, int64_t last_positions) {
  auto [cos, sin] = rope(positions);  // [B, T, hd]
  const int64_t B = x.size(0), T = x.size(1), S = (cache ? cache->len : 0) + T;
  RG_ASSERT(mask.dim() == 2 && mask.size(0) == B && mask.size(1) == S, "mask is [B, cached + new positions]");
  RG_ASSERT(last_positions >= 0 && (last_positions == 0 || hidden_states == nullptr),
            "last_positions is >= 0, and 0 when every layer's states are asked for");
  // The last layer's queries, attention output and MLP run at the asked positions only; its keys and values
  // (which the asked positions and the cache read) at all of them.
  const int64_t asked = last_positions > 0 && last_positions < T ? last_positions : T;
  // Allowed keys: real (mask) and not after the query (causal over the cached and new positions). A padding
  // query may have no real key at all (left padding); it attends to itself so that no row is empty and no NaN
  // appears. Its output is never used.
  // The fused CPU kernel applies the same rule from the mask itself; the module path builds it.
  std::optional<FusedKeyMask> fused;
  torch::Tensor allowed;
  if (fused_attention_ && fused_attention_applies(x)) {
    fused = fused_key_mask(mask);
  } else {
    auto qi = torch::arange(S - T, S, torch::TensorOptions().device(x.device())).view({T, 1});
    auto ki = torch::arange(0, S, torch::TensorOptions().device(x.device())).view({1, S});
    allowed = (ki <= qi)
                  .view({1, 1, T, S})
                  .logical_and(mask.unsqueeze(1).unsqueeze(1).to(torch::kBool))
                  .logical_or((ki == qi).view({1, 1, T, S}));  // [B, 1, T, S]
  }
  if (hidden_states) hidden_states->push_back(x);
  for (int64_t l = 0; l < cfg_.num_hidden_layers; ++l) {
    auto h = rms_norm(x, weight(TensorRole::kAttnNorm, l), cfg_.rms_norm_eps);
    const int64_t queries = l + 1 == cfg_.num_hidden_layers ? asked : T;
    if (queries < T) x = x.narrow(1, T - queries, queries);  // [B, asked, H]
    x = x + attention(h, l, cos, sin, allowed, fused ? &*fused : nullptr, cache, queries);
    h = rms_norm(x, weight(TensorRole::kFfnNorm, l), cfg_.rms_norm_eps);
    auto gate = project(h, TensorRole::kFfnGate, l, TensorRole::kFfnGate);                   // [B, T, I]
    auto up = project(h, TensorRole::kFfnUp, l, TensorRole::kFfnUp);                         // [B, T, I]
    x = x + project(torch::silu(gate) * up, TensorRole::kFfnDown, l, TensorRole::kFfnDown);  // [B, T, H]
    if (hidden_states && l + 1 < cfg_.num_hidden_layers) hidden_states->push_back(x);
  }
  x = rms_norm(x, weight(TensorRole::kOutputNorm), cfg_.rms_norm_eps);  // [B, T, H]
  if (hidden_states) hidden_states->push_back(x);
  if (cache) cache->len += T;
  return x;
}

torch::Tensor Decoder::logits(const torch::Tensor& hidden) const {
  return torch::nn::functional::linear(hidden, weight(TensorRole::kOutput));  // [..., V]
}

torch::Tensor Decoder::project(const torch::Tensor& x, TensorRole role, int64_t layer,
                               TensorRole bias_role) const {
  // bias_role == role means "no bias tensor for this projection".
  torch::Tensor bias = bias_role == role ? torch::Tensor() : weight(bias_role, layer);
  auto y = bias.defined() ? torch::nn::functional::linear(x, weight(role, layer), bias)
                          : torch::nn::functional::linear(x, weight(role, layer));  // [..., out]
  auto it = lora_.find(std::make_pair(static_cast<int>(role), layer));
  if (it == lora_.end()) return y;
  auto h = is_training() && lora_dropout_ > 0 ? torch::dropout(x, lora_dropout_, /*train=*/true) : x;
  return y + lora_scale_ *
                 torch::nn::functional::linear(torch::nn::functional::linear(h, it->second.a), it->second.b);
}

void Decoder::enable_lora(const LoraConfig& cfg, uint64_t seed) {
  if (cfg.rank < 1) throw InputError("lora", "rank must be at least 1");
  if (!(cfg.dropout >= 0 && cfg.dropout < 1)) throw InputError("lora", "dropout must be in [0, 1)");
  for (auto& p : parameters()) p.set_requires_grad(false);
  torch::manual_seed(seed);
  lora_scale_ = cfg.alpha / static_cast<double>(cfg.rank);
  lora_dropout_ = cfg.dropout;
  for (int64_t l = 0; l < cfg_.num_hidden_layers; ++l)
    for (TensorRole role : cfg.targets) {
      const auto shape = tensor_shape(role, cfg_);  // [out, in]
      Adapter ad;
      const double bound = 1.0 / std::sqrt(static_cast<double>(shape[1]));
      ad.a = register_parameter("lora_a_" + std::to_string(static_cast<int>(role)) + "_" + std::to_string(l),
                                torch::empty({cfg.rank, shape[1]}).uniform_(-bound, bound));
      ad.b = register_parameter("lora_b_" + std::to_string(static_cast<int>(role)) + "_" + std::to_string(l),
                                torch::zeros({shape[0], cfg.rank}));
      lora_[std::make_pair(static_cast<int>(role), l)] = ad;
    }
}

std::vector<torch::Tensor> Decoder::lora_parameters() const {
  std::vector<torch::Tensor> out;
  for (const auto& [key, ad] : lora_) {
    out.push_back(ad.a);
    out.push_back(ad.b);
  }
  return out;
}

void Decoder::merge_lora() {
  torch::NoGradGuard no_grad;
  for (auto& [key, ad] : lora_) {
    auto& w = slot(static_cast<TensorRole>(key.first), key.second);
    w.add_(lora_scale_ * torch::matmul(ad.b, ad.a).to(w.scalar_type()));  // [out, in]
  }
  lora_.clear();
  for (auto& p : parameters()) p.set_requires_grad(true);
}

}  // namespace rgalign
