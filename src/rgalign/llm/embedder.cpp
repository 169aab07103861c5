// Embedding and generation entry points.
#include "rgalign/llm/embedder.h"

#include <ATen/Parallel.h>

#include <fstream>

#include "rgalign/common/error.h"
#include "rgalign/common/json_util.h"
#include "rgalign/common/logging.h"
#include "rgalign/common/progress.h"
#include "rgalign/data/bad_input.h"
#include "rgalign/data/jsonl.h"
#include "rgalign/llm/chat_format.h"
#include "rgalign/llm/generate.h"
#include "rgalign/llm/safetensors.h"
#include "rgalign/llm/safetensors_torch.h"

namespace rgalign {

torch::ScalarType parse_dtype_flag(const std::string& name) {
  if (name == "float32") return torch::kFloat32;
  if (name == "bfloat16") return torch::kBFloat16;
  if (name == "float16") return torch::kFloat16;
  throw InputError("--dtype", "unknown dtype \"" + name + "\"", "expected float32, bfloat16 or float16");
}

torch::Device parse_device_flag(const std::string& name) {
  if (name == "cpu") return torch::kCPU;
  if (name.rfind("cuda", 0) == 0) {
    if (!torch::cuda::is_available())
      throw InputError("--device", "CUDA is not available in this build or machine");
    try {
      return torch::Device(name);
    } catch (const c10::Error&) {
      throw InputError("--device", "invalid device \"" + name + "\"", "cpu, cuda or cuda:N");
    }
  }
  throw InputError("--device", "invalid device \"" + name + "\"", "cpu, cuda or cuda:N");
}

void pad_left(const std::vector<std::vector<int64_t>>& seqs, torch::Tensor& ids, torch::Tensor& mask,
              torch::Tensor& positions) {
  const auto B = static_cast<int64_t>(seqs.size());
  size_t T = 1;
  for (const auto& s : seqs) T = std::max(T, s.size());
  ids = torch::zeros({B, static_cast<int64_t>(T)}, torch::kInt64);
  mask = torch::zeros({B, static_cast<int64_t>(T)}, torch::kInt64);
  auto* ip = ids.data_ptr<int64_t>();
  auto* mp = mask.data_ptr<int64_t>();
  for (int64_t b = 0; b < B; ++b) {
    const auto& s = seqs[static_cast<size_t>(b)];
    const size_t off = T - s.size();
    for (size_t i = 0; i < s.size(); ++i) {
      ip[b * static_cast<int64_t>(T) + static_cast<int64_t>(off + i)] = s[i];
      mp[b * static_cast<int64_t>(T) + static_cast<int64_t>(off + i)] = 1;
    }
  }
  positions = (mask.cumsum(1) - 1).clamp_min(0);
}

namespace {

struct LoadedModel {
  std::shared_ptr<Decoder> model;
  std::unique_ptr<Tokenizer> tokenizer;
  ChatFormat chat = ChatFormat::kNone;
};

LoadedModel load_model(const std::string& dir, const std::string& dtype, const std::string& device) {
  const torch::Device dev = parse_device_flag(device);
  const torch::ScalarType st = parse_dtype_flag(dtype);
  LoadedModel m;
  m.model = Decoder::load(dir, st);
  m.model->to(dev);
  m.model->eval();
  m.tokenizer = load_tokenizer(dir);
  const bool llama3 = m.tokenizer && m.tokenizer->token_id("<|start_header_id|>") >= 0;
  m.chat = chat_format_for(m.model->config().model_type, llama3);
  return m;
}

}  // namespace

int64_t run_embed(const EmbedOptions& opt) {
  if (opt.batch < 1) throw InputError("--batch", "must be at least 1");
  if (opt.threads < 1) throw InputError("--threads", "must be at least 1");
  at::set_num_threads(opt.threads);
  const Pooling pooling = parse_pooling(opt.pooling);
  if (pooling == Pooling::kQuery)
    throw InputError("--pooling", "query pooling applies to latent queries (a prompt followed by a text)",
                     "use last or mean for whole texts");
  LoadedModel m = load_model(opt.model, opt.dtype, opt.device);
  const torch::Device dev = parse_device_flag(opt.device);
  const int64_t vocab = m.model->config().vocab_size;

  std::vector<std::vector<int64_t>> seqs;
  BadInputLog bad;
  for_each_jsonl_line(
      opt.input, "input", opt.skip_bad ? BadInputPolicy::kSkipBad : BadInputPolicy::kStrict, &bad,
      [&](const std::string& line, const std::string& where) {
        Json j = parse_json(line, where);
        if (!j.is_object()) throw InputError(where, "expected a JSON object");
        std::vector<int64_t> ids;
        if (j.contains("ids")) {
          const Json& a = j["ids"];
          if (!a.is_array() || a.empty())
            throw InputError(where, "\"ids\" must be a non-empty array of token ids");
          for (const auto& x : a) {
            if (!x.is_number_integer() || x.get<int64_t>() < 0 || x.get<int64_t>() >= vocab)
              throw InputError(where,
                               "\"ids\" entries must be integers in [0, " + std::to_string(vocab) + ")");
            ids.push_back(x.get<int64_t>());
          }
        } else if (j.contains("text")) {
          if (!m.tokenizer)
            throw InputError(where,
                             "\"text\" given but " + opt.model + " has no tokenizer.json or tokenizer.model",
                             "give {\"ids\": [...]} instead");
          std::string text = require_string(j, "text", where);
          if (opt.chat) text = format_chat(m.chat, "", text, m.model->config().model_type == "qwen3");
          ids = m.tokenizer->encode(text);
          if (ids.empty()) throw InputError(where, "text encodes to no tokens");
        } else {
          throw InputError(where, "missing field \"text\" or \"ids\"");
        }
        seqs.push_back(std::move(ids));
      });
  bad.report(opt.input);

  const int64_t H = m.model->config().hidden_size;
  auto out = torch::zeros({static_cast<int64_t>(seqs.size()), H}, torch::kFloat32);
  // Similar lengths batch together (less padding); results go back to input order.
  std::vector<size_t> order(seqs.size());
  for (size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::stable_sort(order.begin(), order.end(),
                   [&](size_t a, size_t b) { return seqs[a].size() < seqs[b].size(); });
  Progress progress("embed", seqs.size(), "sequences");
  int64_t tokens = 0;
  c10::InferenceMode guard;
  for (size_t start = 0; start < order.size(); start += static_cast<size_t>(opt.batch)) {
    const size_t end = std::min(order.size(), start + static_cast<size_t>(opt.batch));
    std::vector<std::vector<int64_t>> batch;
    for (size_t k = start; k < end; ++k) {
      batch.push_back(seqs[order[k]]);
      tokens += static_cast<int64_t>(seqs[order[k]].size());
    }
    torch::Tensor ids, mask, pos;
    pad_left(batch, ids, mask, pos);
    ids = ids.to(dev);
    mask = mask.to(dev);
    pos = pos.to(dev);
    auto pooled = pool_hidden(m.model->forward(ids, mask, pos), mask, pooling, opt.normalize)
                      .to(torch::kCPU, torch::kFloat32);  // [b, H]
    for (size_t k = start; k < end; ++k)
      out[static_cast<int64_t>(order[k])] = pooled[static_cast<int64_t>(k - start)];
    progress.advance(end - start);
  }
  progress.finish();
  SafetensorsWriter w;
  add_tensor(w, "embeddings", out);
  w.set_metadata("model", opt.model);
  w.set_metadata("pooling", opt.pooling);
  w.write(opt.out);
  spdlog::info("{} embeddings [{} x {}] -> {} ({} tokens/s)", seqs.size(), seqs.size(), H, opt.out,
               human_count(static_cast<double>(tokens) / std::max(1e-9, progress.elapsed_s())));
  return static_cast<int64_t>(seqs.size());
}

std::string run_generate(const GenerateCliOptions& opt) {
  at::set_num_threads(opt.threads);
  LoadedModel m = load_model(opt.model, opt.dtype, opt.device);
  if (!m.tokenizer)
    throw InputError(opt.model, "no tokenizer.json or tokenizer.model", "generate needs a tokenizer");
  std::string prompt =
      opt.chat ? format_chat(m.chat, "", opt.prompt, m.model->config().model_type == "qwen3") : opt.prompt;
  GenerationOptions g;
  g.max_new_tokens = opt.max_new_tokens;
  g.temperature = opt.temperature;
  g.top_k = opt.top_k;
  g.top_p = opt.top_p;
  g.seed = opt.seed;
  g.stop_tokens = m.model->config().eos_token_ids;
  for (const char* stop : {"<|im_end|>", "<|eot_id|>", "<|endoftext|>"}) {
    const int64_t id = m.tokenizer->token_id(stop);
    if (id >= 0) g.stop_tokens.push_back(id);
  }
  g.pooled_mean = false;  // the text alone is read
  std::vector<int64_t> ids = m.tokenizer->encode(prompt);
  GenerationResult r = generate(*m.model, {ids}, g);
  std::vector<int64_t> toks = r.tokens[0];
  if (!toks.empty() &&
      std::find(g.stop_tokens.begin(), g.stop_tokens.end(), toks.back()) != g.stop_tokens.end())
    toks.pop_back();
  return m.tokenizer->decode(toks);
}

}  // namespace rgalign
