// Strict YAML loading of the pipeline configuration.
#include "rgalign/align/align_config.h"

#include <yaml-cpp/yaml.h>

#include <fstream>
#include <sstream>
#include <type_traits>

#include "rgalign/common/error.h"

namespace rgalign {

namespace {

std::string at_line(const std::string& where, const YAML::Node& n) {
  return location(where, n.Mark().line >= 0 ? n.Mark().line + 1 : 0);
}

template <class T>
void read_scalar(const YAML::Node& n, T& field, const std::string& key, const std::string& where) {
  if (!n.IsScalar()) throw InputError(at_line(where, n), "\"" + key + "\" must be a single value");
  try {
    if constexpr (std::is_same_v<T, std::string>) {
      field = n.Scalar();
    } else if constexpr (std::is_same_v<T, uint64_t>) {
      if (!n.Scalar().empty() && n.Scalar()[0] == '-') throw YAML::Exception(n.Mark(), "negative");
      field = n.as<uint64_t>();
    } else {
      field = n.as<T>();
    }
  } catch (const YAML::Exception&) {
    const char* type = std::is_same_v<T, bool>     ? "true or false"
                       : std::is_same_v<T, double> ? "a number"
                                                   : "an integer";
    throw InputError(at_line(where, n), "\"" + key + "\" must be " + type + ", got \"" + n.Scalar() + "\"");
  }
}

// A list of strings: a YAML sequence of single values (`[a, b]` or one `- a` per line).
void read_list(const YAML::Node& n, std::vector<std::string>& field, const std::string& key,
               const std::string& where) {
  if (!n.IsSequence()) throw InputError(at_line(where, n), "\"" + key + "\" must be a list, e.g. [a, b]");
  field.clear();
  for (const auto& item : n) {
    if (!item.IsScalar())
      throw InputError(at_line(where, item), "\"" + key + "\" items must be single values");
    field.push_back(item.Scalar());
  }
}

template <class Section>
void read_section(const YAML::Node& node, Section& s, const std::string& name, const std::string& where) {
  if (node.IsNull()) return;
  if (!node.IsMap()) throw InputError(at_line(where, node), "section \"" + name + "\" must be a mapping");
  for (auto it = node.begin(); it != node.end(); ++it) {
    const std::string key = it->first.as<std::string>();
    bool found = false;
    std::string known;
    s.visit([&](const char* field_name, auto& field, const char* /*help*/) {
      known += std::string(known.empty() ? "" : ", ") + field_name;
      if (key != field_name) return;
      found = true;
      if constexpr (std::is_same_v<std::decay_t<decltype(field)>, std::vector<std::string>>)
        read_list(it->second, field, name + "." + key, where);
      else
        read_scalar(it->second, field, name + "." + key, where);
    });
    if (!found)
      throw InputError(at_line(where, it->first), "unknown key \"" + key + "\" in section \"" + name + "\"",
                       "known keys: " + known);
  }
}

void require(bool ok, const std::string& where, const std::string& field, const std::string& what) {
  if (!ok) throw InputError(where, "\"" + field + "\" " + what);
}

}  // namespace

Json AlignConfig::to_json() {
  Json j = Json::object();
  visit_sections([&](const char* name, auto& section) {
    Json s = Json::object();
    section.visit([&](const char* key, auto& field, const char* /*help*/) { s[key] = field; });
    j[name] = s;
  });
  return j;
}

AlignConfig parse_align_config(const std::string& yaml_text, const std::string& where) {
  YAML::Node root;
  try {
    root = YAML::Load(yaml_text);
  } catch (const YAML::Exception& e) {
    throw InputError(location(where, e.mark.line + 1), "invalid YAML: " + e.msg);
  }
  AlignConfig c;
  if (root.IsNull()) return c;
  if (!root.IsMap()) throw InputError(where, "the pipeline configuration must be a mapping of sections");
  for (auto it = root.begin(); it != root.end(); ++it) {
    const std::string name = it->first.as<std::string>();
    bool found = false;
    std::string known;
    c.visit_sections([&](const char* section_name, auto& section) {
      known += std::string(known.empty() ? "" : ", ") + section_name;
      if (name != section_name) return;
      found = true;
      read_section(it->second, section, name, where);
    });
    if (!found)
      throw InputError(at_line(where, it->first), "unknown section \"" + name + "\"",
                       "known sections: " + known);
  }
  validate_align_config(c, where);
  return c;
}

AlignConfig load_align_config(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw InputError(path, "cannot read the pipeline configuration");
  std::stringstream ss;
  ss << in.rdbuf();
  return parse_align_config(ss.str(), path);
}

void validate_align_config(const AlignConfig& c, const std::string& w) {
  require(c.run.threads >= 1, w, "run.threads", "must be at least 1");
  require(c.run.baseline == "dnn" || c.run.baseline == "two-tower", w, "run.baseline",
          "must be dnn or two-tower");
  require(c.run.baseline_epochs >= 0, w, "run.baseline_epochs", "must be >= 0");
  require(c.run.baseline_train_candidates >= 0, w, "run.baseline_train_candidates", "must be >= 0");
  require(c.reward_model.train_candidates >= 0, w, "reward_model.train_candidates", "must be >= 0");
  require(c.run.eval_bootstrap >= 0, w, "run.eval_bootstrap", "must be >= 0");
  require(c.reasoner.pretrain_steps >= 1, w, "reasoner.pretrain_steps", "must be at least 1");
  require(c.reasoner.pretrain_prompts >= 1, w, "reasoner.pretrain_prompts", "must be at least 1");
  require(c.reasoner.latent_tokens >= 1, w, "reasoner.latent_tokens",
          "must be at least 1 (alignment trains the latent-query text)");
  require(c.reasoner.batch >= 1, w, "reasoner.batch", "must be at least 1");
  require(c.reward_model.epochs >= 0, w, "reward_model.epochs", "must be >= 0");
  require(c.reward_model.reward == "listwise" || c.reward_model.reward == "ndcg3", w, "reward_model.reward",
          "must be listwise or ndcg3");
  require(c.reward_model.pooling == "last" || c.reward_model.pooling == "mean" ||
              c.reward_model.pooling == "query",
          w, "reward_model.pooling", "must be last, mean or query");
  require(c.reward_model.intent_id_dropout >= 0 && c.reward_model.intent_id_dropout < 1, w,
          "reward_model.intent_id_dropout", "must be in [0, 1)");
  const TeachersSection& t = c.teachers;
  require(t.requests >= 1, w, "teachers.requests", "must be at least 1");
  require(t.simulated_samples >= 1 && t.kb_candidates >= 1 && t.self_samples >= 1 && t.openai_samples >= 1, w,
          "teachers.*_samples / kb_candidates", "must be at least 1");
  require(t.simulated_temperature >= 0 && t.self_temperature >= 0 && t.openai_temperature >= 0, w,
          "teachers.*_temperature", "must be >= 0");
  require(t.self_top_k >= 0, w, "teachers.self_top_k", "must be >= 0");
  require(t.self_greedy_margin >= 0, w, "teachers.self_greedy_margin", "must be >= 0");
  require(t.self_greedy_margin == 0 || t.self_greedy, w, "teachers.self_greedy_margin",
          "needs teachers.self_greedy: true (the margin is over the student's greedy candidate)");
  require(t.openai_timeout_s > 0, w, "teachers.openai_timeout_s", "must be positive");
  require(t.openai_retries >= 0, w, "teachers.openai_retries", "must be >= 0");
  require(t.openai_backoff_s >= 0, w, "teachers.openai_backoff_s", "must be >= 0");
  require(t.openai_concurrency >= 1, w, "teachers.openai_concurrency", "must be at least 1");
  require(t.openai_max_tokens >= 1, w, "teachers.openai_max_tokens", "must be at least 1");
  require(t.openai_base_url.empty() || !t.openai_model.empty(), w, "teachers.openai_model",
          "must be set when teachers.openai_base_url is");
  require(t.checkpoint_samples >= 1, w, "teachers.checkpoint_samples", "must be at least 1");
  require(t.checkpoint_temperature >= 0, w, "teachers.checkpoint_temperature", "must be >= 0");
  require(t.checkpoint_top_k >= 0, w, "teachers.checkpoint_top_k", "must be >= 0");
  for (const auto& dir : t.checkpoints)
    require(!dir.empty(), w, "teachers.checkpoints", "must not hold an empty directory name");
  require(t.simulated || t.kb_retrieval || t.self_sampling || t.self_greedy || !t.checkpoints.empty() ||
              !t.openai_base_url.empty(),
          w, "teachers", "enable at least one teacher");
  require(c.sft.epochs >= 1 && c.sft.batch >= 1 && c.sft.lr > 0, w, "sft.epochs/batch/lr",
          "must be positive");
  require(c.sft.neftune_alpha >= 0, w, "sft.neftune_alpha", "must be >= 0");
  require(c.reasoner.lora_rank >= 1 && c.reasoner.lora_alpha > 0, w, "reasoner.lora_rank/lora_alpha",
          "must be positive");
  require(c.dpo.epochs >= 1 && c.dpo.batch >= 1 && c.dpo.lr > 0, w, "dpo.epochs/batch/lr",
          "must be positive");
  require(c.dpo.beta > 0, w, "dpo.beta", "must be positive");
  require(c.dpo.margin >= 0, w, "dpo.margin", "must be >= 0");
  require(c.rgcl.epochs >= 1 && c.rgcl.batch >= 2 && c.rgcl.lr > 0, w, "rgcl.epochs/batch/lr",
          "must be positive (batch at least 2: in-batch negatives)");
  require(c.rgcl.temperature > 0, w, "rgcl.temperature", "must be positive");
  require(c.rgcl.drift_weight >= 0 && c.rgcl.lm_weight >= 0 && c.rgcl.reward_weight >= 0, w,
          "rgcl.drift_weight/lm_weight/reward_weight", "must be >= 0");
  require(c.calibration.rounds >= 0, w, "calibration.rounds", "must be >= 0");
  require(c.calibration.epochs >= 1 && c.calibration.lr > 0, w, "calibration.epochs/lr", "must be positive");
  require(!c.calibration.control || c.calibration.rounds >= 1, w, "calibration.control",
          "needs calibration.rounds >= 1 (with no rounds there is no calibration step to control)");
}

}  // namespace rgalign
