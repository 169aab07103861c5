// Chat prompt formats, so that prompts match what instruction-tuned checkpoints were trained on: ChatML
// (Qwen2, Qwen3) and the Llama-3 header format.
#pragma once

#include <string>

namespace rgalign {

enum class ChatFormat { kNone, kChatMl, kLlama3 };

// ChatML for qwen2/qwen3; Llama-3 for llama when the tokenizer has its header tokens; otherwise none.
ChatFormat chat_format_for(const std::string& model_type, bool has_llama3_headers);

// One system (optional) and one user turn, ending where the assistant's answer begins. For Qwen3 the empty
// think block of non-thinking mode is added, as its template does with enable_thinking=False.
std::string format_chat(ChatFormat format, const std::string& system, const std::string& user,
                        bool qwen3 = false);

}  // namespace rgalign
