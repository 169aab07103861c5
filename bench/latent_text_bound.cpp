// What a QE-Rec ranker (the reward model) makes of latent queries written by the teachers: scores a split
// with each request's latent query set to its prompt followed by a teacher's text, and prints the metrics
// beside those with the reasoner's own latent queries, as parseable lines. A student that imitated that
// teacher perfectly would reach the first figure; the difference is what distillation from it can give.
//
//   build/bench/latent_text_bound --data DIR --run QE_REC_RUN [--split test] [--threads 2]
//       [--latent-tokens 24] [--teachers own,mix,kb-retrieval,logistics-expert,...] [--write-texts FILE]
// "own": the reasoner's own greedy latent query (what the run is evaluated with); "own-text": the same text
// given as a text, which must score as "own" does (a check of this tool's path; exactly for an empty text,
// up to the text's re-tokenization otherwise); "mix": per request one of own / simulated teachers
// / KB retrieval, drawn as the reward model's training texts are (align/candidates.h reward_model_texts); a
// teacher's name: that teacher's greedy text for every request; "clicked": the clicked intent's title, as the
// KB-retrieval teacher writes one (a label leak: whether the ranker reads the text at all); "rules": the
// title of the candidate the world's own rules rank first from the features alone (sim/rules_scorer.h), the
// intent a student that read the features perfectly would name; "rules3": the rules' first three candidates
// named in one text, in their order.
#include <ATen/Parallel.h>
#include <torch/torch.h>

#include <algorithm>
#include <cstdio>
#include <numeric>
#include <sstream>

#include "bench_args.h"
#include "rgalign/align/align_config.h"
#include "rgalign/align/bm25.h"
#include "rgalign/align/candidates.h"
#include "rgalign/common/allocator.h"
#include "rgalign/common/error.h"
#include "rgalign/data/prompt.h"
#include "rgalign/eval/evaluate.h"
#include "rgalign/llm/parallel.h"
#include "rgalign/llm/pooling.h"
#include "rgalign/rank/encoded_data.h"
#include "rgalign/rank/neural_scorer.h"
#include "rgalign/rank/ranker.h"
#include "rgalign/reason/reasoner.h"
#include "rgalign/sim/rng.h"
#include "rgalign/sim/rules_scorer.h"
#include "rgalign/sim/teachers.h"

namespace {

using namespace rgalign;

// A QE-Rec run scoring with given latent-query texts (request id -> text after the prompt).
class GivenTextScorer : public Scorer {
 public:
  GivenTextScorer(LoadedRanker run, Reasoner& reasoner, const Schema& schema,
                  const std::unordered_map<std::string, std::string>& texts)
      : run_(std::move(run)), reasoner_(reasoner), schema_(schema), texts_(texts) {}
  std::string model_name() const override { return "qe-rec-given-texts"; }
  void score(const Request& r, std::vector<float>& out) const override {
    std::vector<std::vector<float>> all;
    score_batch({r}, all);
    out = std::move(all[0]);
  }
  void score_batch(const std::vector<Request>& rs, std::vector<std::vector<float>>& out) const override {
    out.assign(rs.size(), {});
    if (rs.empty()) return;
    EncodedRequests e = encode_requests(run_.encoder, rs);
    std::vector<std::string> prompts, texts;
    for (const auto& r : rs) {
      auto it = texts_.find(r.request_id);
      if (it == texts_.end()) throw InputError("request " + r.request_id, "no latent-query text");
      prompts.push_back(render_prompt(r, schema_));
      texts.push_back(it->second);
    }
    const Pooling pooling = parse_pooling(run_.config.pooling);
    LatentQueries q = reasoner_.embed_continued(prompts, texts, 32, "", pooling == Pooling::kMean);
    e.all.query = q.pooled(pooling);  // the embedding the ranker was trained on
    c10::InferenceMode guard;
    auto logits = run_.model->forward(e.all).contiguous();  // [B, C]
    const int64_t C = logits.size(1);
    const float* p = logits.data_ptr<float>();
    for (size_t i = 0; i < rs.size(); ++i)
      out[i].assign(p + static_cast<int64_t>(i) * C,
                    p + static_cast<int64_t>(i) * C + static_cast<int64_t>(rs[i].candidates.size()));
  }

 private:
  LoadedRanker run_;
  Reasoner& reasoner_;
  const Schema& schema_;
  const std::unordered_map<std::string, std::string>& texts_;
};

void print_line(const std::string& source, const MetricSet& m) {
  auto cold = m.segments.find("cold_intent");
  std::printf(
      "name=latent_text_bound source=%s groups=%ld gauc=%.4f recall3=%.4f ndcg3=%.4f cold_recall3=%.4f\n",
      source.c_str(), static_cast<long>(m.n_groups), m.gauc, m.recall_at[1], m.ndcg_at[0],
      cold != m.segments.end() ? cold->second.recall_at[1] : -1.0);
  std::fflush(stdout);
}

}  // namespace

int main(int argc, char** argv) {
  using rgalign::bench::arg;
  using rgalign::bench::sarg;
  tune_allocator();
  try {
    const int threads = static_cast<int>(arg(argc, argv, "--threads", 2));
    at::set_num_threads(threads);
    const Dataset data = Dataset::open(sarg(argc, argv, "--data", ""));
    const std::string run_dir = sarg(argc, argv, "--run", "");
    EvalSplitOptions eo;
    eo.split = sarg(argc, argv, "--split", "test");
    eo.metrics.threads = threads;
    eo.metrics.bootstrap_resamples = 0;
    AlignConfig cfg;
    cfg.reasoner.latent_tokens = static_cast<int>(arg(argc, argv, "--latent-tokens", 24));
    cfg.reward_model.hindsight_texts = false;  // "mix": features-only sources ("clicked" is the label's)
    const auto requests = read_requests(data.split_path(eo.split), data.schema(), data.catalog(),
                                        BadInputPolicy::kStrict, nullptr, {});
    const LoadedRanker run = load_ranker_run(run_dir, data);  // scored with every source's texts
    auto reasoner = Reasoner::load(run.config.reasoner);
    const std::vector<sim::SimulatedTeacher> teachers = sim::default_teachers();
    const KbRetrievalTeacher kb(data.catalog());
    const std::string write_texts = sarg(argc, argv, "--write-texts", "");
    std::stringstream list(sarg(argc, argv, "--teachers",
                                "own,mix,kb-retrieval,logistics-expert,"
                                "payments-refunds-expert,generalist"));
    if (!write_texts.empty() && list.str().find(',') != std::string::npos)
      throw InputError("--write-texts", "needs exactly one source in --teachers");
    for (std::string source; std::getline(list, source, ',');) {
      if (source == "own" && !write_texts.empty())
        throw InputError("--write-texts", "\"own\" is an embedding, not a text; use \"own-text\"");
      if (source == "own") {
        auto scorer = load_scorer(run_dir, data);
        print_line(source, evaluate_split(*scorer, data, eo));
        continue;
      }
      std::vector<std::string> texts(requests.size());
      // Candidate k of request i named as the KB-retrieval teacher writes an intent.
      auto named = [&](size_t i, size_t k) {
        return KbRetrievalTeacher::latent_query_for(data.catalog().at(requests[i].candidates[k]));
      };
      if (source == "mix") {
        texts = reward_model_texts(requests, data, cfg, *reasoner);
      } else if (source == "clicked") {
        // The label itself, written as the KB-retrieval teacher writes an intent: no student can know it, so
        // this only shows whether the ranker reads the text at all.
        for (size_t i = 0; i < requests.size(); ++i)
          for (size_t k = 0; k < requests[i].labels.size(); ++k)
            if (requests[i].labels[k] > 0) texts[i] = named(i, k);
      } else if (source == "own-text") {
        std::vector<std::string> prompts;
        for (const auto& r : requests) prompts.push_back(render_prompt(r, data.schema()));
        auto greedy = sample_latent_queries(*reasoner, prompts, 1, cfg.reasoner.latent_tokens, 0.0, 0, 0,
                                            cfg.reasoner.batch);
        for (size_t i = 0; i < requests.size(); ++i) texts[i] = greedy[i][0];
      } else if (source == "rules" || source == "rules3") {
        // The rules' first candidate named; "rules3": their first three, in order, in one text.
        const size_t n_named = source == "rules" ? 1 : 3;
        const sim::RulesScorer rules(data);
        parallel_items(requests.size(), [&](size_t i) {
          std::vector<float> scores;
          rules.score(requests[i], scores);
          std::vector<size_t> order(scores.size());
          std::iota(order.begin(), order.end(), size_t{0});
          const size_t n = std::min(n_named, order.size());  // none: no candidate to name
          std::partial_sort(order.begin(), order.begin() + static_cast<std::ptrdiff_t>(n), order.end(),
                            [&](size_t a, size_t b) { return scores[a] > scores[b]; });
          for (size_t k = 0; k < n; ++k)
            texts[i] += k == 0 ? named(i, order[k])
                               : " Or: " + data.catalog().at(requests[i].candidates[order[k]]).title + ".";
        });
      } else if (source == kKbTeacher) {
        parallel_items(requests.size(), [&](size_t i) {
          auto p = kb.propose(render_features(requests[i], data.schema()), requests[i].candidates, 1);
          texts[i] = p.empty() ? "" : p[0];
        });
      } else {
        const sim::SimulatedTeacher* t = nullptr;
        for (const auto& x : teachers)
          if (x.name() == source) t = &x;
        if (!t) throw InputError("--teachers", "unknown source \"" + source + "\"");
        parallel_items(requests.size(), [&](size_t i) {
          sim::Rng rng(i);
          texts[i] = t->generate(requests[i].features, data.schema(), requests[i].market, 0.0, rng);
        });
      }
      if (source != "mix")  // cut to what the student generates, as candidates and the mix are
        parallel_items(texts.size(),
                       [&](size_t i) { fit_text(*reasoner, texts[i], cfg.reasoner.latent_tokens); });
      if (!write_texts.empty()) {
        write_latent_texts(write_texts, requests, texts);
        std::printf("name=latent_text_bound source=%s wrote=%zu file=%s\n", source.c_str(), requests.size(),
                    write_texts.c_str());
        continue;
      }
      std::unordered_map<std::string, std::string> by_id;
      for (size_t i = 0; i < requests.size(); ++i) by_id[requests[i].request_id] = texts[i];
      GivenTextScorer scorer(run, *reasoner, data.schema(), by_id);
      print_line(source, evaluate_split(scorer, data, eo));
    }
    return 0;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "latent_text_bound: %s\n", e.what());
    return 1;
  }
}
