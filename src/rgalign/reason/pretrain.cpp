// Built-in reasoner pretraining.
#include "rgalign/reason/pretrain.h"

#include <ATen/Parallel.h>

#include <chrono>
#include <cmath>
#include <filesystem>
#include <fstream>

#include "rgalign/common/atomic_file.h"
#include "rgalign/common/error.h"
#include "rgalign/common/logging.h"
#include "rgalign/common/options.h"
#include "rgalign/common/progress.h"
#include "rgalign/llm/decoder.h"
#include "rgalign/rank/run_dir.h"
#include "rgalign/reason/corpus.h"
#include "rgalign/reason/latent_inputs.h"
#include "rgalign/text/sentencepiece_tokenizer.h"

namespace rgalign {

namespace fs = std::filesystem;

namespace {

void validate(const ReasonerPretrainOptions& o) {
  auto positive = [](int x, const char* flag) {
    if (x < 1) throw InputError(flag, "must be at least 1");
  };
  positive(o.hidden_size, "--hidden-size");
  positive(o.layers, "--layers");
  positive(o.heads, "--heads");
  positive(o.kv_heads, "--kv-heads");
  positive(o.intermediate_size, "--intermediate-size");
  positive(o.batch_size, "--batch-size");
  positive(o.steps, "--steps");
  positive(o.eval_every, "--eval-every");
  positive(o.threads, "--threads");
  if (o.vocab_size < 64) throw InputError("--vocab-size", "must be at least 64");
  if (o.seq_len < 8) throw InputError("--seq-len", "must be at least 8");
  if (o.hidden_size % o.heads != 0 || (o.hidden_size / o.heads) % 2 != 0)
    throw InputError("--heads", "hidden size / heads must be an even whole number");
  if (o.heads % o.kv_heads != 0) throw InputError("--kv-heads", "must divide --heads");
  if (!(o.lr > 0)) throw InputError("--lr", "must be positive");
  if (!(o.warmup >= 0 && o.warmup < 1)) throw InputError("--warmup", "must be in [0, 1)");
}

// Documents as one line each for the tokenizer trainer (it reads lines as sentences).
void write_tokenizer_corpus(const std::vector<std::string>& docs, const std::string& path) {
  AtomicFile f(path);
  for (std::string d : docs) {
    for (char& c : d)
      if (c == '\n' || c == '\r') c = ' ';
    f.stream() << d << '\n';
  }
  f.commit();
}

// The tokenizer learns from the first `max_docs` documents (all intents come first, then prompts): BPE
// training time grows with the corpus, and a few thousand prompts already hold every template phrase.
void train_tokenizer(const std::vector<std::string>& docs, const ReasonerPretrainOptions& o) {
  const std::string corpus = (fs::path(o.out) / "tokenizer-corpus.txt").string();
  const std::string prefix = (fs::path(o.out) / "tokenizer-tmp").string();
  const size_t max_docs = 6000;
  write_tokenizer_corpus(
      std::vector<std::string>(docs.begin(),
                               docs.begin() + static_cast<std::ptrdiff_t>(std::min(max_docs, docs.size()))),
      corpus);
  // BPE pieces may span spaces, so the prompts' fixed phrases ("Latest order status") become single tokens
  // and prompts stay short (~170 tokens instead of ~400 with word-bounded pieces). One thread and no sampling
  // of input sentences: the same corpus gives the same model. Relative paths, run inside `out`: the model
  // file records them, and must not depend on where `out` is.
  train_sentencepiece(
      {"--input=tokenizer-corpus.txt", "--model_prefix=tokenizer-tmp",
       "--vocab_size=" + std::to_string(o.vocab_size), "--hard_vocab_limit=false", "--model_type=bpe",
       "--split_by_whitespace=false", "--max_sentencepiece_length=32", "--character_coverage=1.0",
       "--byte_fallback=true", "--unk_id=0", "--bos_id=1", "--eos_id=2", "--pad_id=-1", "--num_threads=1",
       "--shuffle_input_sentence=false", "--input_sentence_size=0", "--minloglevel=2"},
      fs::absolute(o.out).string());
  fs::rename(prefix + ".model", fs::path(o.out) / "tokenizer.model");
  fs::remove(prefix + ".vocab");
  fs::remove(corpus);
}

// Documents -> one stream "<s> doc </s> <s> doc </s> ..." cut into [N, T] chunks (the tail is dropped).
torch::Tensor pack(const std::vector<std::string>& docs, const Tokenizer& tok, int64_t T, int64_t* tokens) {
  std::vector<int64_t> stream;
  for (const auto& d : docs) {
    stream.push_back(1);
    for (int64_t id : tok.encode(d)) stream.push_back(id);
    stream.push_back(2);
  }
  if (tokens) *tokens = static_cast<int64_t>(stream.size());
  const auto n = static_cast<int64_t>(stream.size()) / T;
  if (n == 0) return torch::zeros({0, T}, torch::kInt64);
  return torch::tensor(std::vector<int64_t>(stream.begin(), stream.begin() + n * T), torch::kInt64)
      .view({n, T});
}

// Mean next-token cross-entropy of chunks [B, T].
torch::Tensor lm_loss(Decoder& model, const torch::Tensor& chunks) {
  const int64_t B = chunks.size(0), T = chunks.size(1);
  auto mask = torch::ones({B, T}, torch::kInt64);
  auto pos = torch::arange(T, torch::kInt64).unsqueeze(0).expand({B, T});
  auto hidden = model.forward(chunks, mask, pos);          // [B, T, H]
  auto logits = model.logits(hidden.narrow(1, 0, T - 1));  // [B, T-1, V]
  auto target = chunks.narrow(1, 1, T - 1).reshape({-1});  // [B*(T-1)]
  return torch::nn::functional::cross_entropy(logits.reshape({-1, logits.size(-1)}), target);
}

double perplexity(Decoder& model, const torch::Tensor& chunks, int64_t batch) {
  torch::NoGradGuard no_grad;
  model.eval();
  double sum = 0;
  int64_t n = 0;
  for (int64_t s = 0; s < chunks.size(0); s += batch) {
    auto c = chunks.narrow(0, s, std::min(batch, chunks.size(0) - s));
    sum += lm_loss(model, c).item<double>() * static_cast<double>(c.size(0));
    n += c.size(0);
  }
  model.train();
  return std::exp(sum / static_cast<double>(std::max<int64_t>(1, n)));
}

double lr_at(const ReasonerPretrainOptions& o, int64_t step) {
  const auto warm = std::max<int64_t>(1, static_cast<int64_t>(o.warmup * o.steps));
  if (step < warm) return o.lr * static_cast<double>(step + 1) / static_cast<double>(warm);
  const double p =
      static_cast<double>(step - warm) / static_cast<double>(std::max<int64_t>(1, o.steps - warm));
  return o.lr * (0.1 + 0.9 * 0.5 * (1.0 + std::cos(M_PI * p)));  // cosine to 10% of the peak
}

}  // namespace

LlmConfig builtin_reasoner_config(const ReasonerPretrainOptions& opt, int64_t vocab_size) {
  LlmConfig cfg;
  cfg.model_type = "llama";
  cfg.vocab_size = vocab_size;
  cfg.hidden_size = opt.hidden_size;
  cfg.intermediate_size = opt.intermediate_size;
  cfg.num_hidden_layers = opt.layers;
  cfg.num_attention_heads = opt.heads;
  cfg.num_key_value_heads = opt.kv_heads;
  cfg.head_dim = opt.hidden_size / opt.heads;
  cfg.rms_norm_eps = 1e-5;
  cfg.max_position_embeddings = std::max(2048, opt.seq_len);
  cfg.tie_word_embeddings = true;
  cfg.bos_token_id = 1;
  cfg.eos_token_ids = {2};
  return cfg;
}

ReasonerPretrainResult run_reasoner_pretrain(const ReasonerPretrainOptions& opt) {
  validate(opt);
  at::set_num_threads(opt.threads);
  const BadInputPolicy policy = opt.skip_bad ? BadInputPolicy::kSkipBad : BadInputPolicy::kStrict;
  Dataset data = Dataset::open(opt.data, policy);
  CorpusOptions co;
  co.max_train_prompts = opt.max_train_prompts;
  co.max_valid_prompts = opt.max_valid_prompts;
  ReasonerCorpus corpus = build_reasoner_corpus(data, co, policy);
  if (corpus.valid.empty())
    throw InputError(data.split_path("valid"), "no validation requests: perplexity needs some");
  make_dirs(opt.out);
  fs::remove(fs::path(opt.out) / "metrics.jsonl");
  // Latent queries of a checkpoint this run replaces can never be served again (their keys hold its hash).
  fs::remove_all(default_latent_cache(opt.out));
  spdlog::info("reasoner corpus: {} training documents, {} validation prompts", corpus.train.size(),
               corpus.valid.size());

  train_tokenizer(corpus.train, opt);
  auto tok = load_tokenizer(opt.out);
  int64_t train_tokens = 0, valid_tokens = 0;
  torch::Tensor train = pack(corpus.train, *tok, opt.seq_len, &train_tokens);  // [N, T]
  torch::Tensor valid = pack(corpus.valid, *tok, opt.seq_len, &valid_tokens);  // [Nv, T]
  if (train.size(0) < 1 || valid.size(0) < 1)
    throw InputError(opt.data, "corpus too small for --seq-len " + std::to_string(opt.seq_len));
  spdlog::info("tokenizer: {} pieces; {} training tokens, {} validation tokens ({:.1f} tokens per prompt)",
               tok->vocab_size(), train_tokens, valid_tokens,
               static_cast<double>(valid_tokens) / static_cast<double>(corpus.valid.size()));

  const LlmConfig cfg = builtin_reasoner_config(opt, tok->vocab_size());
  Decoder model(cfg, opt.seed);
  model.train();
  int64_t n_params = 0;
  for (const auto& p : model.parameters()) n_params += p.numel();
  spdlog::info("reasoner: llama, {} layers, width {}, {} parameters", opt.layers, opt.hidden_size, n_params);

  torch::manual_seed(opt.seed);
  torch::optim::AdamW optimizer(
      model.parameters(),
      torch::optim::AdamWOptions(opt.lr).betas({0.9, 0.95}).weight_decay(opt.weight_decay));
  ReasonerPretrainResult result;
  result.parameters = n_params;
  result.train_tokens = train_tokens;
  const int64_t eval_batch = 16;
  result.first_valid_ppl = perplexity(model, valid, eval_batch);
  append_metrics_line(opt.out, {{"step", 0}, {"valid_ppl", result.first_valid_ppl}});
  spdlog::info("step 0 | valid perplexity {:.1f}", result.first_valid_ppl);
  torch::Tensor perm = torch::randperm(train.size(0), torch::kInt64);
  int64_t cursor = 0;
  double loss_sum = 0;
  int64_t loss_n = 0;
  double train_s = 0;
  Progress progress("pretrain", static_cast<uint64_t>(opt.steps), "steps");
  for (int64_t step = 0; step < opt.steps; ++step) {
    auto t0 = std::chrono::steady_clock::now();
    if (cursor + opt.batch_size > train.size(0)) {  // next epoch over the packed chunks
      perm = torch::randperm(train.size(0), torch::kInt64);
      cursor = 0;
    }
    auto idx = perm.narrow(0, cursor, std::min<int64_t>(opt.batch_size, train.size(0)));
    cursor += idx.size(0);
    for (auto& g : optimizer.param_groups())
      static_cast<torch::optim::AdamWOptions&>(g.options()).lr(lr_at(opt, step));
    optimizer.zero_grad();
    auto loss = lm_loss(model, train.index_select(0, idx));
    loss.backward();
    torch::nn::utils::clip_grad_norm_(model.parameters(), 1.0);
    optimizer.step();
    loss_sum += loss.item<double>();
    ++loss_n;
    train_s += std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    char sfx[48];
    std::snprintf(sfx, sizeof sfx, "loss %.3f", loss_sum / static_cast<double>(loss_n));
    progress.set_suffix(sfx);
    progress.advance();
    if ((step + 1) % opt.eval_every == 0 || step + 1 == opt.steps) {
      const double ppl = perplexity(model, valid, eval_batch);
      const double tps = static_cast<double>((step + 1) * opt.batch_size * opt.seq_len) / train_s;
      append_metrics_line(opt.out, {{"step", step + 1},
                                    {"train_loss", loss_sum / static_cast<double>(loss_n)},
                                    {"valid_ppl", ppl},
                                    {"lr", lr_at(opt, step)},
                                    {"tokens_per_s", tps}});
      spdlog::info("step {}/{} | train loss {:.3f} | valid perplexity {:.2f} | {} tokens/s", step + 1,
                   opt.steps, loss_sum / static_cast<double>(loss_n), ppl, human_count(tps));
      result.final_valid_ppl = ppl;
      result.tokens_per_s = tps;
      loss_sum = 0;
      loss_n = 0;
    }
  }
  progress.finish();
  model.save(opt.out);
  ReasonerPretrainOptions echo = opt;
  Json config = options_to_json(echo);
  config["result"] = {{"first_valid_ppl", result.first_valid_ppl},
                      {"final_valid_ppl", result.final_valid_ppl},
                      {"parameters", n_params},
                      {"train_tokens", train_tokens},
                      {"tokens_per_s", result.tokens_per_s}};
  write_run_json(
      opt.out, "reasoner pretrain", "reasoner", config,
      {(fs::path(opt.data) / "schema.yaml").string(), (fs::path(opt.data) / "intents.jsonl").string(),
       data.split_path("train"), data.split_path("valid")});
  spdlog::info("reasoner saved to {}: validation perplexity {:.1f} -> {:.2f}", opt.out,
               result.first_valid_ppl, result.final_valid_ppl);
  return result;
}

}  // namespace rgalign
