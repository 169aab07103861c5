// Ranker configuration and factory.
#include "rgalign/rank/ranker.h"

#include "rgalign/common/error.h"
#include "rgalign/rank/dnn_ranker.h"
#include "rgalign/rank/qe_rec_ranker.h"
#include "rgalign/rank/text_bow_ranker.h"
#include "rgalign/rank/two_tower_ranker.h"

namespace rgalign {

Json RankerConfig::to_json() const {
  return {{"model", model},
          {"single_cardinalities", single_cardinalities},
          {"multi_cardinalities", multi_cardinalities},
          {"n_intents", n_intents},
          {"embed_dim", embed_dim},
          {"tower_dim", tower_dim},
          {"hidden_dim", hidden_dim},
          {"attn_layers", attn_layers},
          {"attn_heads", attn_heads},
          {"attn_dim", attn_dim},
          {"experts", experts},
          {"score", score},
          {"text_buckets", text_buckets},
          {"word_dim", word_dim},
          {"intent_text_len", intent_text_len},
          {"query_dim", query_dim},
          {"intent_text_dim", intent_text_dim},
          {"reasoner", reasoner},
          {"reasoner_hash", reasoner_hash},
          {"pooling", pooling},
          {"intent_id_dropout", intent_id_dropout},
          {"tie_text_projection", tie_text_projection},
          {"query_match", query_match},
          {"latent_tokens", latent_tokens},
          {"latent_cache", latent_cache}};
}

RankerConfig RankerConfig::from_json(const Json& j, const std::string& where) {
  RankerConfig c;
  c.model = require_string(j, "model", where);
  for (const auto& x : require_field(j, "single_cardinalities", where))
    c.single_cardinalities.push_back(x.get<int64_t>());
  for (const auto& x : require_field(j, "multi_cardinalities", where))
    c.multi_cardinalities.push_back(x.get<int64_t>());
  c.n_intents = require_int(j, "n_intents", where);
  c.embed_dim = require_int(j, "embed_dim", where);
  c.tower_dim = require_int(j, "tower_dim", where);
  c.hidden_dim = require_int(j, "hidden_dim", where);
  c.attn_layers = require_int(j, "attn_layers", where);
  c.attn_heads = require_int(j, "attn_heads", where);
  c.attn_dim = require_int(j, "attn_dim", where);
  c.experts = require_int(j, "experts", where);
  c.score = require_string(j, "score", where);
  c.text_buckets = optional_int(j, "text_buckets", where, 0);
  c.word_dim = optional_int(j, "word_dim", where, 32);
  c.intent_text_len = optional_int(j, "intent_text_len", where, 0);
  c.query_dim = optional_int(j, "query_dim", where, 0);
  c.intent_text_dim = optional_int(j, "intent_text_dim", where, 0);
  c.latent_tokens = optional_int(j, "latent_tokens", where, 0);
  if (c.model == "qe-rec") {
    c.reasoner = require_string(j, "reasoner", where);
    c.reasoner_hash = require_string(j, "reasoner_hash", where);
    c.pooling = require_string(j, "pooling", where);
    c.latent_cache = require_string(j, "latent_cache", where);
    if (j.contains("intent_id_dropout"))
      c.intent_id_dropout = require_finite_number(j["intent_id_dropout"], "intent_id_dropout", where);
    if (!(c.intent_id_dropout >= 0 && c.intent_id_dropout < 1))
      throw InputError(where, "intent_id_dropout must be in [0, 1)");
    if (j.contains("tie_text_projection")) {
      if (!j["tie_text_projection"].is_boolean())
        throw InputError(where, "tie_text_projection must be a boolean");
      c.tie_text_projection = j["tie_text_projection"].get<bool>();
    }
    if (j.contains("query_match")) {
      if (!j["query_match"].is_boolean()) throw InputError(where, "query_match must be a boolean");
      c.query_match = j["query_match"].get<bool>();
    }
    if (c.query_match && c.query_dim < 1) throw InputError(where, "query_match needs a query tower");
    if (c.tie_text_projection && (c.query_dim < 1 || c.query_dim != c.intent_text_dim))
      throw InputError(where, "tie_text_projection needs a query tower and intent texts of the same size");
    if (c.query_dim < 0 || c.intent_text_dim < 0 || c.latent_tokens < 0)
      throw InputError(where, "query_dim, intent_text_dim and latent_tokens must be >= 0");
  }
  if (c.model == "text-bow" && (c.text_buckets < 1 || c.word_dim < 1 || c.intent_text_len < 1))
    throw InputError(where, "text-bow needs positive text_buckets, word_dim and intent_text_len");
  for (int64_t x : c.single_cardinalities)
    if (x < 1) throw InputError(where, "cardinalities must be positive");
  if (c.n_intents < 1 || c.embed_dim < 1 || c.tower_dim < 1 || c.hidden_dim < 2 || c.attn_heads < 1 ||
      c.attn_dim < 1 || c.experts < 1 || c.attn_layers < 0)
    throw InputError(where, "model sizes must be positive");
  if (c.score != "mlp" && c.score != "dot") throw InputError(where, "\"score\" must be mlp or dot");
  return c;
}

std::shared_ptr<Ranker> make_ranker(const RankerConfig& cfg) {
  if (cfg.model == "dnn") return std::make_shared<DnnRanker>(cfg);
  if (cfg.model == "two-tower") return std::make_shared<TwoTowerRanker>(cfg);
  if (cfg.model == "text-bow") return std::make_shared<TextBowRanker>(cfg);
  if (cfg.model == "qe-rec") return std::make_shared<QeRecRanker>(cfg);
  throw InputError("model", "unknown neural model \"" + cfg.model + "\"",
                   "expected dnn, two-tower, text-bow or qe-rec");
}

}  // namespace rgalign
