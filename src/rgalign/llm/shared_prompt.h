// Texts that continue a shared prompt, embedded with the prompt run through the decoder once: its keys and
// values serve every text after it. The teacher candidates of one request share its prompt (about 185 tokens
// for the built-in reasoner), so each candidate costs only its own tokens (about 15) instead of the whole
// sequence. The result equals running every prompt + text as one sequence, up to float rounding.
#pragma once

#include <torch/torch.h>

#include <cstdint>
#include <vector>

#include "rgalign/llm/decoder.h"

namespace rgalign {

// Poolings of each row's sequence (its prompt followed by its text), [R, H] each, on the model's device.
struct ContinuedPoolings {
  torch::Tensor last;   // the sequence's last token
  torch::Tensor mean;   // the mean over the prompt's and the text's tokens
  torch::Tensor query;  // the mean over the text's tokens; the prompt's last token when the text is empty
};

// prompts: K non-empty token sequences. Row r continues prompts[row_prompt[r]] with row_texts[r] (possibly
// empty). Runs without gradients. Without `mean` the prompts' last layer runs at their last position alone
// and `mean` is NaN.
ContinuedPoolings embed_after_shared_prompts(Decoder& model, const std::vector<std::vector<int64_t>>& prompts,
                                             const std::vector<int64_t>& row_prompt,
                                             const std::vector<std::vector<int64_t>>& row_texts,
                                             bool mean = true);

}  // namespace rgalign
