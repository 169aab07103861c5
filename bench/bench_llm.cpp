// Prefill speed of the decoder.
// CPU (default): tokens/s of a ~50M-parameter Qwen3-shaped config (batch 8 x 256 tokens, InferenceMode,
// float32), and in the same run the machine's measured float32 GEMM rate, so that the achieved fraction can
// be reported. GPU (--device cuda): a Qwen3-0.6B-shaped model (hidden 1024, 28 layers, 16 heads, 8 KV heads,
// head_dim 128, intermediate 3072, vocab 151936) with random bfloat16 weights, last-token embeddings of B x L
// batches with left padding of varied lengths; bench/llm_reference.py measures transformers on the same
// shapes.
//
// --generate: latent-query generation with the built-in reasoner's default shape (Llama, hidden 128, 2
// layers, 4 heads, 2 KV heads, vocab 4,000): B left-padded prompts of lengths spread over [L/2, L], N greedy
// tokens each with no stop token; reports prompts/s of the generation and, in the same run, of the prompts'
// prefill alone (the floor), so the decoding steps' share of the time can be read off; first with the fused
// CPU attention (llm/attention_kernel.h), then with the module path, and the ratio of the two.
//
// --batches K: K such batches of generation (and of prefill alone), one after another with the intra-op
// threads splitting each operator, then one batch per thread (llm/parallel.h, what Reasoner::embed does on
// the CPU), and the ratio of the two.
//
// --last-layer: latent queries with the last layer at the positions they read against every position (see
// last_layer_bench).
//
// --train: a student training step (loss and backward) at the same shape, see train_bench.
//
// --attention: the fused attention kernel's two ways of computing scores, one dot product per key and one
// product with the transposed keys per query row, compared for prefill and for decoding steps (see
// attention_bench).
//
// --gemm: the machine speed `rgalign align` records for each step (common/machine_speed.h), `reps` times.
//
// --shared-prompt: teacher candidates, N texts after each prompt, embedded with each prompt run once against
// every prompt + text as its own sequence, see shared_prompt_bench.
//
//   build/bench/bench_llm [--threads 2] [--batch 8] [--seq 256] [--reps 3]
//   build/bench/bench_llm --generate 1 [--threads 2] [--batch 32] [--seq 256] [--new-tokens 24] [--reps 5]
//   build/bench/bench_llm --generate 1 --batches 8 [--threads 2] [--batch 32] [--seq 210] [--reps 3]
//   build/bench/bench_llm --last-layer 1 [--threads 2] [--batch 32] [--seq 210] [--new-tokens 24]
//                         [--batches 8]
//   build/bench/bench_llm --train 1 [--threads 2] [--batch 16] [--seq 210] [--new-tokens 24] [--reps 5]
//   build/bench/bench_llm --attention 1 [--threads 2] [--batch 32] [--seq 210] [--batches 8] [--reps 5]
//   build/bench/bench_llm --gemm 1 [--threads 2] [--reps 5]
//   build/bench/bench_llm --shared-prompt 1 [--threads 2] [--batch 32] [--seq 210] [--texts 7] [--batches 4]
//   build/bench/bench_llm --device cuda --batch 64 --seq 256
#include <ATen/Parallel.h>
#include <torch/torch.h>

#include <chrono>
#include <cstdio>
#include <string>

#include "bench_args.h"

#include "rgalign/align/sequences.h"
#include "rgalign/common/allocator.h"
#include "rgalign/common/machine_speed.h"
#include "rgalign/llm/attention_kernel.h"
#include "rgalign/llm/decoder.h"
#include "rgalign/llm/embedder.h"
#include "rgalign/llm/generate.h"
#include "rgalign/llm/parallel.h"
#include "rgalign/llm/pooling.h"
#include "rgalign/llm/shared_prompt.h"
#include "rgalign/reason/pretrain.h"

namespace {

using rgalign::bench::arg;
using rgalign::bench::sarg;

using Clock = std::chrono::steady_clock;
double since(Clock::time_point t) {
  return std::chrono::duration<double>(Clock::now() - t).count();
}

// The best of `reps` timed calls of fn after one warm-up call, in seconds.
template <typename Fn>
double best_seconds(int64_t reps, Fn&& fn) {
  fn();
  double best = 1e9;
  for (int64_t r = 0; r < reps; ++r) {
    auto t0 = Clock::now();
    fn();
    best = std::min(best, since(t0));
  }
  return best;
}

}  // namespace

// Qwen3-0.6B's shape with random bf16 weights; rows left-padded to lengths spread over [L/2, L].
int gpu_bench(int64_t B, int64_t L, int64_t reps) {
  torch::Device dev(torch::kCUDA);
  rgalign::LlmConfig c;
  c.model_type = "qwen3";
  c.vocab_size = 151936;
  c.hidden_size = 1024;
  c.intermediate_size = 3072;
  c.num_hidden_layers = 28;
  c.num_attention_heads = 16;
  c.num_key_value_heads = 8;
  c.head_dim = 128;
  c.qk_norm = true;
  c.tie_word_embeddings = true;
  rgalign::Decoder dec(c, 0);
  dec.to(dev, torch::kBFloat16);
  std::vector<std::vector<int64_t>> seqs;
  int64_t real_tokens = 0;
  for (int64_t b = 0; b < B; ++b) {
    const int64_t n = L / 2 + (b * 7919) % (L / 2 + 1);
    seqs.push_back(std::vector<int64_t>(static_cast<size_t>(n), 1 + b % 1000));
    real_tokens += n;
  }
  torch::Tensor ids, mask, pos;
  rgalign::pad_left(seqs, ids, mask, pos);
  ids = ids.to(dev);
  mask = mask.to(dev);
  pos = pos.to(dev);
  auto run = [&] {
    return rgalign::pool_hidden(dec.forward(ids, mask, pos), mask, rgalign::Pooling::kLast, false);
  };
  run();
  torch::cuda::synchronize();
  double best = 1e9;
  for (int64_t r = 0; r < reps; ++r) {
    auto t0 = Clock::now();
    run();
    torch::cuda::synchronize();
    best = std::min(best, since(t0));
  }
  std::printf("name=llm_embed_gpu batch=%ld seq=%ld padded_tokens_per_s=%.0f real_tokens_per_s=%.0f\n",
              static_cast<long>(B), static_cast<long>(L), static_cast<double>(B * L) / best,
              static_cast<double>(real_tokens) / best);
  return 0;
}

// B prompts of lengths spread over [L/2, L] (the `offset`-th set), token ids in the vocabulary.
std::vector<std::vector<int64_t>> bench_prompts(const rgalign::LlmConfig& c, int64_t B, int64_t L,
                                                int64_t offset = 0) {
  std::vector<std::vector<int64_t>> prompts;
  for (int64_t b = offset * B; b < (offset + 1) * B; ++b) {
    const int64_t n = L / 2 + (b * 7919) % (L / 2 + 1);
    std::vector<int64_t> p(static_cast<size_t>(n));
    for (int64_t i = 0; i < n; ++i) p[static_cast<size_t>(i)] = 3 + (b * 31 + i * 17) % (c.vocab_size - 3);
    prompts.push_back(std::move(p));
  }
  return prompts;
}

// The built-in reasoner's default shape.
rgalign::LlmConfig builtin_config() {
  const rgalign::ReasonerPretrainOptions defaults;
  return rgalign::builtin_reasoner_config(defaults, defaults.vocab_size);
}

// K batches of B prompts: the k-th set of bench_prompts each.
std::vector<std::vector<std::vector<int64_t>>> bench_batches(const rgalign::LlmConfig& c, int64_t B,
                                                             int64_t L, int64_t K) {
  std::vector<std::vector<std::vector<int64_t>>> batches;
  for (int64_t k = 0; k < K; ++k) batches.push_back(bench_prompts(c, B, L, k));
  return batches;
}

// K batches of generation and of prefill: in order with threaded operators, then one batch per thread.
int batches_bench(int threads, int64_t B, int64_t L, int64_t new_tokens, int64_t K, int64_t reps) {
  const rgalign::LlmConfig c = builtin_config();
  rgalign::Decoder dec(c, 0);
  const auto batches = bench_batches(c, B, L, K);
  rgalign::GenerationOptions g;
  g.max_new_tokens = static_cast<int>(new_tokens);
  // The two modes alternate, each keeping its best time, so that a slow spell of a shared machine does not
  // fall on one mode alone.
  double seconds[2][2] = {{1e9, 1e9}, {1e9, 1e9}};  // [parallel][generate]
  for (int64_t r = 0; r <= reps; ++r)  // round 0 warms up
    for (const bool gen : {true, false})
      for (const bool parallel : {false, true}) {
        const auto t0 = Clock::now();
        rgalign::parallel_batches(static_cast<size_t>(K), [&](size_t k) {
          c10::InferenceMode guard;
          if (gen) {
            rgalign::generate(dec, batches[k], g);
          } else {
            torch::Tensor ids, mask, pos;
            rgalign::pad_left(batches[k], ids, mask, pos);
            dec.forward(ids, mask, pos);
          }
        }, parallel);
        if (r > 0) seconds[parallel][gen] = std::min(seconds[parallel][gen], since(t0));
      }
  for (const bool gen : {true, false})
    for (const bool parallel : {false, true})
      std::printf("name=llm_batches_cpu mode=%s work=%s threads=%d batches=%ld batch=%ld seq=%ld "
                  "new_tokens=%ld prompts_per_s=%.0f\n",
                  parallel ? "batch_per_thread" : "threaded_operators", gen ? "generate" : "prefill", threads,
                  static_cast<long>(K), static_cast<long>(B), static_cast<long>(L),
                  static_cast<long>(gen ? new_tokens : 0),
                  static_cast<double>(K * B) / seconds[parallel][gen]);
  std::printf("name=llm_batch_per_thread_speedup threads=%d batches=%ld batch=%ld seq=%ld generate_ratio=%.2f "
              "prefill_ratio=%.2f\n",
              threads, static_cast<long>(K), static_cast<long>(B), static_cast<long>(L),
              seconds[0][1] / seconds[1][1], seconds[0][0] / seconds[1][0]);
  return 0;
}

// The fused attention kernel's two ways of computing scores (llm/attention_kernel.h), alternating in one
// process: a prompt's prefill (T = S query rows) and a decoding step (one query row against S keys), at the
// built-in reasoner's attention shape (4 heads over 2 kv heads of 32), B rows left-padded to lengths over
// [L/2, L], K batches one per thread, as the reasoner runs them.
int attention_bench(int threads, int64_t B, int64_t L, int64_t K, int64_t reps) {
  const rgalign::LlmConfig c = builtin_config();
  const int64_t nh = c.num_attention_heads, nkv = c.num_key_value_heads, hd = c.head_dim;
  struct Batch {
    torch::Tensor q, q_step, k, v;
    rgalign::FusedKeyMask mask;
  };
  std::vector<Batch> batches;
  for (const auto& prompts : bench_batches(c, B, L, K)) {
    torch::Tensor ids, mask, pos;
    rgalign::pad_left(prompts, ids, mask, pos);
    const int64_t S = ids.size(1);
    Batch b;
    b.q = torch::randn({B, nh, S, hd});
    b.q_step = b.q.narrow(2, S - 1, 1).contiguous();
    b.k = torch::randn({B, nkv, S, hd});
    b.v = torch::randn({B, nkv, S, hd});
    b.mask = rgalign::fused_key_mask(mask);
    batches.push_back(std::move(b));
  }
  using rgalign::FusedScores;
  const FusedScores paths[2] = {FusedScores::kRowDots, FusedScores::kTransposedKeys};
  double seconds[2][2] = {{1e9, 1e9}, {1e9, 1e9}};  // [path][prefill]
  for (int64_t r = 0; r <= reps; ++r)               // round 0 warms up
    for (const bool prefill : {true, false})
      for (int p = 0; p < 2; ++p) {
        const auto t0 = Clock::now();
        // A decoding step is short: repeat it so that it is timed over about as many query rows.
        const int64_t repeats = prefill ? 1 : L;
        rgalign::parallel_batches(static_cast<size_t>(K), [&](size_t k) {
          const Batch& b = batches[k];
          for (int64_t i = 0; i < repeats; ++i)
            rgalign::causal_attention_fused(prefill ? b.q : b.q_step, b.k, b.v, b.mask, paths[p]);
        });
        if (r > 0) seconds[p][prefill] = std::min(seconds[p][prefill], since(t0));
      }
  for (const bool prefill : {true, false})
    for (int p = 0; p < 2; ++p)
      std::printf(
          "name=llm_attention_cpu scores=%s work=%s threads=%d batches=%ld batch=%ld seq=%ld "
          "seconds=%.4f\n",
          p == 0 ? "row_dots" : "transposed_keys", prefill ? "prefill" : "decode_step_x_seq", threads,
          static_cast<long>(K), static_cast<long>(B), static_cast<long>(L), seconds[p][prefill]);
  std::printf(
      "name=llm_attention_transposed_speedup threads=%d batches=%ld batch=%ld seq=%ld "
      "prefill_ratio=%.2f decode_step_ratio=%.2f\n",
      threads, static_cast<long>(K), static_cast<long>(B), static_cast<long>(L),
      seconds[0][1] / seconds[1][1], seconds[0][0] / seconds[1][0]);
  return 0;
}

// Latent queries whose last layer runs at the positions they read, against every position: K batches of B
// prompts (lengths over [L/2, L]), one batch per thread. Generation with and without the mean over the prompt
// (GenerationOptions::pooled_mean: off, the prompt's last layer runs at its last position), and the prefill
// of prompt + text with every position's states against the last `new_tokens` positions' (a given text's
// span, Decoder::forward's last_positions), the settings alternating.
int last_layer_bench(int threads, int64_t B, int64_t L, int64_t new_tokens, int64_t K, int64_t reps) {
  const rgalign::LlmConfig c = builtin_config();
  rgalign::Decoder dec(c, 0);
  const auto batches = bench_batches(c, B, L, K);
  double seconds[2][2] = {{1e9, 1e9}, {1e9, 1e9}};  // [generate][asked positions only]
  for (int64_t r = 0; r <= reps; ++r)               // round 0 warms up
    for (const bool gen : {true, false})
      for (const bool only : {false, true}) {
        const auto t0 = Clock::now();
        rgalign::parallel_batches(
            static_cast<size_t>(K),
            [&](size_t k) {
              c10::InferenceMode guard;
              if (gen) {
                rgalign::GenerationOptions g;
                g.max_new_tokens = static_cast<int>(new_tokens);
                g.pooled_mean = !only;
                rgalign::generate(dec, batches[k], g);
              } else {
                torch::Tensor ids, mask, pos;
                rgalign::pad_left(batches[k], ids, mask, pos);
                dec.forward(ids, mask, pos, nullptr, nullptr, only ? new_tokens : 0);
              }
            },
            true);
        if (r > 0) seconds[gen][only] = std::min(seconds[gen][only], since(t0));
      }
  for (const bool gen : {true, false})
    for (const bool only : {false, true})
      std::printf(
          "name=llm_last_layer_cpu work=%s last_layer=%s threads=%d batches=%ld batch=%ld seq=%ld "
          "new_tokens=%ld prompts_per_s=%.0f\n",
          gen ? "generate" : "prefill", only ? "asked_positions" : "every_position", threads,
          static_cast<long>(K), static_cast<long>(B), static_cast<long>(L), static_cast<long>(new_tokens),
          static_cast<double>(K * B) / seconds[gen][only]);
  std::printf(
      "name=llm_last_layer_speedup threads=%d batches=%ld batch=%ld seq=%ld generate_ratio=%.2f "
      "prefill_ratio=%.2f\n",
      threads, static_cast<long>(K), static_cast<long>(B), static_cast<long>(L),
      seconds[1][0] / seconds[1][1], seconds[0][0] / seconds[0][1]);
  return 0;
}

// Teacher candidates at the built-in reasoner's shape: K batches of B prompts (lengths over [L/2, L]), each
// prompt followed by `texts` texts of 8-24 tokens. Rows per second embedding each prompt once and continuing
// it with all its texts (llm/shared_prompt.h) against every prompt + text run as its own sequence in batches
// of B rows, the two alternating, one batch per thread.
int shared_prompt_bench(int threads, int64_t B, int64_t L, int64_t texts, int64_t K, int64_t reps) {
  const rgalign::ReasonerPretrainOptions defaults;
  const rgalign::LlmConfig c = rgalign::builtin_reasoner_config(defaults, defaults.vocab_size);
  rgalign::Decoder dec(c, 0);
  std::vector<std::vector<std::vector<int64_t>>> prompts;    // [K][B] token ids
  std::vector<std::vector<int64_t>> row_prompt;              // [K][B * texts]
  std::vector<std::vector<std::vector<int64_t>>> row_texts;  // [K][B * texts]
  std::vector<std::vector<int64_t>> joined;                  // every prompt + text
  for (int64_t k = 0; k < K; ++k) {
    prompts.push_back(bench_prompts(c, B, L, k));
    row_prompt.emplace_back();
    row_texts.emplace_back();
    for (int64_t b = 0; b < B; ++b)
      for (int64_t t = 0; t < texts; ++t) {
        const int64_t n = 8 + (b * 13 + t * 7) % 17;
        std::vector<int64_t> text(static_cast<size_t>(n));
        for (int64_t i = 0; i < n; ++i) text[static_cast<size_t>(i)] = 3 + (b * 29 + t * 11 + i * 5) % 3000;
        row_prompt.back().push_back(b);
        row_texts.back().push_back(text);
        std::vector<int64_t> whole = prompts.back()[static_cast<size_t>(b)];
        whole.insert(whole.end(), text.begin(), text.end());
        joined.push_back(std::move(whole));
      }
  }
  const size_t separate_batches = (joined.size() + static_cast<size_t>(B) - 1) / static_cast<size_t>(B);
  double seconds[2] = {1e9, 1e9};      // [shared]
  for (int64_t r = 0; r <= reps; ++r)  // round 0 warms up
    for (const bool shared : {false, true}) {
      const auto t0 = Clock::now();
      if (shared) {
        rgalign::parallel_batches(static_cast<size_t>(K), [&](size_t k) {
          rgalign::embed_after_shared_prompts(dec, prompts[k], row_prompt[k], row_texts[k]);
        });
      } else {
        rgalign::parallel_batches(separate_batches, [&](size_t i) {
          c10::InferenceMode guard;
          const size_t lo = i * static_cast<size_t>(B),
                       hi = std::min(joined.size(), lo + static_cast<size_t>(B));
          torch::Tensor ids, mask, pos;
          rgalign::pad_left(
              {joined.begin() + static_cast<int64_t>(lo), joined.begin() + static_cast<int64_t>(hi)}, ids,
              mask, pos);
          dec.forward(ids, mask, pos);
        });
      }
      if (r > 0) seconds[shared] = std::min(seconds[shared], since(t0));
    }
  const double rows = static_cast<double>(joined.size());
  std::printf(
      "name=llm_shared_prompt_cpu threads=%d prompts=%ld seq=%ld texts_per_prompt=%ld "
      "separate_rows_per_s=%.0f shared_rows_per_s=%.0f speedup=%.2f\n",
      threads, static_cast<long>(K * B), static_cast<long>(L), static_cast<long>(texts), rows / seconds[0],
      rows / seconds[1], seconds[0] / seconds[1]);
  return 0;
}

// Latent-query generation at the built-in reasoner's shape on the CPU.
int generate_bench(int threads, int64_t B, int64_t L, int64_t new_tokens, int64_t reps) {
  const rgalign::ReasonerPretrainOptions defaults;
  const rgalign::LlmConfig c = rgalign::builtin_reasoner_config(defaults, defaults.vocab_size);
  rgalign::Decoder dec(c, 0);
  const auto prompts = bench_prompts(c, B, L);
  rgalign::GenerationOptions g;
  g.max_new_tokens = static_cast<int>(new_tokens);
  torch::Tensor ids, mask, pos;
  rgalign::pad_left(prompts, ids, mask, pos);
  double fused_gen_s = 0;
  for (const bool fused : {true, false}) {
    dec.set_fused_attention(fused);
    const double gen_s = best_seconds(reps, [&] { rgalign::generate(dec, prompts, g); });
    const double prefill_s = best_seconds(reps, [&] {
      c10::InferenceMode guard;
      dec.forward(ids, mask, pos);
    });
    std::printf(
        "name=llm_generate_cpu attention=%s threads=%d batch=%ld seq=%ld new_tokens=%ld "
        "generate_prompts_per_s=%.0f prefill_prompts_per_s=%.0f decode_share=%.2f\n",
        fused ? "fused" : "modules", threads, static_cast<long>(B), static_cast<long>(L),
        static_cast<long>(new_tokens), static_cast<double>(B) / gen_s, static_cast<double>(B) / prefill_s,
        1.0 - prefill_s / gen_s);
    if (fused)
      fused_gen_s = gen_s;
    else
      std::printf("name=llm_generate_fused_speedup threads=%d batch=%ld seq=%ld generate_ratio=%.2f\n",
                  threads, static_cast<long>(B), static_cast<long>(L), gen_s / fused_gen_s);
  }
  return 0;
}

// One student training step (RG-SFT's loss, backward) at the built-in reasoner's shape: B sequences of an
// L-token prompt, an N-token latent query and the end token. Logits at the target positions only (what the
// alignment stages run) against the LM head over every position with the others masked out, in one process.
int train_bench(int threads, int64_t B, int64_t L, int64_t N, int64_t reps) {
  const rgalign::ReasonerPretrainOptions defaults;
  const rgalign::LlmConfig c = rgalign::builtin_reasoner_config(defaults, defaults.vocab_size);
  rgalign::Decoder dec(c, 0);
  std::vector<std::vector<int64_t>> prompts, texts;
  for (int64_t b = 0; b < B; ++b) {
    std::vector<int64_t> p(static_cast<size_t>(L - b % 8)), t(static_cast<size_t>(N));
    for (size_t i = 0; i < p.size(); ++i)
      p[i] = 3 + (b * 31 + static_cast<int64_t>(i) * 17) % (c.vocab_size - 3);
    for (size_t i = 0; i < t.size(); ++i)
      t[i] = 3 + (b * 7 + static_cast<int64_t>(i) * 13) % (c.vocab_size - 3);
    prompts.push_back(std::move(p));
    texts.push_back(std::move(t));
  }
  const rgalign::SeqBatch batch = rgalign::make_seq_batch(prompts, texts, /*end_token=*/2);
  const int64_t T = batch.ids.size(1);
  auto targets_only = [&] {
    rgalign::target_logprobs(dec, batch).sum().backward();
    dec.zero_grad();
  };
  auto all_positions = [&] {
    auto h = dec.forward(batch.ids, batch.mask, batch.positions);          // [B, T, H]
    auto logp = torch::log_softmax(dec.logits(h.narrow(1, 0, T - 1)), -1)  // [B, T-1, V]
                    .gather(-1, batch.ids.narrow(1, 1, T - 1).unsqueeze(-1))
                    .squeeze(-1);  // [B, T-1]
    (logp * batch.target.narrow(1, 1, T - 1).to(torch::kFloat32)).sum().backward();
    dec.zero_grad();
  };
  const double targets_s = best_seconds(reps, targets_only), all_s = best_seconds(reps, all_positions);
  for (const auto& [name, s] :
       {std::pair<const char*, double>{"targets", targets_s}, {"all_positions", all_s}})
    std::printf(
        "name=llm_student_step_cpu lm_head=%s threads=%d batch=%ld seq=%ld target_tokens=%ld ms=%.1f\n", name,
        threads, static_cast<long>(B), static_cast<long>(T), static_cast<long>(N + 1), s * 1e3);
  std::printf("name=llm_student_step_speedup threads=%d batch=%ld seq=%ld targets_over_all_positions=%.2f\n",
              threads, static_cast<long>(B), static_cast<long>(T), all_s / targets_s);
  return 0;
}

int main(int argc, char** argv) {
  rgalign::tune_allocator();
  if (sarg(argc, argv, "--device", "cpu") == "cuda") {
    if (!torch::cuda::is_available()) {
      std::printf("name=llm_embed_gpu skipped=no_cuda\n");
      return 0;
    }
    c10::InferenceMode guard;
    return gpu_bench(arg(argc, argv, "--batch", 64), arg(argc, argv, "--seq", 256),
                     arg(argc, argv, "--reps", 5));
  }
  const int threads = static_cast<int>(arg(argc, argv, "--threads", 2));
  at::set_num_threads(threads);
  if (arg(argc, argv, "--gemm", 0) != 0) {
    // What `rgalign align` records as a step's machine (common/machine_speed.h), measured `reps` times.
    for (int64_t r = 0; r < arg(argc, argv, "--reps", 5); ++r) {
      const rgalign::MachineSpeed m = rgalign::measure_machine_speed();
      std::printf("name=machine_speed cpu=\"%s\" threads=%d gemm_gflops=%.1f\n", m.cpu.c_str(), m.threads,
                  m.gemm_gflops);
    }
    return 0;
  }
  if (arg(argc, argv, "--shared-prompt", 0) != 0)
    return shared_prompt_bench(threads, arg(argc, argv, "--batch", 32), arg(argc, argv, "--seq", 210),
                               arg(argc, argv, "--texts", 7), arg(argc, argv, "--batches", 4),
                               arg(argc, argv, "--reps", 3));
  if (arg(argc, argv, "--train", 0) != 0)
    return train_bench(threads, arg(argc, argv, "--batch", 16), arg(argc, argv, "--seq", 210),
                       arg(argc, argv, "--new-tokens", 24), arg(argc, argv, "--reps", 5));
  c10::InferenceMode guard;
  if (arg(argc, argv, "--attention", 0) != 0)
    return attention_bench(threads, arg(argc, argv, "--batch", 32), arg(argc, argv, "--seq", 210),
                           arg(argc, argv, "--batches", 8), arg(argc, argv, "--reps", 5));
  if (arg(argc, argv, "--last-layer", 0) != 0)
    return last_layer_bench(threads, arg(argc, argv, "--batch", 32), arg(argc, argv, "--seq", 210),
                            arg(argc, argv, "--new-tokens", 24), arg(argc, argv, "--batches", 8),
                            arg(argc, argv, "--reps", 3));
  if (arg(argc, argv, "--generate", 0) != 0 && arg(argc, argv, "--batches", 0) > 1)
    return batches_bench(threads, arg(argc, argv, "--batch", 32), arg(argc, argv, "--seq", 210),
                         arg(argc, argv, "--new-tokens", 24), arg(argc, argv, "--batches", 8),
                         arg(argc, argv, "--reps", 3));
  if (arg(argc, argv, "--generate", 0) != 0)
    return generate_bench(threads, arg(argc, argv, "--batch", 32), arg(argc, argv, "--seq", 256),
                          arg(argc, argv, "--new-tokens", 24), arg(argc, argv, "--reps", 5));
  const int64_t B = arg(argc, argv, "--batch", 8), T = arg(argc, argv, "--seq", 256),
                reps = arg(argc, argv, "--reps", 3);

  double gemm_gflops = rgalign::measure_gemm_gflops(7);

  rgalign::LlmConfig c;
  c.model_type = "qwen3";
  c.vocab_size = 32000;
  c.hidden_size = 512;
  c.intermediate_size = 1536;
  c.num_hidden_layers = 10;
  c.num_attention_heads = 8;
  c.num_key_value_heads = 4;
  c.head_dim = 64;
  c.qk_norm = true;
  c.tie_word_embeddings = true;
  rgalign::Decoder dec(c, 0);
  int64_t params = 0;
  for (const auto& p : dec.parameters()) params += p.numel();
  auto ids = torch::randint(c.vocab_size, {B, T}, torch::kInt64);
  auto mask = torch::ones({B, T}, torch::kInt64);
  auto pos = torch::arange(T).repeat({B, 1});
  dec.forward(ids, mask, pos);  // warm-up
  double best_fwd = 1e9;
  for (int64_t r = 0; r < reps; ++r) {
    auto t0 = Clock::now();
    dec.forward(ids, mask, pos);
    best_fwd = std::min(best_fwd, since(t0));
  }
  // FLOPs per token: 2 x the projection weights it passes through (no LM head: embeddings need none) plus
  // attention, QK^T and PV against all T keys (2 x 2 x T x heads*head_dim per layer), which is what the
  // kernel computes before the causal mask.
  const int64_t H = c.hidden_size, I = c.intermediate_size, q = c.num_attention_heads * c.head_dim,
                kv = c.num_key_value_heads * c.head_dim;
  const double matmul_params =
      static_cast<double>(c.num_hidden_layers) * (H * q + 2 * H * kv + q * H + 3 * H * I);
  const double attn = static_cast<double>(c.num_hidden_layers) * 2.0 * 2.0 * static_cast<double>(T) * q;
  const double flops_per_token = 2.0 * matmul_params + attn;
  // Measured again after the model, the higher one counts.
  gemm_gflops = std::max(gemm_gflops, rgalign::measure_gemm_gflops(7));
  const double tokens_per_s = static_cast<double>(B * T) / best_fwd;
  const double achieved = tokens_per_s * flops_per_token / 1e9;
  std::printf(
      "name=llm_prefill_cpu params=%.1fM batch=%ld seq=%ld threads=%d tokens_per_s=%.0f achieved_gflops=%.1f "
      "gemm_gflops=%.1f fraction_of_gemm=%.2f\n",
      static_cast<double>(params) / 1e6, static_cast<long>(B), static_cast<long>(T), threads, tokens_per_s,
      achieved, gemm_gflops, achieved / gemm_gflops);
  return 0;
}
