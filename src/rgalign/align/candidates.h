// Multi-teacher candidates for best-of-N distillation. For each chosen training request every enabled teacher
// proposes latent-query texts: the simulated teachers of a simulated world, the KB-retrieval (BM25) teacher,
// the student itself (sampled), local checkpoints run through the engine, and an OpenAI-compatible endpoint.
// Each text is cut to the latent-query length the student generates, appended to the request's prompt,
// embedded by the student and scored by the reward model; the best and worst of each request become the
// RG-SFT target and the DPO pair.
#pragma once

#include <string>
#include <vector>

#include "rgalign/align/align_config.h"
#include "rgalign/align/reward.h"
#include "rgalign/data/dataset.h"

namespace rgalign {

class Reasoner;

struct Candidate {
  std::string teacher, text;
  double reward = 0;
};

struct RequestCandidates {
  std::vector<Candidate> candidates;
  BestOfN pick;
};

// Teacher names as they appear in the candidates and the report.
extern const char* const kKbTeacher;          // "kb-retrieval"
extern const char* const kSelfTeacher;        // "self"
extern const char* const kSelfGreedyTeacher;  // "self-greedy"

// `text` made one line of at most `tokens` tokens of the student's tokenizer (how every candidate is cut);
// true when it was cut.
bool fit_text(Reasoner& student, std::string& text, int tokens);

// Evenly spaced requests with at least one click, at most `n`.
std::vector<Request> pick_requests(const std::vector<Request>& all, int64_t n);

// Texts from every enabled teacher per request (not yet scored), one line each, cut to the latent-query
// length; empty and repeated texts are dropped, except the student's greedy text (teachers.self_greedy),
// which stays even when empty: it is what the student writes now, and "keep writing it" (nothing, for a base
// reasoner that stops at once) must be able to win the best-of-N. `run_dir` holds the endpoint's response
// cache unless the config names one.
std::vector<std::vector<Candidate>> propose_candidates(const std::vector<Request>& requests,
                                                       const Dataset& data, const AlignConfig& cfg,
                                                       Reasoner& student, const std::string& run_dir);

// One latent-query text per training request for training the reward model in the form it later scores
// (prompt + latent-query text): drawn per request (seeded by its id) among the base reasoner's own greedy
// text, the simulated teachers' greedy texts (simulated worlds), the KB-retrieval texts and, with
// reward_model.hindsight_texts, the clicked intent's title written as the KB-retrieval teacher writes one,
// cut like the candidates. The endpoint teacher and sampling are left out: they would cost a call per
// training request.
std::vector<std::string> reward_model_texts(const std::vector<Request>& train, const Dataset& data,
                                            const AlignConfig& cfg, Reasoner& base);

// `texts[i]` of `requests[i]` as {request_id, text} JSONL lines, atomically: what `rgalign train
// --latent-texts` reads.
void write_latent_texts(const std::string& path, const std::vector<Request>& requests,
                        const std::vector<std::string>& texts);

// Embeds each (prompt, candidate) with the student and fills rewards and the best-of-N picks.
std::vector<RequestCandidates> score_candidates(const std::vector<Request>& requests,
                                                std::vector<std::vector<Candidate>> proposed,
                                                const Schema& schema, Reasoner& student, RewardModel& rm,
                                                const AlignConfig& cfg);

// A reasoner's latent queries, sampled: `samples` per prompt, `max_new_tokens` each; `system` is the system
// message of a reasoner with a chat format (Reasoner::format).
std::vector<std::vector<std::string>> sample_latent_queries(Reasoner& student,
                                                            const std::vector<std::string>& prompts,
                                                            int samples, int max_new_tokens,
                                                            double temperature, int top_k, uint64_t seed,
                                                            int batch, const std::string& system = "");

// candidates.jsonl lines and back (for resume and the report).
void write_candidates(const std::string& path, const std::vector<Request>& requests,
                      const std::vector<RequestCandidates>& c);
std::vector<RequestCandidates> read_candidates(const std::string& path, const std::vector<Request>& requests);

}  // namespace rgalign
