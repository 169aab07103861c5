// The configuration of `rgalign align` (configs/pipeline.yaml): one section per stage, every hyperparameter
// with its default here. Loading is strict: an unknown section or key, or a value of the wrong type, is an
// InputError naming the file and line.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "rgalign/common/json_util.h"

namespace rgalign {

struct RunSection {
  uint64_t seed = 1;
  int threads = 2;
  std::string baseline = "two-tower";  // the production ranker every stage is compared against
  int baseline_epochs = 0;             // 0 = the model's default
  int baseline_train_candidates = 48;  // candidates per request in a baseline training step (0 = all)
  int eval_bootstrap = 1000;           // resamples for the 95% intervals of the report

  template <class V>
  void visit(V&& v) {
    v("seed", seed, "seed of every stage");
    v("threads", threads, "CPU threads");
    v("baseline", baseline, "production baseline model (dnn | two-tower)");
    v("baseline_epochs", baseline_epochs, "baseline training epochs (0 = model default)");
    v("baseline_train_candidates", baseline_train_candidates,
      "each baseline training step ranks the request's clicked intents among this many of its candidates, the "
      "others sampled uniformly (--train-candidates; 0 = every candidate)");
    v("eval_bootstrap", eval_bootstrap, "bootstrap resamples for report intervals");
  }
};

struct ReasonerSection {
  std::string dir;           // a checkpoint to align; empty = pretrain the built-in reasoner on the data
  int pretrain_steps = 500;  // built-in reasoner only
  int64_t pretrain_prompts = 8000;
  int latent_tokens = 24;  // greedy latent-query tokens generated after each prompt
  int batch = 32;          // prompts per forward pass when embedding
  bool lora = false;       // LoRA adapters instead of full fine-tuning in every student stage
  int lora_rank = 8;
  double lora_alpha = 16;

  template <class V>
  void visit(V&& v) {
    v("dir", dir, "reasoner checkpoint to align (empty = pretrain the built-in one)");
    v("pretrain_steps", pretrain_steps, "built-in reasoner pretraining steps");
    v("pretrain_prompts", pretrain_prompts, "rendered training prompts in the pretraining corpus");
    v("latent_tokens", latent_tokens, "latent-query tokens generated per prompt");
    v("batch", batch, "prompts per forward pass");
    v("lora", lora, "train LoRA adapters instead of every weight (large reasoners)");
    v("lora_rank", lora_rank, "LoRA rank");
    v("lora_alpha", lora_alpha, "LoRA alpha");
  }
};

struct RewardModelSection {
  int epochs = 0;                    // QE-Rec training epochs (0 = model default)
  std::string reward = "listwise";   // listwise: RM probability of the clicked intent | ndcg3
  double intent_id_dropout = 0.5;    // QE-Rec's cold-start id dropout, in the RM and calibration's fine-tunes
  std::string pooling = "query";     // latent-query embedding the RM reads: last | mean | query
  bool hindsight_texts = true;       // some RM training texts name the clicked intent (as a typed question)
  bool tie_text_projection = false;  // one projection for latent queries and intent texts
  bool query_match = false;          // the query-intent dot product added to each logit
  int train_candidates = 0;          // candidates per request in a training step (0 = all), RM and fine-tunes

  template <class V>
  void visit(V&& v) {
    v("epochs", epochs, "QE-Rec (reward model) training epochs (0 = model default)");
    v("train_candidates", train_candidates,
      "each training step ranks the request's clicked intents among this many of its candidates, the others "
      "sampled uniformly (QE-Rec --train-candidates; 0 = every candidate), in the RM and calibration's "
      "fine-tunes");
    v("pooling", pooling, "latent-query embedding the RM reads: last | mean | query (QE-Rec --pooling)");
    v("hindsight_texts", hindsight_texts,
      "one of the RM's training-text sources is the clicked intent's title, as a user who typed the question "
      "would have written it, so that the RM learns to read latent-query texts");
    v("tie_text_projection", tie_text_projection,
      "one projection for the latent query and the intent texts (QE-Rec --tie-text-projection)");
    v("query_match", query_match,
      "add the dot product of the query and intent towers to each logit, so that a latent query naming an "
      "intent lifts it directly (QE-Rec --query-match)");
    v("reward", reward, "listwise | ndcg3");
    v("intent_id_dropout", intent_id_dropout,
      "share of intents trained without their id embedding at each step (QE-Rec --intent-id-dropout)");
  }
};

struct TeachersSection {
  int64_t requests = 4000;  // training requests that get candidates (evenly spaced over the split)
  bool simulated = true;    // the world's simulated teachers (only where the data is simulated)
  int simulated_samples = 2;
  double simulated_temperature = 0.7;
  bool kb_retrieval = true;   // BM25 over intent texts
  int kb_candidates = 2;      // top intents written as latent queries, one candidate each
  bool self_sampling = true;  // the student itself, sampled
  int self_samples = 2;
  double self_temperature = 1.0;
  int self_top_k = 40;
  bool self_greedy = false;       // the student's own greedy latent query, kept even when empty
  double self_greedy_margin = 0;  // reward another candidate needs above it to be the best of N
  // Local checkpoints run through the engine as teachers (Llama / Qwen2 / Qwen3 in HF layout, or a reasoner
  // `rgalign reasoner pretrain` wrote), each named "local:<directory name>" in the candidates and the report.
  std::vector<std::string> checkpoints;
  int checkpoint_samples = 1;  // per checkpoint and request: the first greedy, the others sampled
  double checkpoint_temperature = 0.7;
  int checkpoint_top_k = 40;
  // Any OpenAI-compatible chat-completions endpoint (off while base_url is empty).
  std::string openai_base_url;
  std::string openai_model;
  std::string openai_api_key_env = "OPENAI_API_KEY";
  int openai_samples = 1;
  double openai_temperature = 0.7;
  int openai_max_tokens = 48;
  double openai_timeout_s = 30;
  int openai_retries = 3;
  double openai_backoff_s = 0.5;
  int openai_concurrency = 4;
  std::string openai_cache;  // response cache directory (default <run>/teacher-cache)

  template <class V>
  void visit(V&& v) {
    v("requests", requests, "training requests given teacher candidates");
    v("simulated", simulated, "use the simulated teachers (simulated worlds only)");
    v("simulated_samples", simulated_samples, "samples per simulated teacher and request");
    v("simulated_temperature", simulated_temperature, "sampling temperature of the simulated teachers");
    v("kb_retrieval", kb_retrieval, "use the BM25 Knowledge-Base retrieval teacher");
    v("kb_candidates", kb_candidates, "retrieved intents written as candidates");
    v("self_sampling", self_sampling, "sample candidates from the student itself");
    v("self_samples", self_samples, "student samples per request");
    v("self_temperature", self_temperature, "student sampling temperature");
    v("self_top_k", self_top_k, "student sampling top-k (0 = off)");
    v("self_greedy", self_greedy,
      "the student's own greedy latent query as a candidate, kept even when empty (writing nothing can win)");
    v("self_greedy_margin", self_greedy_margin,
      "reward another candidate needs above the student's greedy one to be the best of N (RG-SFT target, DPO "
      "chosen)");
    v("checkpoints", checkpoints,
      "local checkpoint directories run through the engine as teachers, each in its own chat format");
    v("checkpoint_samples", checkpoint_samples,
      "latent queries per local checkpoint and request: the first greedy, the others sampled");
    v("checkpoint_temperature", checkpoint_temperature, "sampling temperature of the local checkpoints");
    v("checkpoint_top_k", checkpoint_top_k, "sampling top-k of the local checkpoints (0 = off)");
    v("openai_base_url", openai_base_url, "OpenAI-compatible endpoint, e.g. http://127.0.0.1:8000/v1");
    v("openai_model", openai_model, "model name sent to the endpoint");
    v("openai_api_key_env", openai_api_key_env, "environment variable holding the API key");
    v("openai_samples", openai_samples, "completions per request");
    v("openai_temperature", openai_temperature, "sampling temperature sent to the endpoint");
    v("openai_max_tokens", openai_max_tokens, "max_tokens sent to the endpoint");
    v("openai_timeout_s", openai_timeout_s, "per-request timeout (seconds)");
    v("openai_retries", openai_retries, "retries after a failed or timed-out request");
    v("openai_backoff_s", openai_backoff_s, "first retry delay; doubles each retry");
    v("openai_concurrency", openai_concurrency, "requests in flight at once");
    v("openai_cache", openai_cache, "response cache directory (default <run>/teacher-cache)");
  }
};

struct SftSection {
  int epochs = 2;
  int batch = 16;
  double lr = 1e-3;
  double neftune_alpha = 5.0;  // 0 = off

  template <class V>
  void visit(V&& v) {
    v("epochs", epochs, "RG-SFT epochs over the best-of-N targets");
    v("batch", batch, "sequences per step");
    v("lr", lr, "peak learning rate (AdamW, warm-up then cosine)");
    v("neftune_alpha", neftune_alpha, "NEFTune noise scale on input embeddings (0 = off)");
  }
};

struct DpoSection {
  bool enabled = true;
  int epochs = 1;
  int batch = 16;
  double lr = 2e-4;
  double beta = 0.1;
  double margin = 0.05;  // minimum reward difference of a best-versus-worst pair

  template <class V>
  void visit(V&& v) {
    v("enabled", enabled, "run the DPO stage");
    v("epochs", epochs, "DPO epochs over the preference pairs");
    v("batch", batch, "pairs per step");
    v("lr", lr, "peak learning rate");
    v("beta", beta, "DPO beta (strength of the implicit KL to the reference)");
    v("margin", margin, "minimum reward margin for a best-versus-worst pair");
  }
};

struct RgclSection {
  bool enabled = true;
  int epochs = 1;
  int batch = 32;
  double lr = 5e-4;
  double temperature = 0.1;
  double drift_weight = 1.0;  // weight of the term keeping embeddings near the pre-CL student's
  double lm_weight = 0.5;     // weight of the SFT loss kept during RG-CL (the student must still write)
  double reward_weight = 0.0;  // weight of the frozen RM's own ranking loss with the student's embedding

  template <class V>
  void visit(V&& v) {
    v("enabled", enabled, "run the RG-CL stage");
    v("epochs", epochs, "RG-CL epochs");
    v("batch", batch, "requests per step (in-batch negatives)");
    v("lr", lr, "peak learning rate");
    v("temperature", temperature, "InfoNCE temperature");
    v("drift_weight", drift_weight, "weight of the embedding drift penalty");
    v("lm_weight", lm_weight, "weight of the target-token loss kept during RG-CL");
    v("reward_weight", reward_weight,
      "weight of the frozen reward model's listwise loss with the student's embedding in its query tower");
  }
};

struct CalibrationSection {
  int rounds = 2;
  int epochs = 2;
  double lr = 5e-4;
  bool control = false;

  template <class V>
  void visit(V&& v) {
    v("rounds", rounds, "closed-loop rounds at most (stops when validation GAUC stops improving)");
    v("epochs", epochs, "ranker fine-tuning epochs per round");
    v("lr", lr, "ranker fine-tuning learning rate");
    v("control", control,
      "also fine-tune the reward model the same way on the base reasoner's own latent queries and report the "
      "final stage's difference to it (what the alignment adds beyond the fine-tune)");
  }
};

struct AlignConfig {
  RunSection run;
  ReasonerSection reasoner;
  RewardModelSection reward_model;
  TeachersSection teachers;
  SftSection sft;
  DpoSection dpo;
  RgclSection rgcl;
  CalibrationSection calibration;

  template <class V>
  void visit_sections(V&& v) {
    v("run", run);
    v("reasoner", reasoner);
    v("reward_model", reward_model);
    v("teachers", teachers);
    v("sft", sft);
    v("dpo", dpo);
    v("rgcl", rgcl);
    v("calibration", calibration);
  }
  Json to_json();
};

// Parses a pipeline YAML; absent keys keep their defaults. Throws InputError("file:line", ...) on an unknown
// section or key, a wrong type or an out-of-range value.
AlignConfig load_align_config(const std::string& path);
AlignConfig parse_align_config(const std::string& yaml_text, const std::string& where);
// Range checks (positive sizes, probabilities ...); `where` names the file.
void validate_align_config(const AlignConfig& c, const std::string& where);

}  // namespace rgalign
