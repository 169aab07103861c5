// Teacher candidates: proposal, scoring, files.
#include "rgalign/align/candidates.h"

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>

#include "rgalign/align/bm25.h"
#include "rgalign/align/chat_client.h"
#include "rgalign/common/atomic_file.h"
#include "rgalign/common/error.h"
#include "rgalign/common/hash.h"
#include "rgalign/common/logging.h"
#include "rgalign/data/prompt.h"
#include "rgalign/llm/embedder.h"
#include "rgalign/llm/generate.h"
#include "rgalign/llm/parallel.h"
#include "rgalign/reason/reasoner.h"
#include "rgalign/sim/teachers.h"

namespace rgalign {

namespace fs = std::filesystem;

const char* const kKbTeacher = "kb-retrieval";
const char* const kSelfTeacher = "self";
const char* const kSelfGreedyTeacher = "self-greedy";

namespace {

constexpr const char* kTeacherSystemPrompt =
    "You assist an e-commerce customer-service chatbot. From the customer's recent account activity, write "
    "in "
    "one short sentence what the customer most likely wants to ask right now. Answer with that sentence "
    "only.";

std::string one_line(const std::string& s) {
  std::string out;
  for (char c : s) out.push_back(c == '\n' || c == '\r' || c == '\t' ? ' ' : c);
  const size_t a = out.find_first_not_of(' ');
  if (a == std::string::npos) return "";
  return out.substr(a, out.find_last_not_of(' ') - a + 1);
}

bool simulated_world(const Dataset& data) {
  return fs::exists(fs::path(data.dir()) / "world.json");
}

void add_simulated(const std::vector<Request>& rs, const Dataset& data, const TeachersSection& t,
                   uint64_t seed, std::vector<std::vector<Candidate>>& out) {
  const auto teachers = sim::default_teachers();
  parallel_items(rs.size(), [&](size_t i) {
    for (size_t k = 0; k < teachers.size(); ++k)
      for (int s = 0; s < t.simulated_samples; ++s) {
        sim::Rng rng(mix64(mix64(seed, fnv1a64(rs[i].request_id)), k * 1000 + static_cast<uint64_t>(s)));
        out[i].push_back({teachers[k].name(),
                          teachers[k].generate(rs[i].features, data.schema(), rs[i].market,
                                               s == 0 ? 0.0 : t.simulated_temperature, rng),
                          0});
      }
  });
}

void add_openai(const std::vector<Request>& rs, const Dataset& data, const TeachersSection& t,
                const std::string& run_dir, std::vector<std::vector<Candidate>>& out) {
  ChatClientOptions co;
  co.base_url = t.openai_base_url;
  co.model = t.openai_model;
  if (const char* key = std::getenv(t.openai_api_key_env.c_str())) co.api_key = key;
  co.timeout_s = t.openai_timeout_s;
  co.retries = t.openai_retries;
  co.backoff_s = t.openai_backoff_s;
  co.concurrency = t.openai_concurrency;
  co.cache_dir = t.openai_cache.empty() ? (fs::path(run_dir) / "teacher-cache").string() : t.openai_cache;
  ChatCompletionClient client(co);
  std::vector<ChatRequest> reqs;
  for (const auto& r : rs)
    for (int s = 0; s < t.openai_samples; ++s)
      reqs.push_back({kTeacherSystemPrompt, render_prompt(r, data.schema()), t.openai_temperature,
                      t.openai_max_tokens, s});
  auto answers = client.complete_all(reqs);
  const auto st = client.stats();
  spdlog::info("teacher {}: {} requests sent, {} from the cache, {} retries, {} failed", t.openai_model,
               st.sent, st.cache_hits, st.retries, st.failures);
  if (!answers.empty() && st.failures == static_cast<int64_t>(answers.size()))
    throw InputError(t.openai_base_url, "every request to the teacher endpoint failed");
  for (size_t k = 0; k < answers.size(); ++k)
    if (answers[k])
      out[k / static_cast<size_t>(t.openai_samples)].push_back({"openai:" + t.openai_model, *answers[k], 0});
}

// Teacher names of local checkpoints: "local:<directory name>", numbered where two directories share a name.
std::vector<std::string> checkpoint_teacher_names(const std::vector<std::string>& dirs) {
  std::vector<std::string> names;
  std::map<std::string, int> seen;
  for (const auto& d : dirs) {
    const fs::path p = fs::path(d).lexically_normal();
    std::string name = "local:" + (p.has_filename() ? p.filename() : p.parent_path().filename()).string();
    const int n = ++seen[name];
    names.push_back(n == 1 ? name : name + "#" + std::to_string(n));
  }
  return names;
}

// `prompts[i]`: request i's rendered prompt.
void add_checkpoints(const std::vector<std::string>& prompts, const AlignConfig& cfg,
                     std::vector<std::vector<Candidate>>& out) {
  const TeachersSection& t = cfg.teachers;
  const std::vector<std::string> names = checkpoint_teacher_names(t.checkpoints);
  for (size_t c = 0; c < t.checkpoints.size(); ++c) {
    auto teacher = Reasoner::load(t.checkpoints[c]);
    // A chat model is told what to write in the system message the endpoint teacher gets; a reasoner without a
    // chat format (the built-in one) continues the prompt it was trained on.
    const bool chat = teacher->has_chat_format();
    const std::string system = chat ? kTeacherSystemPrompt : "";
    const uint64_t seed = mix64(cfg.run.seed, fnv1a64(names[c]));
    auto greedy = sample_latent_queries(*teacher, prompts, 1, cfg.reasoner.latent_tokens, 0.0, 0, seed,
                                        cfg.reasoner.batch, system);
    auto sampled =
        t.checkpoint_samples > 1
            ? sample_latent_queries(*teacher, prompts, t.checkpoint_samples - 1, cfg.reasoner.latent_tokens,
                                    t.checkpoint_temperature, t.checkpoint_top_k, seed, cfg.reasoner.batch,
                                    system)
            : std::vector<std::vector<std::string>>(prompts.size());
    for (size_t i = 0; i < prompts.size(); ++i) {
      out[i].push_back({names[c], one_line(greedy[i][0]), 0});
      for (auto& text : sampled[i]) out[i].push_back({names[c], one_line(text), 0});
    }
    spdlog::info("teacher {} ({}{}): {} requests", names[c], t.checkpoints[c], chat ? ", chat format" : "",
                 prompts.size());
  }
}

}  // namespace

bool fit_text(Reasoner& student, std::string& text, int tokens) {
  text = one_line(text);
  auto ids = student.text_ids(text);
  if (static_cast<int>(ids.size()) <= tokens) return false;
  ids.resize(static_cast<size_t>(tokens));
  text = one_line(student.tokenizer().decode(ids));
  return true;
}

std::vector<Request> pick_requests(const std::vector<Request>& all, int64_t n) {
  std::vector<const Request*> clicked;
  for (const auto& r : all)
    for (float y : r.labels)
      if (y > 0) {
        clicked.push_back(&r);
        break;
      }
  std::vector<Request> out;
  const auto m = static_cast<int64_t>(clicked.size());
  const int64_t take = std::min(n, m);
  for (int64_t k = 0; k < take; ++k) out.push_back(*clicked[static_cast<size_t>(k * m / take)]);
  return out;
}

std::vector<std::vector<std::string>> sample_latent_queries(Reasoner& student,
                                                            const std::vector<std::string>& prompts,
                                                            int samples, int max_new_tokens,
                                                            double temperature, int top_k, uint64_t seed,
                                                            int batch, const std::string& system) {
  std::vector<std::vector<std::string>> out(prompts.size());
  std::vector<std::vector<int64_t>> prompt_ids(prompts.size());
  parallel_items(prompts.size(),
                 [&](size_t i) { prompt_ids[i] = student.prompt_ids(prompts[i], LatentQueryOptions().max_prompt_tokens, system);
                 });
  student.model().eval();
  for (auto& o : out) o.resize(static_cast<size_t>(std::max(0, samples)));
  RG_ASSERT(batch >= 1, "a batch holds at least one prompt");
  const bool on_cpu = student.model().weight(TensorRole::kTokenEmbedding).device().is_cpu();
  // Each batch is seeded by its own position and sample, so the texts do not depend on which thread
  // generates them (llm/parallel.h).
  for (int s = 0; s < samples; ++s)
    parallel_ranges(prompts.size(), static_cast<size_t>(batch), [&](size_t, size_t start, size_t end) {
      c10::InferenceMode guard;
      const std::vector<std::vector<int64_t>> ids(prompt_ids.begin() + static_cast<int64_t>(start),
                                                  prompt_ids.begin() + static_cast<int64_t>(end));
      GenerationOptions g;
      g.max_new_tokens = max_new_tokens;
      g.temperature = temperature;
      g.top_k = top_k;
      g.seed = mix64(seed, start * 131 + static_cast<uint64_t>(s));
      g.stop_tokens = student.stop_tokens();
      g.pooled_mean = false;  // the texts alone are read
      auto res = generate(student.model(), ids, g);
      for (size_t k = 0; k < res.tokens.size(); ++k) {
        auto t = res.tokens[k];
        if (!t.empty() &&
            std::find(g.stop_tokens.begin(), g.stop_tokens.end(), t.back()) != g.stop_tokens.end())
          t.pop_back();
        out[start + k][static_cast<size_t>(s)] = student.tokenizer().decode(t);
      }
    }, on_cpu);
  return out;
}

std::vector<std::vector<Candidate>> propose_candidates(const std::vector<Request>& rs, const Dataset& data,
                                                       const AlignConfig& cfg, Reasoner& student,
                                                       const std::string& run_dir) {
  const TeachersSection& t = cfg.teachers;
  std::vector<std::vector<Candidate>> out(rs.size());
  if (t.simulated) {
    if (simulated_world(data))
      add_simulated(rs, data, t, cfg.run.seed, out);
    else
      spdlog::info("teachers: {} is not a simulated world; the simulated teachers are skipped", data.dir());
  }
  if (t.kb_retrieval) {
    KbRetrievalTeacher kb(data.catalog());
    parallel_items(rs.size(), [&](size_t i) {
      for (auto& text : kb.propose(render_features(rs[i], data.schema()), rs[i].candidates, t.kb_candidates))
        out[i].push_back({kKbTeacher, std::move(text), 0});
    });
  }
  // The requests' prompts, for the teachers that are models run here (the student, local checkpoints).
  std::vector<std::string> prompts;
  if (t.self_sampling || t.self_greedy || !t.checkpoints.empty())
    for (const auto& r : rs) prompts.push_back(render_prompt(r, data.schema()));
  if (t.self_sampling || t.self_greedy) {
    if (t.self_sampling) {
      auto samples =
          sample_latent_queries(student, prompts, t.self_samples, cfg.reasoner.latent_tokens,
                                t.self_temperature, t.self_top_k, cfg.run.seed, cfg.reasoner.batch);
      for (size_t i = 0; i < rs.size(); ++i)
        for (auto& s : samples[i]) out[i].push_back({kSelfTeacher, std::move(s), 0});
    }
    if (t.self_greedy) {
      auto greedy = sample_latent_queries(student, prompts, 1, cfg.reasoner.latent_tokens, 0.0, 0,
                                          cfg.run.seed, cfg.reasoner.batch);
      // First, so that it is never the copy dropped as a repeat and wins ties.
      for (size_t i = 0; i < rs.size(); ++i)
        out[i].insert(out[i].begin(), {kSelfGreedyTeacher, std::move(greedy[i][0]), 0});
    }
  }
  if (!t.checkpoints.empty()) add_checkpoints(prompts, cfg, out);
  if (!t.openai_base_url.empty()) add_openai(rs, data, t, run_dir, out);

  // One line each, cut to the latent-query length the student generates, empty and repeated texts dropped
  // (the student's greedy text stays when empty).
  std::vector<int64_t> dropped_of(out.size(), 0), cut_of(out.size(), 0);
  parallel_items(out.size(), [&](size_t i) {
    std::vector<Candidate> kept;
    std::set<std::string> seen;
    for (auto& c : out[i]) {
      cut_of[i] += fit_text(student, c.text, cfg.reasoner.latent_tokens) ? 1 : 0;
      const bool empty_dropped = c.text.empty() && c.teacher != kSelfGreedyTeacher;
      if (empty_dropped || !seen.insert(c.text).second) {
        ++dropped_of[i];
        continue;
      }
      kept.push_back(std::move(c));
    }
    out[i] = std::move(kept);
  });
  int64_t dropped = 0, cut = 0;
  for (size_t i = 0; i < out.size(); ++i) {
    dropped += dropped_of[i];
    cut += cut_of[i];
  }
  spdlog::info("teachers: {} candidates cut to {} tokens; {} empty or repeated candidates dropped", cut,
               cfg.reasoner.latent_tokens, dropped);
  return out;
}

std::vector<std::string> reward_model_texts(const std::vector<Request>& train, const Dataset& data,
                                            const AlignConfig& cfg, Reasoner& base) {
  const bool sim = cfg.teachers.simulated && simulated_world(data);
  const auto teachers = sim ? sim::default_teachers() : std::vector<sim::SimulatedTeacher>();
  const std::unique_ptr<KbRetrievalTeacher> kb =
      cfg.teachers.kb_retrieval ? std::make_unique<KbRetrievalTeacher>(data.catalog()) : nullptr;
  // Options: 0 = the base reasoner itself, then the simulated teachers, then KB ranks 1 and 2, then the
  // clicked intent (hindsight). Every other source is a function of the features, which the ranker reads
  // anyway: trained on those alone, it learns to ignore the latent query, and a reward model that ignores the
  // query rewards every candidate alike. A text that names what the user went on to click is what a user who
  // typed their question would have written; from it the reward model learns to read a latent query.
  const size_t n_kb = kb ? 2 : 0, n_hindsight = cfg.reward_model.hindsight_texts ? 1 : 0;
  const size_t n_options = 1 + teachers.size() + n_kb + n_hindsight;
  std::vector<std::string> texts(train.size());
  std::vector<size_t> option(train.size());
  std::vector<size_t> own;  // requests whose text is the base reasoner's greedy latent query
  for (size_t i = 0; i < train.size(); ++i) {
    option[i] = mix64(cfg.run.seed, fnv1a64(train[i].request_id)) % n_options;
    if (option[i] == 0) own.push_back(i);
  }
  parallel_items(train.size(), [&](size_t i) {
    const size_t k = option[i];
    if (k == 0) return;
    if (k <= teachers.size()) {
      sim::Rng rng(mix64(cfg.run.seed, fnv1a64(train[i].request_id)));
      texts[i] = teachers[k - 1].generate(train[i].features, data.schema(), train[i].market, 0.0, rng);
    } else if (k > teachers.size() + n_kb) {
      for (size_t c = 0; c < train[i].labels.size(); ++c)
        if (train[i].labels[c] > 0) {
          texts[i] = KbRetrievalTeacher::latent_query_for(data.catalog().at(train[i].candidates[c]));
          break;
        }
    } else {
      auto p = kb->propose(render_features(train[i], data.schema()), train[i].candidates, 2);
      texts[i] = p.empty() ? "" : p[std::min(p.size() - 1, k - 1 - teachers.size())];
    }
  });
  std::vector<std::string> prompts;
  for (size_t i : own) prompts.push_back(render_prompt(train[i], data.schema()));
  auto greedy = sample_latent_queries(base, prompts, 1, cfg.reasoner.latent_tokens, 0.0, 0, cfg.run.seed,
                                      cfg.reasoner.batch);
  for (size_t j = 0; j < own.size(); ++j) texts[own[j]] = greedy[j][0];
  parallel_items(texts.size(), [&](size_t i) { fit_text(base, texts[i], cfg.reasoner.latent_tokens); });
  spdlog::info("reward-model texts: {} training requests, {} with the base reasoner's own latent query",
               train.size(), own.size());
  return texts;
}

void write_latent_texts(const std::string& path, const std::vector<Request>& requests,
                        const std::vector<std::string>& texts) {
  AtomicFile f(path);
  for (size_t i = 0; i < requests.size(); ++i)
    f.stream() << Json({{"request_id", requests[i].request_id}, {"text", texts[i]}}).dump() << '\n';
  f.commit();
}

std::vector<RequestCandidates> score_candidates(const std::vector<Request>& rs,
                                                std::vector<std::vector<Candidate>> proposed,
                                                const Schema& schema, Reasoner& student, RewardModel& rm,
                                                const AlignConfig& cfg) {
  std::vector<std::string> messages, texts;
  std::vector<int64_t> owner;
  for (size_t i = 0; i < rs.size(); ++i) {
    const std::string prompt = render_prompt(rs[i], schema);
    for (const auto& c : proposed[i]) {
      messages.push_back(prompt);
      texts.push_back(c.text);
      owner.push_back(static_cast<int64_t>(i));
    }
  }
  const Pooling pooling = parse_pooling(rm.config().pooling);
  auto emb = student.embed_continued(messages, texts, cfg.reasoner.batch, "candidate embeddings",
                                     pooling == Pooling::kMean);
  auto rewards = rm.score(rs, owner, emb.pooled(pooling), parse_reward_kind(cfg.reward_model.reward));
  std::vector<RequestCandidates> out(rs.size());
  size_t k = 0;
  for (size_t i = 0; i < rs.size(); ++i) {
    std::vector<double> r;
    int incumbent = -1;
    for (auto& c : proposed[i]) {
      if (c.teacher == kSelfGreedyTeacher) incumbent = static_cast<int>(r.size());
      c.reward = rewards[k++];
      r.push_back(c.reward);
    }
    out[i].candidates = std::move(proposed[i]);
    out[i].pick = best_of_n(r, cfg.dpo.margin, incumbent, cfg.teachers.self_greedy_margin);
  }
  return out;
}

void write_candidates(const std::string& path, const std::vector<Request>& rs,
                      const std::vector<RequestCandidates>& c) {
  AtomicFile f(path);
  for (size_t i = 0; i < rs.size(); ++i) {
    Json cands = Json::array();
    for (const auto& x : c[i].candidates)
      cands.push_back({{"teacher", x.teacher}, {"text", x.text}, {"reward", x.reward}});
    Json line = {{"request_id", rs[i].request_id},
                 {"candidates", cands},
                 {"best", c[i].pick.best},
                 {"worst", c[i].pick.worst},
                 {"pair", c[i].pick.pair}};
    f.stream() << line.dump() << '\n';
  }
  f.commit();
}

std::vector<RequestCandidates> read_candidates(const std::string& path, const std::vector<Request>& rs) {
  std::ifstream in(path);
  if (!in) throw InputError(path, "cannot read candidates");
  std::vector<RequestCandidates> out;
  std::string line;
  int64_t n = 0;
  while (std::getline(in, line)) {
    ++n;
    const std::string where = location(path, n);
    Json j = parse_json(line, where);
    if (static_cast<size_t>(n) > rs.size() ||
        require_string(j, "request_id", where) != rs[static_cast<size_t>(n - 1)].request_id)
      throw InputError(where, "candidates do not belong to this run's requests");
    RequestCandidates rc;
    for (const auto& c : require_field(j, "candidates", where))
      rc.candidates.push_back({require_string(c, "teacher", where), require_string(c, "text", where),
                               require_finite_number(require_field(c, "reward", where), "reward", where)});
    rc.pick.best = static_cast<int>(require_int(j, "best", where));
    rc.pick.worst = static_cast<int>(require_int(j, "worst", where));
    rc.pick.pair = require_field(j, "pair", where).get<bool>();
    out.push_back(std::move(rc));
  }
  if (out.size() != rs.size()) throw InputError(path, "expected " + std::to_string(rs.size()) + " lines");
  return out;
}

}  // namespace rgalign
