// Loading and scoring of a served run.
#include "rgalign/serve/served_model.h"

#include <cstring>
#include <filesystem>

#include "rgalign/common/error.h"
#include "rgalign/common/hash.h"
#include "rgalign/common/json_util.h"
#include "rgalign/rank/encoded_data.h"
#include "rgalign/rank/run_dir.h"

namespace rgalign {

namespace fs = std::filesystem;

namespace {

struct Resolved {
  std::string ranker, fallback, data;
};

bool done(const Json& state, const char* step) {
  for (const auto& d : state["done"])
    if (d == step) return true;
  return false;
}

Resolved resolve(const ServeModelOptions& opt) {
  const fs::path run(opt.run);
  if (!fs::is_directory(run)) throw InputError(opt.run, "run directory not found");
  Resolved r;
  const Json info = read_run_json(opt.run);
  if (info.contains("config") && info["config"].contains("data") && info["config"]["data"].is_string())
    r.data = info["config"]["data"].get<std::string>();
  if (fs::exists(run / "state.json")) {  // an align run
    const Json state = read_json_file((run / "state.json").string());
    r.ranker = (run / "qe-rec").string();
    for (const char* s : {"rga-sft", "rga-dpo", "rga-cl"})
      if (done(state, s)) r.ranker = (run / s / "ranker").string();
    if (done(state, "rga-calibrated"))
      r.ranker = read_json_file((run / "rga-calibrated" / "step.json").string())["ranker"].get<std::string>();
    if (!done(state, "qe-rec")) throw InputError(opt.run, "this align run has no trained QE-Rec yet");
    if (done(state, "baseline")) r.fallback = (run / "baseline").string();
  } else {
    r.ranker = opt.run;
  }
  if (!opt.data.empty()) r.data = opt.data;
  if (!opt.fallback.empty()) r.fallback = opt.fallback;
  if (r.data.empty()) throw InputError(opt.run, "run.json does not name its dataset", "pass --data DIR");
  if (!fs::exists(fs::path(r.ranker) / "model_config.json"))
    throw InputError(r.ranker, "not a neural ranker run (no model_config.json)", "serve a neural ranker run");
  return r;
}

}  // namespace

std::shared_ptr<ServedModel> ServedModel::load(const ServeModelOptions& opt) {
  Resolved res = resolve(opt);
  std::shared_ptr<ServedModel> m(new ServedModel());
  m->data_ = std::make_unique<Dataset>(Dataset::open(res.data));
  m->main_ = load_ranker_run(res.ranker, *m->data_);
  const RankerConfig& cfg = m->main_.config;
  if (cfg.model == "text-bow")
    throw InputError(res.ranker, "serving a text-bow ranker is not supported",
                     "serve a qe-rec, two-tower or dnn run");
  std::string material = sha256_file((fs::path(res.ranker) / "model.safetensors").string());
  if (cfg.model == "qe-rec" && cfg.query_dim > 0) {
    m->reasoner_ = Reasoner::load(cfg.reasoner);
    if (m->reasoner_->checkpoint_hash() != cfg.reasoner_hash)
      throw InputError(cfg.reasoner, "the reasoner checkpoint changed since the ranker was trained");
    if (fs::exists(fs::path(cfg.latent_cache) / "index.json"))
      m->precomputed_ = std::make_unique<LatentCache>(cfg.latent_cache, m->reasoner_->hidden_size());
    m->pooling_ = cfg.pooling;
    m->latent_tokens_ = static_cast<int>(cfg.latent_tokens);
    material += cfg.reasoner_hash;
  }
  if (!res.fallback.empty()) {
    m->fallback_ = load_ranker_run(res.fallback, *m->data_);
    if (m->fallback_->config.query_dim > 0 || m->fallback_->config.model == "text-bow")
      throw InputError(res.fallback, "a fallback ranker must not need latent queries or request text",
                       "use a dnn or two-tower run");
  }
  m->version_ = fs::path(res.ranker).lexically_normal().filename().string();
  if (m->version_.empty() || m->version_ == "ranker")
    m->version_ = fs::path(res.ranker).lexically_normal().parent_path().filename().string();
  m->version_ += "@" + sha256_hex(material).substr(0, 12);
  m->lru_ = std::make_unique<LruCache<std::string, Latent>>(opt.cache_size);
  return m;
}

std::optional<Latent> ServedModel::cached_latent(const std::string& prompt) {
  if (auto hit = lru_->get(prompt)) return hit;
  if (!precomputed_) return std::nullopt;
  const int64_t E = reasoner_->hidden_size();
  Latent l;
  l.vec.resize(static_cast<size_t>(E));
  const Pooling pooling = parse_pooling(pooling_);
  // An entry computed without the mean pooling serves the other poolings, one with every pooling any of them.
  const auto keys = latent_read_keys(reasoner_->checkpoint_hash(), latent_tokens_, reasoner_->format(prompt),
                                     pooling == Pooling::kMean);
  float* v = l.vec.data();
  std::lock_guard<std::mutex> lock(precomputed_mu_);
  if (!precomputed_->lookup_first(keys, pooling == Pooling::kLast ? v : nullptr,
                                  pooling == Pooling::kMean ? v : nullptr,
                                  pooling == Pooling::kQuery ? v : nullptr, &l.text))
    return std::nullopt;
  lru_->put(prompt, l);
  return l;
}

void ServedModel::remember(const std::string& prompt, Latent latent) {
  lru_->put(prompt, std::move(latent));
}

std::vector<Latent> ServedModel::compute_latents(const std::vector<std::string>& prompts) {
  LatentQueryOptions o;
  o.max_new_tokens = latent_tokens_;
  o.batch = static_cast<int>(std::max<size_t>(1, prompts.size()));
  o.mean = parse_pooling(pooling_) == Pooling::kMean;
  LatentQueries q = reasoner_->embed(prompts, o, nullptr);
  const torch::Tensor t = q.pooled(parse_pooling(pooling_)).contiguous();
  const int64_t E = t.size(1);
  std::vector<Latent> out(prompts.size());
  for (size_t i = 0; i < prompts.size(); ++i) {
    const float* p = t.data_ptr<float>() + static_cast<int64_t>(i) * E;
    out[i].vec.assign(p, p + E);
    out[i].text = q.texts[i];
  }
  return out;
}

std::vector<std::vector<float>> ServedModel::score_batch(const std::vector<Request>& requests,
                                                         const std::vector<const Latent*>& queries,
                                                         bool fallback) const {
  RG_ASSERT(requests.size() == queries.size() && !requests.empty(), "one latent query slot per request");
  const LoadedRanker& run = fallback ? *fallback_ : main_;
  EncodedRequests e = encode_requests(run.encoder, requests);
  c10::InferenceMode guard;
  const auto B = static_cast<int64_t>(requests.size());
  if (!fallback && reasoner_) {
    RG_ASSERT(queries.front() != nullptr, "the main ranker needs the latent query");
    const auto E = static_cast<int64_t>(queries.front()->vec.size());
    auto q = torch::empty({B, E}, torch::kFloat32);  // [B, E]
    for (int64_t i = 0; i < B; ++i) {
      const Latent* l = queries[static_cast<size_t>(i)];
      RG_ASSERT(l != nullptr && static_cast<int64_t>(l->vec.size()) == E,
                "the main ranker needs the latent query");
      std::memcpy(q[i].data_ptr<float>(), l->vec.data(), sizeof(float) * static_cast<size_t>(E));
    }
    e.all.query = q;
  }
  auto logits = run.model->forward(e.all).contiguous();  // [B, C]
  const int64_t C = logits.size(1);
  const float* p = logits.data_ptr<float>();
  std::vector<std::vector<float>> out(requests.size());
  for (int64_t i = 0; i < B; ++i)
    out[static_cast<size_t>(i)].assign(
        p + i * C, p + i * C + static_cast<int64_t>(requests[static_cast<size_t>(i)].candidates.size()));
  return out;
}

}  // namespace rgalign
