// The reasoner's inputs to QE-Rec: latent-query embeddings of requests (their rendered prompts) and text
// embeddings of intents, through the latent cache.
#pragma once

#include <torch/torch.h>

#include <string>
#include <vector>

#include "rgalign/data/intents.h"
#include "rgalign/data/requests.h"
#include "rgalign/data/schema.h"
#include "rgalign/llm/pooling.h"
#include "rgalign/reason/reasoner.h"

namespace rgalign {

// Where a reasoner's latent cache lives unless --cache says otherwise: <reasoner>/latent-cache.
std::string default_latent_cache(const std::string& reasoner_dir);

// [N, H]: the latent query of each request's prompt (render_prompt), pooled as asked (the mean pooling, which
// reads every prompt position's final state, is computed only when asked: LatentQueryOptions::mean).
torch::Tensor request_latents(Reasoner& reasoner, LatentCache* cache, const std::vector<Request>& requests,
                              const Schema& schema, Pooling pooling, int latent_tokens,
                              const std::string& label);
// [N, H]: each prompt followed by the given latent-query text (Reasoner::embed_continued), pooled as asked;
// through `cache` (continued_latent_key) when given, so a rerun embeds nothing again.
torch::Tensor continued_latents(Reasoner& reasoner, LatentCache* cache,
                                const std::vector<std::string>& prompts, const std::vector<std::string>& texts,
                                Pooling pooling, const std::string& label);
// intent_text() of every intent, in catalogue order.
std::vector<std::string> intent_texts(const IntentCatalog& catalog);
// How an intent's text is pooled when latent queries are pooled with `pooling`: the same, except that query
// pooling (the mean over a latent query's own text) takes the mean over the intent's text, all of which is
// text.
Pooling intent_text_pooling(Pooling pooling);
// [I, H]: each intent's text (title and description) embedded without generation, pooled as
// intent_text_pooling(pooling).
torch::Tensor intent_latents(Reasoner& reasoner, LatentCache* cache, const IntentCatalog& catalog,
                             Pooling pooling);

}  // namespace rgalign
