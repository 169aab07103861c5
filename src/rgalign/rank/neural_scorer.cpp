// Neural scorer.
#include "rgalign/rank/neural_scorer.h"

#include <filesystem>

#include "rgalign/common/error.h"
#include "rgalign/llm/safetensors_torch.h"
#include "rgalign/rank/encoded_data.h"
#include "rgalign/rank/ranker.h"
#include "rgalign/rank/text_bow.h"
#include "rgalign/reason/latent_inputs.h"

namespace rgalign {

namespace fs = std::filesystem;

LoadedRanker load_ranker_run(const std::string& run_dir, const Dataset& data) {
  const std::string cfg_path = (fs::path(run_dir) / "model_config.json").string();
  const std::string enc_path = (fs::path(run_dir) / "encoder.json").string();
  LoadedRanker r;
  r.config = RankerConfig::from_json(read_json_file(cfg_path), cfg_path);
  if (r.config.n_intents != static_cast<int64_t>(data.catalog().size()))
    throw InputError(cfg_path,
                     "model was trained on " + std::to_string(r.config.n_intents) + " intents, dataset has " +
                         std::to_string(data.catalog().size()),
                     "evaluate on the dataset the run was trained on");
  r.encoder = FeatureEncoder::from_json(read_json_file(enc_path), data.schema(), enc_path);
  r.model = make_ranker(r.config);
  load_module(*r.model, (fs::path(run_dir) / "model.safetensors").string());
  r.model->eval();
  return r;
}

std::unique_ptr<NeuralScorer> NeuralScorer::load(const std::string& run_dir, const Dataset& data) {
  std::unique_ptr<NeuralScorer> s(new NeuralScorer());
  LoadedRanker run = load_ranker_run(run_dir, data);
  const RankerConfig& cfg = run.config;
  if (cfg.model == "qe-rec" && cfg.query_dim > 0) {
    s->reasoner_ = Reasoner::load(cfg.reasoner);
    if (s->reasoner_->checkpoint_hash() != cfg.reasoner_hash)
      throw InputError(cfg.reasoner, "the reasoner checkpoint changed since the ranker was trained",
                       "retrain the ranker on this reasoner's latent queries");
    s->cache_ = std::make_unique<LatentCache>(cfg.latent_cache, s->reasoner_->hidden_size());
    s->pooling_ = cfg.pooling;
    s->latent_tokens_ = static_cast<int>(cfg.latent_tokens);
  }
  s->encoder_ = std::move(run.encoder);
  s->model_ = run.model;
  s->name_ = cfg.model;
  s->schema_ = data.schema();
  return s;
}

NeuralScorer::~NeuralScorer() = default;

void NeuralScorer::score(const Request& r, std::vector<float>& out) const {
  std::vector<std::vector<float>> all;
  score_batch({r}, all);
  out = std::move(all[0]);
}

void NeuralScorer::score_batch(const std::vector<Request>& rs, std::vector<std::vector<float>>& out) const {
  out.assign(rs.size(), {});
  if (rs.empty()) return;
  EncodedRequests e = encode_requests(encoder_, rs);
  if (name_ == "text-bow") add_request_bow(e, rs, schema_, TextBowOptions());
  std::lock_guard<std::mutex> lock(mu_);
  if (reasoner_)
    e.all.query = request_latents(*reasoner_, cache_.get(), rs, schema_, parse_pooling(pooling_),
                                  latent_tokens_, rs.size() > 1000 ? "latent queries" : "");
  c10::InferenceMode guard;
  auto logits = model_->forward(e.all).contiguous();  // [B, C]
  const int64_t C = logits.size(1);
  const float* p = logits.data_ptr<float>();
  for (size_t i = 0; i < rs.size(); ++i)
    out[i].assign(p + static_cast<int64_t>(i) * C,
                  p + static_cast<int64_t>(i) * C + static_cast<int64_t>(rs[i].candidates.size()));
}

}  // namespace rgalign
