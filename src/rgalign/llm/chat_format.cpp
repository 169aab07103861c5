// Chat formats.
#include "rgalign/llm/chat_format.h"

namespace rgalign {

ChatFormat chat_format_for(const std::string& model_type, bool has_llama3_headers) {
  if (model_type == "qwen2" || model_type == "qwen3") return ChatFormat::kChatMl;
  if (model_type == "llama" && has_llama3_headers) return ChatFormat::kLlama3;
  return ChatFormat::kNone;
}

std::string format_chat(ChatFormat format, const std::string& system, const std::string& user, bool qwen3) {
  switch (format) {
    case ChatFormat::kNone: return system.empty() ? user : system + "\n\n" + user;
    case ChatFormat::kChatMl: {
      std::string s;
      if (!system.empty()) s += "<|im_start|>system\n" + system + "<|im_end|>\n";
      s += "<|im_start|>user\n" + user + "<|im_end|>\n<|im_start|>assistant\n";
      if (qwen3) s += "<think>\n\n</think>\n\n";
      return s;
    }
    case ChatFormat::kLlama3: {
      std::string s = "<|begin_of_text|>";
      if (!system.empty()) s += "<|start_header_id|>system<|end_header_id|>\n\n" + system + "<|eot_id|>";
      s += "<|start_header_id|>user<|end_header_id|>\n\n" + user + "<|eot_id|>";
      s += "<|start_header_id|>assistant<|end_header_id|>\n\n";
      return s;
    }
  }
  return user;
}

}  // namespace rgalign
