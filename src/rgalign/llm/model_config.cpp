// config.json parsing.
#include "rgalign/llm/model_config.h"

#include <map>

#include "rgalign/common/error.h"

namespace rgalign {

namespace {

int64_t positive_int(const Json& j, const char* key, const std::string& where) {
  int64_t v = require_int(j, key, where);
  if (v <= 0) throw InputError(where, std::string("\"") + key + "\" must be positive");
  return v;
}

double number_or(const Json& j, const char* key, double fallback, const std::string& where) {
  auto it = j.find(key);
  if (it == j.end() || it->is_null()) return fallback;
  return require_finite_number(*it, key, where);
}

void parse_rope(const Json& r, LlmConfig& c, const std::string& where) {
  if (!r.is_object()) throw InputError(where, "\"rope_parameters\"/\"rope_scaling\" must be an object");
  c.rope_theta = number_or(r, "rope_theta", c.rope_theta, where);
  std::string type = r.contains("rope_type") ? require_string(r, "rope_type", where)
                                             : optional_string(r, "type", where, "default");
  if (type != "default" && type != "llama3")
    throw InputError(where, "unsupported rope_type \"" + type + "\"", "supported: default, llama3");
  c.rope_scaling.rope_type = type;
  if (type == "llama3") {
    c.rope_scaling.factor = number_or(r, "factor", 8.0, where);
    c.rope_scaling.low_freq_factor = number_or(r, "low_freq_factor", 1.0, where);
    c.rope_scaling.high_freq_factor = number_or(r, "high_freq_factor", 4.0, where);
    c.rope_scaling.original_max_position_embeddings =
        optional_int(r, "original_max_position_embeddings", where, 8192);
  }
}

}  // namespace

LlmConfig LlmConfig::parse(const Json& j, const std::string& where) {
  if (!j.is_object()) throw InputError(where, "config must be a JSON object");
  LlmConfig c;
  c.model_type = require_string(j, "model_type", where);
  if (c.model_type != "llama" && c.model_type != "qwen2" && c.model_type != "qwen3")
    throw InputError(where, "unsupported model_type \"" + c.model_type + "\"",
                     "supported: llama, qwen2, qwen3");
  c.vocab_size = positive_int(j, "vocab_size", where);
  c.hidden_size = positive_int(j, "hidden_size", where);
  c.intermediate_size = positive_int(j, "intermediate_size", where);
  c.num_hidden_layers = positive_int(j, "num_hidden_layers", where);
  c.num_attention_heads = positive_int(j, "num_attention_heads", where);
  c.num_key_value_heads = j.contains("num_key_value_heads") && !j["num_key_value_heads"].is_null()
                              ? positive_int(j, "num_key_value_heads", where)
                              : c.num_attention_heads;
  if (c.num_attention_heads % c.num_key_value_heads != 0)
    throw InputError(where, "num_attention_heads must be a multiple of num_key_value_heads");
  if (j.contains("head_dim") && !j["head_dim"].is_null()) {
    c.head_dim = positive_int(j, "head_dim", where);
  } else {
    if (c.hidden_size % c.num_attention_heads != 0)
      throw InputError(where,
                       "hidden_size must be a multiple of num_attention_heads when head_dim is absent");
    c.head_dim = c.hidden_size / c.num_attention_heads;
  }
  if (c.head_dim % 2 != 0) throw InputError(where, "head_dim must be even for rotary embeddings");
  c.rms_norm_eps = number_or(j, "rms_norm_eps", 1e-6, where);
  c.rope_theta = number_or(j, "rope_theta", 10000.0, where);
  if (j.contains("rope_parameters") && !j["rope_parameters"].is_null())
    parse_rope(j["rope_parameters"], c, where);
  if (j.contains("rope_scaling") && !j["rope_scaling"].is_null()) parse_rope(j["rope_scaling"], c, where);
  c.max_position_embeddings = optional_int(j, "max_position_embeddings", where, 32768);
  c.tie_word_embeddings = j.value("tie_word_embeddings", false);
  c.attention_bias = c.model_type == "qwen2" ? true : j.value("attention_bias", false);
  c.qk_norm = c.model_type == "qwen3";
  if (j.value("hidden_act", std::string("silu")) != "silu")
    throw InputError(where, "unsupported hidden_act \"" + j["hidden_act"].get<std::string>() + "\"",
                     "supported: silu");
  if (j.value("mlp_bias", false)) throw InputError(where, "unsupported mlp_bias true");
  if (j.value("use_sliding_window", false)) throw InputError(where, "unsupported use_sliding_window true");
  const std::string dtype = j.contains("torch_dtype") && j["torch_dtype"].is_string()
                                ? j["torch_dtype"].get<std::string>()
                            : j.contains("dtype") && j["dtype"].is_string() ? j["dtype"].get<std::string>()
                                                                            : "float32";
  if (dtype != "float32" && dtype != "bfloat16" && dtype != "float16")
    throw InputError(where, "unsupported dtype \"" + dtype + "\"", "supported: float32, bfloat16, float16");
  c.torch_dtype = dtype;
  if (j.contains("eos_token_id") && !j["eos_token_id"].is_null()) {
    const Json& e = j["eos_token_id"];
    if (e.is_number_integer())
      c.eos_token_ids.push_back(e.get<int64_t>());
    else if (e.is_array())
      for (const auto& x : e) c.eos_token_ids.push_back(x.get<int64_t>());
  }
  c.bos_token_id = j.contains("bos_token_id") && j["bos_token_id"].is_number_integer()
                       ? j["bos_token_id"].get<int64_t>()
                       : -1;
  c.source = j;
  return c;
}

LlmConfig LlmConfig::load(const std::string& path) {
  return parse(read_json_file(path), path);
}

Json LlmConfig::to_json() const {
  static const std::map<std::string, std::string> kArch = {
      {"llama", "LlamaForCausalLM"}, {"qwen2", "Qwen2ForCausalLM"}, {"qwen3", "Qwen3ForCausalLM"}};
  Json j = source.is_object() ? source : Json::object();
  j["architectures"] = {kArch.at(model_type)};
  j["model_type"] = model_type;
  j["vocab_size"] = vocab_size;
  j["hidden_size"] = hidden_size;
  j["intermediate_size"] = intermediate_size;
  j["num_hidden_layers"] = num_hidden_layers;
  j["num_attention_heads"] = num_attention_heads;
  j["num_key_value_heads"] = num_key_value_heads;
  j["head_dim"] = head_dim;
  j["hidden_act"] = "silu";
  j["rms_norm_eps"] = rms_norm_eps;
  j["rope_theta"] = rope_theta;
  if (rope_scaling.rope_type == "llama3")
    j["rope_scaling"] = {{"rope_type", "llama3"},
                         {"factor", rope_scaling.factor},
                         {"low_freq_factor", rope_scaling.low_freq_factor},
                         {"high_freq_factor", rope_scaling.high_freq_factor},
                         {"original_max_position_embeddings", rope_scaling.original_max_position_embeddings}};
  j["max_position_embeddings"] = max_position_embeddings;
  j["tie_word_embeddings"] = tie_word_embeddings;
  j["attention_bias"] = attention_bias;
  j["torch_dtype"] = torch_dtype;
  if (bos_token_id >= 0) j["bos_token_id"] = bos_token_id;
  if (eos_token_ids.size() == 1)
    j["eos_token_id"] = eos_token_ids[0];
  else if (!eos_token_ids.empty())
    j["eos_token_id"] = eos_token_ids;
  return j;
}

}  // namespace rgalign
