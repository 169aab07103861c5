// RG-SFT, DPO and RG-CL training loops.
#include "rgalign/align/student_stages.h"

#include <chrono>
#include <cmath>
#include <filesystem>
#include <functional>

#include "rgalign/align/losses.h"
#include "rgalign/align/reward.h"
#include "rgalign/align/sequences.h"
#include "rgalign/common/atomic_file.h"
#include "rgalign/common/error.h"
#include "rgalign/common/logging.h"
#include "rgalign/common/progress.h"
#include "rgalign/dist/grad_sync.h"
#include "rgalign/dist/process_group.h"
#include "rgalign/rank/run_dir.h"
#include "rgalign/reason/reasoner.h"

namespace rgalign {

namespace fs = std::filesystem;

namespace {

struct Loop {
  int epochs = 1, batch = 16;
  double lr = 1e-3, warmup = 0.05, clip = 1.0;
  uint64_t seed = 0;
  std::string label, out;
  // An item's weight in its batch's loss denominator (its target tokens for a per-token mean); unset: 1.
  std::function<double(int64_t)> weight;
};

// AdamW with warm-up then cosine decay over `params`; `step(idx)` returns the loss of the items `idx` and may
// fill extra metrics. Items run in a seeded random order each epoch.
//
// Launched as several ranks (rgalign launch), the loop is data-parallel: every rank draws the same global
// batches, computes the loss of the items it owns (item i belongs to rank i % world) scaled by their share of
// the batch's weight, and the gradients are summed across ranks (GradientSync) before the update, so the
// step is that of the whole batch. Rank 0 writes the metrics; logged losses are global, extra metrics rank
// 0's share.
StageTrainResult train_loop(const std::vector<torch::Tensor>& params, int64_t n, const Loop& o,
                            const std::function<torch::Tensor(const std::vector<int64_t>&, Json&)>& step) {
  StageTrainResult r;
  r.items = n;
  if (n == 0) {
    spdlog::warn("{}: no training items; the student is unchanged", o.label);
    return r;
  }
  torch::manual_seed(o.seed);
  DistGroup& dist = DistGroup::world();
  broadcast_tensors(dist, params);  // identical starting weights (LoRA and projection inits included)
  GradientSync sync(dist, params);
  auto weight_of = [&](const std::vector<int64_t>& items) {
    double w = 0;
    for (int64_t i : items) w += o.weight ? o.weight(i) : 1.0;
    return w;
  };
  torch::optim::AdamW opt(params, torch::optim::AdamWOptions(o.lr).weight_decay(0.0));
  const int64_t per_epoch = (n + o.batch - 1) / o.batch;
  const int64_t total = per_epoch * o.epochs;
  const auto warm = std::max<int64_t>(1, static_cast<int64_t>(o.warmup * static_cast<double>(total)));
  Progress progress(o.label, static_cast<uint64_t>(total), "steps");
  const auto t0 = std::chrono::steady_clock::now();
  const int64_t log_every = std::max<int64_t>(1, total / 20);
  double window = 0;
  int64_t window_n = 0;
  Json extra_sum = Json::object();
  for (int epoch = 0; epoch < o.epochs; ++epoch) {
    auto perm = torch::randperm(n, torch::kInt64);
    const int64_t* pp = perm.data_ptr<int64_t>();
    for (int64_t s = 0; s < n; s += o.batch, ++r.steps) {
      std::vector<int64_t> idx(pp + s, pp + std::min(n, s + o.batch));
      double share = 1.0;
      if (dist.distributed()) {
        std::vector<int64_t> mine;
        for (int64_t i : idx)
          if (dist.owns_item(i)) mine.push_back(i);
        share = weight_of(mine) / std::max(1e-12, weight_of(idx));
        idx.swap(mine);
      }
      const double p =
          static_cast<double>(r.steps - warm) / static_cast<double>(std::max<int64_t>(1, total - warm));
      const double lr = r.steps < warm ? o.lr * static_cast<double>(r.steps + 1) / static_cast<double>(warm)
                                       : o.lr * 0.5 * (1 + std::cos(M_PI * std::min(1.0, p)));
      for (auto& g : opt.param_groups()) static_cast<torch::optim::AdamWOptions&>(g.options()).lr(lr);
      opt.zero_grad();
      Json extra = Json::object();
      double l = 0;
      sync.begin_step();
      if (!idx.empty()) {
        auto loss = step(idx, extra) * share;
        loss.backward();
        l = loss.item<double>();
      }
      sync.finish_step();
      if (o.clip > 0) torch::nn::utils::clip_grad_norm_(params, o.clip);
      opt.step();
      window += l;
      ++window_n;
      for (auto& [k, v] : extra.items()) extra_sum[k] = extra_sum.value(k, 0.0) + v.get<double>();
      char sfx[48];
      std::snprintf(sfx, sizeof sfx, "loss %.4f", window / static_cast<double>(window_n));
      progress.set_suffix(sfx);
      progress.advance();
      if ((r.steps + 1) % log_every == 0 || r.steps + 1 == total) {
        if (dist.distributed()) {  // each rank's window holds its share of every step's loss
          auto w = torch::tensor({window}, torch::kFloat64);
          dist.allreduce_sum(w);
          window = w.item<double>();
        }
        const double mean = window / static_cast<double>(window_n);
        if (r.first_loss == 0) r.first_loss = mean;
        r.final_loss = mean;
        Json line = {{"step", r.steps + 1}, {"epoch", epoch + 1}, {"loss", mean}, {"lr", lr}};
        for (auto& [k, v] : extra_sum.items()) line[k] = v.get<double>() / static_cast<double>(window_n);
        if (dist.distributed()) line["world_size"] = dist.world_size();
        if (dist.is_root()) append_metrics_line(o.out, line);
        window = 0;
        window_n = 0;
        extra_sum = Json::object();
      }
    }
  }
  progress.finish();
  r.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  return r;
}

std::vector<torch::Tensor> student_parameters(Reasoner& s, const ReasonerSection& rc, uint64_t seed) {
  if (rc.lora) {
    LoraConfig lc;
    lc.rank = rc.lora_rank;
    lc.alpha = rc.lora_alpha;
    s.model().enable_lora(lc, seed);
    return s.model().lora_parameters();
  }
  return s.model().parameters();
}

void finish_student(Reasoner& s, const ReasonerSection& rc) {
  if (rc.lora) s.model().merge_lora();
  s.model().eval();
}

template <class Pick>
SeqBatch batch_of(const StudentData& d, const std::vector<int64_t>& idx, Pick pick, int64_t end_token) {
  std::vector<std::vector<int64_t>> prompts, texts;
  for (int64_t i : idx) {
    prompts.push_back(d.prompts[static_cast<size_t>(i)]);
    texts.push_back(pick(static_cast<size_t>(i)));
  }
  return make_seq_batch(prompts, texts, end_token);
}

int64_t end_token_of(Reasoner& s) {
  return s.stop_tokens().empty() ? -1 : s.stop_tokens().front();
}

// Mean negative log-likelihood per target token.
torch::Tensor sft_loss(Decoder& m, const SeqBatch& b, double alpha, torch::Tensor* emb = nullptr,
                       Pooling pooling = Pooling::kLast) {
  auto lp = target_logprobs(m, b, alpha, emb, pooling);  // [B]
  const auto tokens = b.target.sum().item<double>();
  return -lp.sum() / std::max(1.0, tokens);
}

}  // namespace

StageTrainResult run_rg_sft(Reasoner& student, const StudentData& d, const SftSection& c,
                            const ReasonerSection& rc, uint64_t seed, const std::string& out) {
  auto params = student_parameters(student, rc, seed);
  student.model().train();
  const int64_t eos = end_token_of(student);
  Loop o{c.epochs, c.batch, c.lr, 0.05, 1.0, seed, "rg-sft", out, nullptr};
  // sft_loss is a per-target-token mean: an item weighs its target tokens (the text, and the end token).
  o.weight = [&](int64_t i) {
    return static_cast<double>(d.best[static_cast<size_t>(i)].size()) + (eos >= 0 ? 1.0 : 0.0);
  };
  auto r = train_loop(params, static_cast<int64_t>(d.size()), o, [&](const std::vector<int64_t>& idx, Json&) {
    return sft_loss(student.model(),
                    batch_of(
                        d, idx, [&](size_t i) { return d.best[i]; }, eos),
                    c.neftune_alpha);
  });
  finish_student(student, rc);
  return r;
}

StageTrainResult run_rg_dpo(Reasoner& student, const StudentData& d, const DpoSection& c,
                            const ReasonerSection& rc, uint64_t seed, const std::string& out) {
  std::vector<int64_t> pairs;
  for (size_t i = 0; i < d.size(); ++i)
    if (d.pair[i]) pairs.push_back(static_cast<int64_t>(i));
  spdlog::info("dpo: {} preference pairs of {} requests pass the reward margin {}", pairs.size(), d.size(),
               c.margin);
  const int64_t eos = end_token_of(student);
  // The reference is the model as it enters DPO (RG-SFT's output), frozen: its log-probabilities are computed
  // once, before any update.
  const auto P = static_cast<int64_t>(pairs.size());
  auto ref_w = torch::zeros({P}, torch::kFloat32), ref_l = torch::zeros({P}, torch::kFloat32);
  {
    student.model().eval();
    c10::InferenceMode guard;
    for (int64_t s = 0; s < P; s += 32) {
      std::vector<int64_t> idx;
      for (int64_t k = s; k < std::min(P, s + 32); ++k) idx.push_back(pairs[static_cast<size_t>(k)]);
      auto w = target_logprobs(student.model(), batch_of(
                                                    d, idx, [&](size_t i) { return d.best[i]; }, eos));
      auto l = target_logprobs(student.model(), batch_of(
                                                    d, idx, [&](size_t i) { return d.worst[i]; }, eos));
      ref_w.narrow(0, s, w.size(0)).copy_(w.cpu());
      ref_l.narrow(0, s, l.size(0)).copy_(l.cpu());
    }
  }
  auto params = student_parameters(student, rc, seed);
  student.model().train();
  Loop o{c.epochs, c.batch, c.lr, 0.1, 1.0, seed, "dpo", out};
  auto r = train_loop(params, P, o, [&](const std::vector<int64_t>& k, Json& extra) {
    std::vector<int64_t> idx;
    for (int64_t j : k) idx.push_back(pairs[static_cast<size_t>(j)]);
    auto sel = torch::tensor(k, torch::kInt64);
    auto w = target_logprobs(student.model(), batch_of(
                                                  d, idx, [&](size_t i) { return d.best[i]; }, eos));
    auto l = target_logprobs(student.model(), batch_of(
                                                  d, idx, [&](size_t i) { return d.worst[i]; }, eos));
    auto rw = ref_w.index_select(0, sel).to(w.device()), rl = ref_l.index_select(0, sel).to(w.device());
    const auto margin = ((w - rw) - (l - rl)).detach();
    extra["reward_accuracy"] = (margin > 0).to(torch::kFloat64).mean().item<double>();
    extra["implicit_margin"] = margin.to(torch::kFloat64).mean().item<double>() * c.beta;
    return dpo_loss(w, l, rw, rl, c.beta);
  });
  finish_student(student, rc);
  return r;
}

StageTrainResult run_rg_cl(Reasoner& student, RewardModel& rm, const StudentData& d, const RgclSection& c,
                           const ReasonerSection& rc, uint64_t seed, const std::string& out) {
  const int64_t eos = end_token_of(student);
  const auto N = static_cast<int64_t>(d.size());
  const int64_t H = student.hidden_size();
  auto intents = rm.intent_embeddings();  // [I, T]
  const int64_t T = intents.size(1);
  // The student's latent-query embedding as the RM reads it (its pooling).
  const Pooling pooling = parse_pooling(rm.config().pooling);
  // The embeddings before RG-CL, for the drift penalty: [N, H].
  auto before = torch::zeros({N, H}, torch::kFloat32);
  {
    student.model().eval();
    c10::InferenceMode guard;
    for (int64_t s = 0; s < N; s += 32) {
      std::vector<int64_t> idx;
      for (int64_t k = s; k < std::min(N, s + 32); ++k) idx.push_back(k);
      torch::Tensor emb;
      target_logprobs(student.model(),
                      batch_of(
                          d, idx, [&](size_t i) { return d.best[i]; }, eos),
                      0, &emb, pooling);
      before.narrow(0, s, emb.size(0)).copy_(emb.cpu().to(torch::kFloat32));
    }
  }
  const double scale = before.pow(2).mean().item<double>() + 1e-12;
  torch::manual_seed(seed);
  torch::nn::Linear projection(H, T);
  auto params = student_parameters(student, rc, seed);
  for (auto& p : projection->parameters()) params.push_back(p);
  const bool reward_term = c.reward_weight > 0;
  const EncodedRequests encoded = reward_term ? rm.encode(d.requests) : EncodedRequests{};
  student.model().train();
  Loop o{c.epochs, c.batch, c.lr, 0.05, 1.0, seed, "rg-cl", out};
  auto r = train_loop(params, N, o, [&](const std::vector<int64_t>& idx, Json& extra) {
    torch::Tensor emb;  // [B, H]
    auto batch = batch_of(
        d, idx, [&](size_t i) { return d.best[i]; }, eos);
    auto lm = sft_loss(student.model(), batch, 0, &emb, pooling);
    auto anchors = projection->forward(emb.to(torch::kFloat32));  // [B, T]
    // Keys per row: the clicked intent, then the request's other candidates, then the other rows' clicked
    // intents (a key equal to the row's clicked intent is masked: it is no negative).
    const auto B = static_cast<int64_t>(idx.size());
    std::vector<std::vector<int64_t>> keys(idx.size());
    int64_t K = 0;
    for (size_t r = 0; r < idx.size(); ++r) {
      const int32_t pos = d.clicked[static_cast<size_t>(idx[r])];
      keys[r].push_back(pos);
      for (int32_t cnd : d.requests[static_cast<size_t>(idx[r])].candidates)
        if (cnd != pos) keys[r].push_back(cnd);
      for (size_t o2 = 0; o2 < idx.size(); ++o2)
        if (o2 != r && d.clicked[static_cast<size_t>(idx[o2])] != pos)
          keys[r].push_back(d.clicked[static_cast<size_t>(idx[o2])]);
      K = std::max<int64_t>(K, static_cast<int64_t>(keys[r].size()));
    }
    std::vector<int64_t> flat_ids(static_cast<size_t>(B * K), 0);
    std::vector<uint8_t> flat_mask(static_cast<size_t>(B * K), 0);
    for (int64_t r = 0; r < B; ++r)
      for (size_t k = 0; k < keys[static_cast<size_t>(r)].size(); ++k) {
        flat_ids[static_cast<size_t>(r * K) + k] = keys[static_cast<size_t>(r)][k];
        flat_mask[static_cast<size_t>(r * K) + k] = 1;
      }
    auto key_ids = torch::tensor(flat_ids, torch::kInt64).view({B, K});
    auto key_mask = torch::tensor(flat_mask, torch::kUInt8).view({B, K}).to(torch::kBool);
    auto key_emb = intents.index_select(0, key_ids.view({-1})).view({B, K, T}).to(anchors.device());
    auto nce = info_nce(anchors, key_emb, key_mask.to(anchors.device()), c.temperature);
    auto ref = before.index_select(0, torch::tensor(idx, torch::kInt64)).to(emb.device());
    auto drift = (emb.to(torch::kFloat32) - ref).pow(2).mean() / scale;
    extra["info_nce"] = nce.item<double>();
    extra["drift"] = drift.item<double>();
    extra["lm"] = lm.item<double>();
    auto loss = nce + c.drift_weight * drift + c.lm_weight * lm;
    if (!reward_term) return loss;
    // The RM's ranking of the request with the student's embedding in its query tower.
    auto ranking = rm.ranking_loss(encoded, idx, emb).to(loss.device());
    extra["rm_ranking"] = ranking.item<double>();
    return loss + c.reward_weight * ranking;
  });
  finish_student(student, rc);
  return r;
}

void save_student(Reasoner& student, const std::string& tokenizer_dir, const std::string& out) {
  make_dirs(out);
  student.model().save(out);
  for (const char* f : {"tokenizer.json", "tokenizer.model", "tokenizer_config.json",
                        "special_tokens_map.json", "generation_config.json"}) {
    const fs::path src = fs::path(tokenizer_dir) / f;
    if (fs::exists(src)) fs::copy_file(src, fs::path(out) / f, fs::copy_options::overwrite_existing);
  }
}

}  // namespace rgalign
