// The reasoner's prompt for a request: its features written through the schema's `render` templates, in
// schema order, missing features left out, followed by the question the reasoner answers with a latent query.
// The chat format of the model, when it has one, is applied by the caller (llm/chat_format.h).
#pragma once

#include <string>

#include "rgalign/data/requests.h"
#include "rgalign/data/schema.h"

namespace rgalign {

// The instruction that frames every prompt.
extern const char* const kReasonerInstruction;

// "to_receive" -> "to receive"; 7.0 -> "7"; 4.25 -> "4.25"; ["home", "cart"] -> "home, cart".
std::string render_value(const FeatureValue& v);
// One line per present feature with a template ("Latest order status: to receive"); features without a
// template are written as "name: value".
std::string render_features(const Request& r, const Schema& schema);
// The full user message: market, rendered features, and the question.
std::string render_prompt(const Request& r, const Schema& schema);

}  // namespace rgalign
