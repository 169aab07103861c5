// Neural ranker training.
#include "rgalign/rank/neural_train.h"

#include <chrono>
#include <cmath>
#include <filesystem>

#include "rgalign/common/error.h"
#include "rgalign/common/hash.h"
#include "rgalign/common/logging.h"
#include "rgalign/common/progress.h"
#include "rgalign/data/jsonl.h"
#include "rgalign/data/prompt.h"
#include "rgalign/dist/gather.h"
#include "rgalign/dist/grad_sync.h"
#include "rgalign/dist/process_group.h"
#include "rgalign/dist/sharded_latents.h"
#include "rgalign/eval/metrics.h"
#include "rgalign/llm/safetensors_torch.h"
#include "rgalign/rank/candidate_sampling.h"
#include "rgalign/rank/encoded_data.h"
#include "rgalign/rank/feature_encoder.h"
#include "rgalign/rank/losses.h"
#include "rgalign/rank/neural_scorer.h"
#include "rgalign/rank/qe_rec_ranker.h"
#include "rgalign/rank/ranker.h"
#include "rgalign/rank/run_dir.h"
#include "rgalign/rank/scorer.h"
#include "rgalign/rank/text_bow.h"
#include "rgalign/rank/text_bow_ranker.h"
#include "rgalign/reason/latent_inputs.h"

namespace rgalign {

namespace fs = std::filesystem;

namespace {

void validate_options(const TrainOptions& o) {
  if (o.batch_size < 1) throw InputError("--batch-size", "must be at least 1");
  if (!(o.lr > 0)) throw InputError("--lr", "must be positive");
  if (o.weight_decay < 0) throw InputError("--weight-decay", "must be >= 0");
  if (!(o.warmup >= 0 && o.warmup < 1)) throw InputError("--warmup", "must be in [0, 1)");
  if (o.schedule != "cosine" && o.schedule != "linear")
    throw InputError("--schedule", "must be cosine or linear");
  if (o.clip < 0) throw InputError("--clip", "must be >= 0");
  if (o.patience < 1) throw InputError("--patience", "must be at least 1");
  if (o.loss != "listnet" && o.loss != "bce") throw InputError("--loss", "must be listnet or bce");
  if (o.kl_weight < 0) throw InputError("--kl-weight", "must be >= 0");
  if (o.train_candidates < 0) throw InputError("--train-candidates", "must be >= 0");
  if (o.train_candidates > 0 && o.loss != "listnet")
    throw InputError("--train-candidates", "sampled candidates need --loss listnet");
  if (o.kl_weight > 0 && o.reference.empty()) throw InputError("--kl-weight", "needs --reference RUN");
  if (o.score != "mlp" && o.score != "dot") throw InputError("--score", "must be mlp or dot");
  if (o.epochs < 0) throw InputError("--epochs", "must be >= 0");
  for (int x : {o.embed_dim, o.tower_dim, o.hidden_dim, o.attn_heads, o.experts})
    if (x < 1) throw InputError("model size flags", "must be positive");
  if (o.model == "qe-rec" && o.reasoner.empty())
    throw InputError("--reasoner", "qe-rec needs a reasoner checkpoint directory",
                     "pretrain the built-in one with `rgalign reasoner pretrain --data DIR --out DIR`");
  if (o.latent_tokens < 0) throw InputError("--latent-tokens", "must be >= 0");
  if (!(o.intent_id_dropout >= 0 && o.intent_id_dropout < 1))
    throw InputError("--intent-id-dropout", "must be in [0, 1)");
  parse_pooling(o.pooling);
  if (o.keep_intent_text && (o.init.empty() || o.model != "qe-rec" || o.no_intent_text))
    throw InputError("--keep-intent-text", "needs --init and a qe-rec model with its intent text");
  if (o.tie_text_projection && (o.model != "qe-rec" || o.no_query_tower || o.no_intent_text))
    throw InputError("--tie-text-projection", "needs a qe-rec model with its query tower and intent text");
  if (o.query_match && (o.model != "qe-rec" || o.no_query_tower))
    throw InputError("--query-match", "needs a qe-rec model with its query tower");
  if (o.model != "qe-rec" && (o.no_query_tower || o.no_intent_text || o.pooling != "last" ||
                              o.latent_tokens != 0 || !o.cache.empty()))
    spdlog::warn(
        "--pooling, --no-query-tower, --no-intent-text, --latent-tokens and --cache apply to qe-rec "
        "only; ignored for {}",
        o.model);
}

double lr_at(const TrainOptions& o, int64_t step, int64_t total) {
  const auto warm = std::max<int64_t>(1, static_cast<int64_t>(o.warmup * static_cast<double>(total)));
  if (step < warm) return o.lr * static_cast<double>(step + 1) / static_cast<double>(warm);
  const double p = total > warm ? static_cast<double>(step - warm) / static_cast<double>(total - warm) : 1.0;
  if (o.schedule == "linear") return o.lr * (1.0 - p);
  return o.lr * 0.5 * (1.0 + std::cos(M_PI * p));
}

// Reference logits for every training request, padded like the encoded candidates.
torch::Tensor reference_logits(const Scorer& ref, const std::vector<Request>& rs, int64_t c_max) {
  auto out = torch::full({static_cast<int64_t>(rs.size()), c_max}, -1e9, torch::kFloat32);
  std::vector<std::vector<float>> scores;
  ref.score_batch(rs, scores);
  auto* p = out.data_ptr<float>();
  for (size_t i = 0; i < rs.size(); ++i)
    for (size_t k = 0; k < scores[i].size(); ++k)
      p[static_cast<int64_t>(i) * c_max + static_cast<int64_t>(k)] = scores[i][k];
  return out;
}

// A {request_id, text} JSONL file of latent-query texts, by request id.
std::unordered_map<std::string, std::string> read_latent_texts(const std::string& path) {
  std::unordered_map<std::string, std::string> by_id;
  for_each_jsonl_line(path, "latent-query texts", BadInputPolicy::kStrict, nullptr,
                      [&](const std::string& line, const std::string& where) {
                        Json j = parse_json(line, where);
                        by_id[require_string(j, "request_id", where)] = require_string(j, "text", where);
                      });
  return by_id;
}

// The texts of `requests` (one split) from `by_id`. Every training request needs one; a validation split is
// given texts for all of its requests or for none (then empty: the reasoner's own latent queries), never for
// part of it, so that its GAUC is of one kind of latent query.
std::vector<std::string> split_latent_texts(const std::unordered_map<std::string, std::string>& by_id,
                                            const std::vector<Request>& requests, const std::string& split,
                                            bool required, const std::string& path) {
  std::vector<std::string> texts;
  const Request* missing = nullptr;
  for (const auto& r : requests) {
    auto it = by_id.find(r.request_id);
    if (it == by_id.end()) {
      if (!missing) missing = &r;
      continue;
    }
    texts.push_back(it->second);
  }
  if (!missing) return texts;
  if (!required && texts.empty()) return {};
  throw InputError(path, "no latent-query text for " + split + " request " + missing->request_id +
                             (required ? "" : " (give texts for every validation request or for none)"));
}

// QE-Rec's reasoner inputs: the latent queries of the training and validation requests (through the cache) go
// into the encodings, the reasoner's identity into the config; returns the intent-text embeddings [I, E]
// (undefined with --no-intent-text).
torch::Tensor attach_latent_inputs(DistGroup& dist, const TrainOptions& opt, const Dataset& data,
                                   const std::vector<Request>& train, const std::vector<Request>& valid,
                                   EncodedRequests& train_t, EncodedRequests& valid_t, RankerConfig& cfg) {
  auto reasoner = Reasoner::load(opt.reasoner);
  cfg.reasoner = fs::absolute(opt.reasoner).string();
  cfg.reasoner_hash = reasoner->checkpoint_hash();
  cfg.pooling = opt.pooling;
  cfg.latent_tokens = opt.latent_tokens;
  cfg.intent_id_dropout = opt.intent_id_dropout;
  cfg.tie_text_projection = opt.tie_text_projection;
  cfg.query_match = opt.query_match;
  cfg.latent_cache =
      fs::absolute(opt.cache.empty() ? default_latent_cache(opt.reasoner) : opt.cache).string();
  LatentCache cache(cfg.latent_cache, reasoner->hidden_size());
  prepare_shared_cache(dist, cache);  // each rank embeds its own shard's requests
  const Pooling pooling = parse_pooling(opt.pooling);
  if (!opt.no_query_tower) {
    cfg.query_dim = reasoner->hidden_size();
    std::unordered_map<std::string, std::string> given;
    if (!opt.latent_texts.empty()) given = read_latent_texts(opt.latent_texts);
    // Prompt + the given text of every request of a split, or the reasoner's own latent queries.
    auto latents = [&](const std::vector<Request>& rs, const std::string& split, bool required) {
      std::vector<std::string> texts;
      if (!opt.latent_texts.empty()) texts = split_latent_texts(given, rs, split, required, opt.latent_texts);
      if (texts.empty())  // no file, or a validation split it has no texts for
        return request_latents(*reasoner, &cache, rs, data.schema(), pooling, opt.latent_tokens,
                               "latent queries (" + split + ")");
      std::vector<std::string> prompts;
      for (const auto& r : rs) prompts.push_back(render_prompt(r, data.schema()));
      return continued_latents(*reasoner, &cache, prompts, texts, pooling,
                               "latent queries (" + split + ", given texts)");
    };
    train_t.all.query = latents(train, "train", /*required=*/true);
    valid_t.all.query = latents(valid, "valid", /*required=*/false);
  }
  torch::Tensor intents;
  if (!opt.no_intent_text) {
    cfg.intent_text_dim = reasoner->hidden_size();
    if (!opt.keep_intent_text)
      intents = sharded_intent_latents(dist, *reasoner, &cache, data.catalog(), pooling);
  }
  merge_cache_to_root(dist, cache);
  return intents;
}

// Each row's weight in the denominator of the loss: the loss of a batch is sum over rows / sum of weights, so
// a rank holding part of a global batch scales its loss by (its weights / the batch's weights) and the summed
// gradients equal the single-process gradient of the whole batch. listnet averages over rows with a click,
// bce over candidate cells; the KL term over all rows (weight 1).
std::vector<int64_t> loss_row_weights(const std::string& loss, const EncodedRequests& t) {
  auto y = (t.all.labels * t.all.cand_mask.to(t.all.labels.scalar_type()));  // [N, C]
  auto w = loss == "bce" ? t.all.cand_mask.to(torch::kInt64).sum(/*dim=*/1)
                         : (y.sum(/*dim=*/1) > 0).to(torch::kInt64);  // [N]
  w = w.contiguous();
  return std::vector<int64_t>(w.data_ptr<int64_t>(), w.data_ptr<int64_t>() + w.numel());
}

// The impression groups of `valid`, scored by `model`, in its row order.
GroupedScores validation_groups(Ranker& model, const EncodedRequests& valid, int64_t batch_size) {
  torch::NoGradGuard no_grad;
  model.eval();
  GroupedScores groups;
  const int64_t n = valid.size();
  std::vector<float> s, y;
  for (int64_t start = 0; start < n; start += batch_size) {
    auto idx = torch::arange(start, std::min(n, start + batch_size), torch::kInt64);
    RankBatch b = valid.take(idx);
    auto logits = model.forward(b).contiguous();  // [b, C]
    auto mask = b.cand_mask.contiguous();
    auto labels = b.labels.contiguous();
    const int64_t C = logits.size(1);
    const float* lp = logits.data_ptr<float>();
    const float* yp = labels.data_ptr<float>();
    const bool* mp = mask.data_ptr<bool>();
    for (int64_t i = 0; i < logits.size(0); ++i) {
      s.clear();
      y.clear();
      for (int64_t k = i * C; k < (i + 1) * C; ++k)
        if (mp[k]) {
          s.push_back(lp[k]);
          y.push_back(yp[k]);
        }
      groups.add_group(s, y);
    }
  }
  model.train();
  return groups;
}

// Validation GAUC (impression-weighted); recall3 receives Recall@3 when non-null.
double gauc_of(const GroupedScores& groups, double* recall3) {
  MetricsOptions mo;
  mo.bootstrap_resamples = 0;
  mo.segments = false;
  MetricSet m = compute_metrics(groups, mo);
  if (recall3) *recall3 = m.recall_at[1];
  return m.gauc;
}

std::vector<int64_t> lines_of(const std::vector<Request>& rs) {
  std::vector<int64_t> lines;
  lines.reserve(rs.size());
  for (const auto& r : rs) lines.push_back(r.line);
  return lines;
}

}  // namespace

NeuralTrainResult train_neural(const TrainOptions& opt, const Dataset& data) {
  validate_options(opt);
  at::set_num_threads(opt.threads);
  torch::manual_seed(opt.seed);
  // Launched as several ranks: each reads its shard of the request files, the gradients of every step are
  // summed across ranks, and rank 0 writes the run directory. A single process is a world of one.
  DistGroup& dist = DistGroup::world();
  const Shard shard{dist.rank(), dist.world_size()};
  const BadInputPolicy policy = opt.skip_bad ? BadInputPolicy::kSkipBad : BadInputPolicy::kStrict;
  BadInputLog bad_train, bad_valid;
  std::vector<Request> train =
      read_requests(data.split_path("train"), data.schema(), data.catalog(), policy, &bad_train, shard);
  bad_train.report(data.split_path("train"));
  if (!data.has_split("valid"))
    throw InputError(data.split_path("valid"), "missing validation split (early stopping needs it)");
  std::vector<Request> valid =
      read_requests(data.split_path("valid"), data.schema(), data.catalog(), policy, &bad_valid, shard);
  bad_valid.report(data.split_path("valid"));
  // Where each local request stands in its whole file: batches are drawn over the global order, so every
  // world size trains on the same batches.
  const GlobalIndex train_index = global_index(dist, lines_of(train));
  const std::vector<int64_t> valid_lines = lines_of(valid);
  int64_t n_valid = 0;
  for (int64_t n : allgather_i64(dist, {static_cast<int64_t>(valid.size())})) n_valid += n;
  if (train_index.n == 0 || n_valid == 0)
    throw InputError(opt.data, "training and validation splits must not be empty");

  EncoderOptions eo;
  eo.min_count = opt.min_count;
  const std::string init_encoder = (fs::path(opt.init) / "encoder.json").string();
  FeatureEncoder enc;
  if (opt.init.empty()) {
    // Vocabularies and quantiles from the statistics of every shard, merged: the same encoder as one process.
    const std::vector<std::string> parts =
        dist.allgather_bytes(EncoderStats::collect(data.schema(), train).to_bytes());
    EncoderStats stats = EncoderStats::from_bytes(parts[0]);
    for (size_t r = 1; r < parts.size(); ++r) stats.merge(EncoderStats::from_bytes(parts[r]));
    enc = FeatureEncoder::fit(data.schema(), stats, eo);
  } else {
    enc = FeatureEncoder::from_json(read_json_file(init_encoder), data.schema(), init_encoder);
  }
  if (dist.is_root()) write_json_file((fs::path(opt.out) / "encoder.json").string(), enc.to_json());
  EncodedRequests train_t = encode_requests(enc, train), valid_t = encode_requests(enc, valid);
  const TextBowOptions bow;
  torch::Tensor intent_ids, intent_mask;
  if (opt.model == "text-bow") {
    add_request_bow(train_t, train, data.schema(), bow);
    add_request_bow(valid_t, valid, data.schema(), bow);
    std::vector<std::vector<int64_t>> rows;
    for (const auto& in : data.catalog().intents()) rows.push_back(text_bow_ids(intent_text(in), bow));
    std::vector<int64_t> ids;
    std::vector<float> mask;
    const int64_t L = pad_bow(rows, ids, mask);
    const auto I = static_cast<int64_t>(rows.size());
    intent_ids = torch::tensor(ids, torch::kInt64).view({I, L});
    intent_mask = torch::tensor(mask, torch::kFloat32).view({I, L});
  }

  RankerConfig cfg;
  torch::Tensor intent_latent;  // [I, E] (qe-rec with intent text)
  if (opt.model == "qe-rec")
    intent_latent = attach_latent_inputs(dist, opt, data, train, valid, train_t, valid_t, cfg);
  cfg.model = opt.model;
  cfg.single_cardinalities = enc.single_cardinalities();
  cfg.multi_cardinalities = enc.multi_cardinalities();
  cfg.n_intents = static_cast<int64_t>(data.catalog().size());
  cfg.embed_dim = opt.embed_dim;
  cfg.tower_dim = opt.tower_dim;
  cfg.hidden_dim = opt.hidden_dim;
  cfg.attn_layers = opt.attn_layers;
  cfg.attn_heads = opt.attn_heads;
  cfg.experts = opt.experts;
  cfg.score = opt.score;
  if (opt.model == "text-bow") {
    cfg.text_buckets = bow.buckets;
    cfg.intent_text_len = intent_ids.size(1);
  }
  if (dist.is_root()) write_json_file((fs::path(opt.out) / "model_config.json").string(), cfg.to_json());
  std::shared_ptr<Ranker> model = make_ranker(cfg);
  if (auto* tb = dynamic_cast<TextBowRanker*>(model.get())) tb->set_intent_text(intent_ids, intent_mask);
  if (!opt.init.empty()) {
    // Every weight from the run fine-tuned; the intent texts are this reasoner's, set again below, unless
    // --keep-intent-text keeps the run's.
    load_module(*model, (fs::path(opt.init) / "model.safetensors").string());
    spdlog::info("fine-tuning from {}", opt.init);
  }
  if (auto* qe = dynamic_cast<QeRecRanker*>(model.get()); qe && intent_latent.defined())
    qe->set_intent_text(intent_latent);
  broadcast_module(dist, *model);  // identical initial weights on every rank
  model->train();

  torch::Tensor ref_logits;
  if (opt.kl_weight > 0) {
    auto ref = load_scorer(opt.reference, data);
    ref_logits = reference_logits(*ref, train, train_t.all.cand.size(1));
  }
  train.clear();
  train.shrink_to_fit();
  valid.clear();
  valid.shrink_to_fit();

  torch::optim::AdamW optimizer(model->parameters(),
                                torch::optim::AdamWOptions(opt.lr).weight_decay(opt.weight_decay));
  GradientSync sync(dist, model->parameters());
  // Every global row's loss weight (see loss_row_weights), known to every rank.
  std::vector<int64_t> row_weight;
  if (dist.distributed())
    row_weight = to_global_order(dist, train_index, loss_row_weights(opt.loss, train_t));
  const int epochs = opt.epochs > 0 ? opt.epochs : 8;
  const int64_t n = train_index.n;  // global rows; a batch is opt.batch_size of them over all ranks
  const int64_t steps_per_epoch = (n + opt.batch_size - 1) / opt.batch_size;
  const int64_t total_steps = steps_per_epoch * epochs;
  int64_t step = 0;
  NeuralTrainResult result;
  result.best_valid_gauc = -1;
  int since_best = 0;
  double samples = 0, seconds = 0;
  const std::string ckpt = (fs::path(opt.out) / "model.safetensors").string();
  std::vector<int64_t> local_rows, global_rows;
  const uint64_t candidate_seed = mix64(opt.seed, 0x63616e6469646174ULL);  // "candidat"
  for (int epoch = 1; epoch <= epochs; ++epoch) {
    auto t0 = std::chrono::steady_clock::now();
    auto perm = torch::randperm(n, torch::kInt64);
    dist.broadcast(perm);  // the same batches on every rank whatever each rank's random state
    const int64_t* pp = perm.data_ptr<int64_t>();
    Progress progress("epoch " + std::to_string(epoch) + "/" + std::to_string(epochs),
                      static_cast<uint64_t>(n), "samples");
    double loss_sum = 0;  // this rank's share of each step's global-batch loss
    int64_t loss_n = 0;
    for (int64_t start = 0; start < n; start += opt.batch_size, ++step) {
      const int64_t bs = std::min<int64_t>(opt.batch_size, n - start);
      // This rank's rows of the global batch, and its share of the loss denominators.
      double main_share = 1.0, kl_share = 1.0;
      torch::Tensor idx;
      global_rows.clear();  // the global row of each of idx's rows: the key of its candidate sample
      if (!dist.distributed()) {
        idx = perm.narrow(0, start, bs);
        global_rows.assign(pp + start, pp + start + bs);
      } else {
        local_rows.clear();
        int64_t w_local = 0, w_global = 0;
        for (int64_t k = start; k < start + bs; ++k) {
          const auto g = static_cast<size_t>(pp[k]);
          w_global += row_weight[g];
          if (const int64_t l = train_index.local_of_global[g]; l >= 0) {
            local_rows.push_back(l);
            global_rows.push_back(pp[k]);
            w_local += row_weight[g];
          }
        }
        idx = torch::tensor(local_rows, torch::kInt64);
        main_share = static_cast<double>(w_local) / static_cast<double>(std::max<int64_t>(1, w_global));
        kl_share = static_cast<double>(local_rows.size()) / static_cast<double>(bs);
      }
      for (auto& group : optimizer.param_groups())
        static_cast<torch::optim::AdamWOptions&>(group.options()).lr(lr_at(opt, step, total_steps));
      optimizer.zero_grad();
      sync.begin_step();
      model->begin_step(mix64(opt.seed, static_cast<uint64_t>(step)));
      if (idx.size(0) > 0) {
        RankBatch b = train_t.take(idx);
        CandidateColumns columns;
        if (opt.train_candidates > 0) {
          columns = sample_candidate_columns(b, opt.train_candidates, global_rows,
                                             mix64(candidate_seed, static_cast<uint64_t>(step)));
          b = select_candidate_columns(b, columns);
        }
        auto logits = model->forward(b);  // [b, C] (C = train_candidates when sampled)
        auto loss = (opt.loss == "bce" ? bce_loss(logits, b.labels, b.cand_mask)
                                       : listnet_loss(logits, b.labels, b.cand_mask)) *
                    main_share;
        if (opt.kl_weight > 0) {
          auto ref = ref_logits.index_select(0, idx);  // [b, C of the split]
          ref = columns.cols.defined() ? ref.gather(1, columns.cols) : ref.narrow(1, 0, logits.size(1));
          loss = loss + opt.kl_weight * kl_share * kl_to_reference(logits, ref, b.cand_mask);
        }
        loss.backward();
        loss_sum += loss.item<double>();
      }
      sync.finish_step();  // gradients summed over ranks: the gradient of the whole global batch
      if (opt.clip > 0) torch::nn::utils::clip_grad_norm_(model->parameters(), opt.clip);
      optimizer.step();
      ++loss_n;
      char sfx[64];
      std::snprintf(sfx, sizeof sfx, "loss %.4f", loss_sum / static_cast<double>(loss_n));
      progress.set_suffix(sfx);
      progress.advance(static_cast<uint64_t>(bs));
    }
    progress.finish();
    if (dist.distributed()) {
      auto l = torch::tensor({loss_sum}, torch::kFloat64);
      dist.allreduce_sum(l);
      loss_sum = l.item<double>();
    }
    const double train_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    samples += static_cast<double>(n);
    seconds += train_s;
    double recall3 = 0;
    // Validation over every rank's shard, gathered in file order: the same GAUC on every rank, so all ranks
    // make the same early-stopping decision.
    const double gauc = gauc_of(
        gather_groups(dist, valid_lines, validation_groups(*model, valid_t, opt.batch_size)), &recall3);
    const bool improved = gauc > result.best_valid_gauc;
    if (improved) {
      result.best_valid_gauc = gauc;
      result.best_epoch = epoch;
      since_best = 0;
      if (dist.is_root())
        save_module(*model, ckpt,
                    {{"format", "rgalign-ranker/1"}, {"model", opt.model}, {"epoch", std::to_string(epoch)}});
    } else {
      ++since_best;
    }
    if (dist.is_root())
      append_metrics_line(opt.out, {{"epoch", epoch},
                                    {"train_loss", loss_sum / std::max<int64_t>(1, loss_n)},
                                    {"valid_gauc", gauc},
                                    {"valid_recall@3", recall3},
                                    {"lr", lr_at(opt, std::max<int64_t>(0, step - 1), total_steps)},
                                    {"samples_per_s", static_cast<double>(n) / train_s},
                                    {"seconds", train_s},
                                    {"best", improved},
                                    {"world_size", dist.world_size()}});
    spdlog::info("epoch {}/{} | loss {:.4f} | valid gauc {:.4f} recall@3 {:.4f}{} | {} samples/s", epoch,
                 epochs, loss_sum / std::max<int64_t>(1, loss_n), gauc, recall3, improved ? " (best)" : "",
                 human_count(static_cast<double>(n) / train_s));
    if (since_best >= opt.patience) {
      spdlog::info("early stop: no validation gain for {} epoch(s); best epoch {}", since_best,
                   result.best_epoch);
      break;
    }
  }
  dist.barrier();  // rank 0's checkpoint is written before any rank returns
  result.samples_per_s = seconds > 0 ? samples / seconds : 0;
  return result;
}

}  // namespace rgalign
