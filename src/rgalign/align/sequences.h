// A student's training sequences: a prompt's token ids followed by a latent-query text's ids and an end
// token, left-padded into one batch (so every row's text sits in the last columns and the decoder's last
// layer runs there alone). Only the text and end tokens are targets (the prompt is never a target).
#pragma once

#include <torch/torch.h>

#include <cstdint>
#include <vector>

#include "rgalign/llm/decoder.h"
#include "rgalign/llm/pooling.h"

namespace rgalign {

struct SeqBatch {
  torch::Tensor ids;        // [B, T] int64 (0 where padded)
  torch::Tensor mask;       // [B, T] int64, 1 = real token
  torch::Tensor positions;  // [B, T] int64: 0 at the first real token (and on the padding)
  torch::Tensor target;     // [B, T] bool: the token at t is a target (predicted from t - 1)
  torch::Tensor emb_index;  // [B] int64: the text's last token (the prompt's when the text is empty)
  torch::Tensor text_mask;  // [B, T] int64, 1 = a text token (the prompt's last token when the text is empty)
};

// prompts[i] + texts[i] + {end_token}; end_token < 0 adds none.
SeqBatch make_seq_batch(const std::vector<std::vector<int64_t>>& prompts,
                        const std::vector<std::vector<int64_t>>& texts, int64_t end_token);

// Summed log-probability of each row's target tokens: [B]. With `neftune_alpha` > 0 the input embeddings get
// NEFTune noise (training only). `emb` (optional) receives the latent-query embedding of prompt + text,
// pooled as `pooling` (the end token left out, as Reasoner::embed_continued pools): [B, H].
torch::Tensor target_logprobs(Decoder& model, const SeqBatch& b, double neftune_alpha = 0,
                              torch::Tensor* emb = nullptr, Pooling pooling = Pooling::kLast);

}  // namespace rgalign
