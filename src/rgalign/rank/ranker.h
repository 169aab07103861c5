// Neural rankers: the configuration shared by all of them and the interface the trainer and scorer use.
#pragma once

#include <torch/torch.h>

#include <memory>
#include <string>
#include <vector>

#include "rgalign/common/json_util.h"
#include "rgalign/rank/encoded_data.h"

namespace rgalign {

struct RankerConfig {
  std::string model = "two-tower";  // dnn | two-tower | text-bow | qe-rec
  std::vector<int64_t> single_cardinalities, multi_cardinalities;
  int64_t n_intents = 0;
  int64_t embed_dim = 16;    // D: per-field embedding
  int64_t tower_dim = 64;    // user and intent tower outputs
  int64_t hidden_dim = 128;  // MLP hidden width
  int64_t attn_layers = 2;   // AutoInt
  int64_t attn_heads = 2;
  int64_t attn_dim = 16;        // per head
  int64_t experts = 4;          // MoE
  std::string score = "mlp";    // mlp | dot (two-tower, text-bow)
  int64_t text_buckets = 0;     // text-bow: hashed n-gram ids 1..text_buckets
  int64_t word_dim = 32;        // text-bow: n-gram embedding size
  int64_t intent_text_len = 0;  // text-bow: padded n-grams per intent
  // qe-rec: sizes of the reasoner's embeddings (0 = that tower is off) and where they come from.
  int64_t query_dim = 0;
  int64_t intent_text_dim = 0;
  std::string reasoner;       // checkpoint directory (absolute)
  std::string reasoner_hash;  // its checkpoint_hash() when the ranker was trained
  std::string pooling = "last";
  // Training only: share of intents whose id embedding is left out at each step, so that the intent text
  // alone must rank them, as it must for an intent never seen in training (ids then start at zero).
  double intent_id_dropout = 0;
  // qe-rec: one projection for the latent query and the intent texts (both are the reasoner's embeddings), so
  // that a query naming an intent lands where that intent's text does before any training.
  bool tie_text_projection = false;
  // qe-rec: add the scaled dot product of the query tower and the intent tower to each pair's logit, so that
  // a latent query naming an intent can lift that intent directly, not only through the attention and head.
  bool query_match = false;
  int64_t latent_tokens = 0;  // generated latent-query tokens per prompt
  std::string latent_cache;   // cache directory

  Json to_json() const;
  static RankerConfig from_json(const Json& j, const std::string& where);
};

class Ranker : public torch::nn::Module {
 public:
  // Logits [B, C] for the batch's candidates; padded candidates get a large negative value.
  virtual torch::Tensor forward(const RankBatch& b) = 0;
  // Called before each training step with a seed that is the same on every rank of a data-parallel run, so
  // that randomness inside the model (QE-Rec's intent-id dropout) agrees across ranks.
  virtual void begin_step(uint64_t step_seed) { (void)step_seed; }
  // Without gradients on CPU, rankers run their fused inference kernels (user tower, QE-Rec's pair stage);
  // false keeps the module path everywhere (tests and benchmarks compare the two).
  virtual void set_fused_inference(bool on) { (void)on; }
};

// Builds the model the config names; throws InputError for an unknown one.
std::shared_ptr<Ranker> make_ranker(const RankerConfig& cfg);

}  // namespace rgalign
