// The reasoner-side stages of Ranking-Guided Alignment, each training the student in place:
//  - RG-SFT: maximise the log-probability of each request's best-of-N latent query (target tokens only), with
//    NEFTune noise on the input embeddings;
//  - DPO: best versus worst candidate of pairs whose reward margin passed the threshold, against the frozen
//    RG-SFT model as reference;
//  - RG-CL: InfoNCE between the student's projected latent-query embedding and the frozen reward model's
//    intent-tower embedding of the clicked intent (negatives: the request's other candidate intents and the
//    other requests' clicked intents in the batch), plus a drift penalty towards the pre-CL embedding and the
//    RG-SFT loss so the student keeps writing what the ranker understands; optionally (rgcl.reward_weight) the
//    frozen reward model's own ranking loss with the student's embedding in its query tower, whose gradient
//    is that of the reward itself.
// Each appends one metrics line per logged step to `<out>/metrics.jsonl`.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "rgalign/align/align_config.h"
#include "rgalign/data/requests.h"

namespace rgalign {

class Reasoner;
class RewardModel;

struct StudentData {
  std::vector<std::vector<int64_t>> prompts;     // prompt token ids per request
  std::vector<std::vector<int64_t>> best;        // best candidate's text ids
  std::vector<std::vector<int64_t>> worst;       // worst candidate's text ids
  std::vector<bool> pair;                        // best - worst reward margin passed the DPO threshold
  std::vector<int32_t> clicked;                  // a clicked intent (catalogue index)
  std::vector<Request> requests;                 // the requests (their candidate intents, features)
  size_t size() const { return prompts.size(); }
};

struct StageTrainResult {
  int64_t steps = 0, items = 0;
  double first_loss = 0, final_loss = 0;  // mean loss of the first and the last logged window
  double seconds = 0;
};

StageTrainResult run_rg_sft(Reasoner& student, const StudentData& d, const SftSection& c,
                            const ReasonerSection& rc, uint64_t seed, const std::string& out);
StageTrainResult run_rg_dpo(Reasoner& student, const StudentData& d, const DpoSection& c,
                            const ReasonerSection& rc, uint64_t seed, const std::string& out);
StageTrainResult run_rg_cl(Reasoner& student, RewardModel& rm, const StudentData& d, const RgclSection& c,
                           const ReasonerSection& rc, uint64_t seed, const std::string& out);

// Writes the student as a Hugging Face checkpoint (config, weights, the tokenizer files of `tokenizer_dir`).
void save_student(Reasoner& student, const std::string& tokenizer_dir, const std::string& out);

}  // namespace rgalign
