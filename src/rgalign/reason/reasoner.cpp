// Reasoner: latent queries from a decoder checkpoint.
#include "rgalign/reason/reasoner.h"

#include <algorithm>
#include <filesystem>
#include <limits>
#include <mutex>
#include <numeric>
#include <unordered_map>

#include "rgalign/common/error.h"
#include "rgalign/common/hash.h"
#include "rgalign/common/logging.h"
#include "rgalign/common/progress.h"
#include "rgalign/llm/embedder.h"
#include "rgalign/llm/generate.h"
#include "rgalign/llm/parallel.h"
#include "rgalign/llm/shared_prompt.h"

namespace rgalign {

namespace fs = std::filesystem;

std::string checkpoint_hash(const std::string& dir) {
  if (!fs::is_directory(dir)) throw InputError(dir, "reasoner directory not found");
  std::vector<std::string> files;
  for (const auto& e : fs::directory_iterator(dir)) {
    const std::string name = e.path().filename().string();
    const bool weights = e.path().extension() == ".safetensors" || name == "model.safetensors.index.json";
    if (e.is_regular_file() && (weights || name == "config.json" || name == "tokenizer.json" ||
                                name == "tokenizer.model" || name == "tokenizer_config.json"))
      files.push_back(name);
  }
  std::sort(files.begin(), files.end());
  if (std::find(files.begin(), files.end(), "config.json") == files.end())
    throw InputError(dir, "no config.json: not a model directory");
  std::string material;
  for (const auto& f : files) material += f + " " + sha256_file((fs::path(dir) / f).string()) + "\n";
  return sha256_hex(material);
}

std::unique_ptr<Reasoner> Reasoner::load(const std::string& dir, const std::string& device) {
  std::unique_ptr<Reasoner> r(new Reasoner());
  r->dir_ = dir;
  r->hash_ = rgalign::checkpoint_hash(dir);
  r->device_ = parse_device_flag(device);
  r->model_ = Decoder::load(dir, torch::kFloat32);
  r->model_->to(r->device_);
  r->model_->eval();
  r->tokenizer_ = load_tokenizer(dir);
  if (!r->tokenizer_)
    throw InputError(dir, "no tokenizer.json or tokenizer.model", "a reasoner needs its tokenizer");
  const bool llama3 = r->tokenizer_->token_id("<|start_header_id|>") >= 0;
  r->chat_ = chat_format_for(r->model_->config().model_type, llama3);
  r->stop_tokens_ = r->model_->config().eos_token_ids;
  for (const char* stop : {"<|im_end|>", "<|eot_id|>", "<|endoftext|>"}) {
    const int64_t id = r->tokenizer_->token_id(stop);
    if (id >= 0) r->stop_tokens_.push_back(id);
  }
  return r;
}

std::string Reasoner::format(const std::string& user_message, const std::string& system) const {
  if (chat_ == ChatFormat::kNone) return user_message;
  return format_chat(chat_, system, user_message, model_->config().model_type == "qwen3");
}

std::vector<int64_t> Reasoner::prompt_ids(const std::string& user_message, int max_prompt_tokens,
                                          const std::string& system) const {
  const auto& cfg = model_->config();
  std::vector<int64_t> s = tokenizer_->encode(format(user_message, system));
  if (cfg.model_type == "llama" && cfg.bos_token_id >= 0 && (s.empty() || s.front() != cfg.bos_token_id))
    s.insert(s.begin(), cfg.bos_token_id);
  if (static_cast<int>(s.size()) > max_prompt_tokens) s.erase(s.begin(), s.end() - max_prompt_tokens);
  if (s.empty()) throw InputError("latent queries", "a prompt encodes to no tokens");
  for (int64_t id : s)
    if (id < 0 || id >= cfg.vocab_size)
      throw InputError(dir_,
                       "the tokenizer gives token id " + std::to_string(id) +
                           " outside the model's vocabulary of " + std::to_string(cfg.vocab_size),
                       "tokenizer and weights are from different checkpoints");
  return s;
}

std::vector<int64_t> Reasoner::text_ids(const std::string& text) const {
  std::vector<int64_t> s = tokenizer_->encode(text);
  for (int64_t id : s)
    if (id < 0 || id >= model_->config().vocab_size)
      throw InputError(dir_,
                       "the tokenizer gives token id " + std::to_string(id) + " outside the vocabulary");
  return s;
}

LatentQueries Reasoner::embed_continued(const std::vector<std::string>& messages,
                                        const std::vector<std::string>& texts, int batch,
                                        const std::string& label, bool mean) {
  RG_ASSERT(messages.size() == texts.size(), "one text per message");
  const auto N = static_cast<int64_t>(messages.size());
  const int64_t H = hidden_size();
  LatentQueries out;
  out.last = torch::zeros({N, H}, torch::kFloat32);
  out.mean = torch::zeros({N, H}, torch::kFloat32);
  out.query = torch::zeros({N, H}, torch::kFloat32);
  out.texts = texts;
  // Rows that repeat a message share its prompt: the prompts, once each, and every row's text.
  std::unordered_map<std::string, size_t> unit_of;
  std::vector<size_t> unit_first, row_unit(messages.size());
  for (size_t i = 0; i < messages.size(); ++i) {
    const auto [it, fresh] = unit_of.emplace(messages[i], unit_first.size());
    if (fresh) unit_first.push_back(i);
    row_unit[i] = it->second;
  }
  std::vector<std::vector<int64_t>> prompt(unit_first.size()), text(messages.size());
  parallel_items(unit_first.size(), [&](size_t u) { prompt[u] = prompt_ids(messages[unit_first[u]]); });
  parallel_items(messages.size(), [&](size_t i) { text[i] = text_ids(texts[i]); });
  std::unique_ptr<Progress> progress;
  if (!label.empty() && N > 0)
    progress = std::make_unique<Progress>(label, static_cast<uint64_t>(N), "texts");
  std::mutex mu;  // progress, out.computed
  auto put = [&](const std::vector<int64_t>& rows, const torch::Tensor& last, const torch::Tensor& mean,
                 const torch::Tensor& query) {  // [b, H] each, for out's rows `rows`
    auto sel = torch::tensor(rows, torch::kInt64);
    std::lock_guard<std::mutex> lock(mu);
    out.last.index_copy_(0, sel, last.to(torch::kCPU, torch::kFloat32));
    out.mean.index_copy_(0, sel, mean.to(torch::kCPU, torch::kFloat32));
    out.query.index_copy_(0, sel, query.to(torch::kCPU, torch::kFloat32));
    out.computed += static_cast<int64_t>(rows.size());
    if (progress) progress->advance(rows.size());
  };
  // Prompts of similar lengths batch together (less padding), longest first (see embed()).
  std::vector<size_t> order(unit_first.size());
  std::iota(order.begin(), order.end(), size_t{0});
  std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) {
    return prompt[a].size() + text[unit_first[a]].size() > prompt[b].size() + text[unit_first[b]].size();
  });
  if (unit_first.size() < messages.size()) {
    // Some prompts have several texts (teacher candidates): each batch of `batch` prompts runs them once and
    // continues each with all of its texts (llm/shared_prompt.h).
    std::vector<std::vector<size_t>> unit_rows(unit_first.size());
    for (size_t i = 0; i < messages.size(); ++i) unit_rows[row_unit[i]].push_back(i);
    parallel_ranges(
        order.size(), static_cast<size_t>(batch),
        [&](size_t, size_t start, size_t end) {
          c10::InferenceMode guard;
          std::vector<std::vector<int64_t>> prompts, row_texts;
          std::vector<int64_t> row_prompt, rows;
          for (size_t k = start; k < end; ++k) {
            prompts.push_back(prompt[order[k]]);
            for (size_t i : unit_rows[order[k]]) {
              row_prompt.push_back(static_cast<int64_t>(k - start));
              row_texts.push_back(text[i]);
              rows.push_back(static_cast<int64_t>(i));
            }
          }
          const ContinuedPoolings p =
              embed_after_shared_prompts(*model_, prompts, row_prompt, row_texts, mean);
          put(rows, p.last, p.mean, p.query);
        },
        device_.is_cpu());
  } else {
    // Every prompt once: each row is one sequence, prompt + text.
    parallel_ranges(
        order.size(), static_cast<size_t>(batch),
        [&](size_t, size_t start, size_t end) {
          c10::InferenceMode guard;
          std::vector<std::vector<int64_t>> b;
          std::vector<int64_t> rows;
          for (size_t k = start; k < end; ++k) {
            const size_t i = unit_first[order[k]];
            b.push_back(prompt[order[k]]);
            b.back().insert(b.back().end(), text[i].begin(), text[i].end());
            rows.push_back(static_cast<int64_t>(i));
          }
          torch::Tensor tid, mask, pos;
          pad_left(b, tid, mask, pos);
          mask = mask.to(device_);
          // Query pooling: rows are left-padded, so each row's text is its last text_len positions (its last
          // token alone when it has no text). Without the mean only the longest text's span is computed.
          std::vector<int64_t> span_len(rows.size());
          for (size_t k = 0; k < rows.size(); ++k)
            span_len[k] =
                std::max<int64_t>(1, static_cast<int64_t>(text[static_cast<size_t>(rows[k])].size()));
          const int64_t longest = *std::max_element(span_len.begin(), span_len.end());
          auto hidden = model_->forward(tid.to(device_), mask, pos.to(device_), nullptr, nullptr,
                                        mean ? 0 : longest);  // [b, T or longest, H]
          const int64_t T = hidden.size(1);
          auto span = torch::zeros({static_cast<int64_t>(b.size()), T}, torch::kInt64);  // [b, T]
          for (size_t k = 0; k < rows.size(); ++k)
            span[static_cast<int64_t>(k)].narrow(0, T - span_len[k], span_len[k]).fill_(1);
          auto last = hidden.select(1, T - 1);  // [b, H]
          put(rows, last,
              mean ? pool_hidden(hidden, mask, Pooling::kMean, false)
                   : torch::full_like(last, std::numeric_limits<float>::quiet_NaN()),
              pool_hidden(hidden, span.to(device_), Pooling::kMean, false));
        },
        device_.is_cpu());
  }
  if (progress) progress->finish();
  return out;
}

LatentQueries Reasoner::embed(const std::vector<std::string>& messages, const LatentQueryOptions& opt,
                              LatentCache* cache, const std::string& label) {
  if (opt.batch < 1) throw InputError("latent queries", "batch must be at least 1");
  if (opt.max_new_tokens < 0) throw InputError("latent queries", "max_new_tokens must be >= 0");
  if (opt.max_prompt_tokens < 1) throw InputError("latent queries", "max_prompt_tokens must be at least 1");
  if (cache && cache->dim() != hidden_size())
    throw InputError("latent cache", "cache vectors have size " + std::to_string(cache->dim()) +
                                         ", the reasoner's hidden size is " + std::to_string(hidden_size()));
  const auto N = static_cast<int64_t>(messages.size());
  const int64_t H = hidden_size();
  LatentQueries out;
  out.last = torch::zeros({N, H}, torch::kFloat32);
  out.mean = torch::zeros({N, H}, torch::kFloat32);
  out.query = torch::zeros({N, H}, torch::kFloat32);
  out.texts.assign(messages.size(), "");
  float* lp = out.last.data_ptr<float>();
  float* mp = out.mean.data_ptr<float>();
  float* qp = out.query.data_ptr<float>();

  // Cache hits are copied; the first occurrence of each missing key is computed, repeats copy it after.
  std::vector<std::string> keys(messages.size());
  std::vector<std::string> texts(messages.size());
  std::unordered_map<std::string, size_t> first;
  std::vector<size_t> todo, repeats;
  for (size_t i = 0; i < messages.size(); ++i) {
    texts[i] = format(messages[i]);
    // Without the mean, an entry computed with every pooling serves as well (its mean is then filled too).
    const auto read_keys = latent_read_keys(hash_, opt.max_new_tokens, texts[i], opt.mean);
    keys[i] = read_keys.front();
    if (cache &&
        cache->lookup_first(read_keys, lp + static_cast<int64_t>(i) * H, mp + static_cast<int64_t>(i) * H,
                            qp + static_cast<int64_t>(i) * H, &out.texts[i])) {
      ++out.cached;
    } else if (first.emplace(keys[i], i).second) {
      todo.push_back(i);
    } else {
      repeats.push_back(i);
    }
  }

  std::vector<std::vector<int64_t>> ids(messages.size());
  parallel_items(todo.size(),
                 [&](size_t k) { ids[todo[k]] = prompt_ids(messages[todo[k]], opt.max_prompt_tokens + 1); });
  int64_t truncated = 0;
  for (size_t i : todo) {
    if (static_cast<int>(ids[i].size()) > opt.max_prompt_tokens) {
      ids[i].erase(ids[i].begin(), ids[i].end() - opt.max_prompt_tokens);
      ++truncated;
    }
  }
  if (truncated > 0)
    spdlog::warn("latent queries: {} prompt(s) longer than {} tokens keep their last {} tokens", truncated,
                 opt.max_prompt_tokens, opt.max_prompt_tokens);
  // Similar lengths batch together (less padding), longest first: each batch's buffers then fit in the heap
  // space the previous, larger batch freed (in increasing order the heap fragments and grows with every
  // batch).
  std::stable_sort(todo.begin(), todo.end(),
                   [&](size_t a, size_t b) { return ids[a].size() > ids[b].size(); });
  // Computed entries reach the cache in bulk: small long-lived allocations made between batches would split
  // the heap space the batch buffers free, and the heap would grow with every batch.
  // They go in todo's order, whichever thread finishes its batch first, so that the cache's files are the same
  // from run to run: todo[stored, ready) are computed and not yet stored, every batch before `ready` finished.
  size_t stored = 0, ready = 0;
  auto store = [&]() {
    if (!cache) return;
    for (; stored < ready; ++stored) {
      const size_t i = todo[stored];
      cache->put(keys[i], lp + static_cast<int64_t>(i) * H, mp + static_cast<int64_t>(i) * H,
                 qp + static_cast<int64_t>(i) * H, out.texts[i]);
    }
    cache->flush();
  };
  std::unique_ptr<Progress> progress;
  if (!label.empty() && !todo.empty()) progress = std::make_unique<Progress>(label, todo.size(), "prompts");
  std::mutex mu;  // stored, ready, finished, the cache, progress, out.computed
  const auto B = static_cast<size_t>(opt.batch);
  std::vector<char> finished((todo.size() + B - 1) / B, 0);
  size_t next_batch = 0;  // the first batch not finished
  // Batches on the CPU run one per intra-op thread (llm/parallel.h); a batch's rows are the same either way.
  parallel_ranges(todo.size(), B, [&](size_t bi, size_t start, size_t end) {
    c10::InferenceMode guard;
    std::vector<std::vector<int64_t>> batch;
    for (size_t k = start; k < end; ++k) batch.push_back(ids[todo[k]]);
    torch::Tensor last, mean, query;  // [b, H]
    if (opt.max_new_tokens > 0) {
      // The states computed while generating give both poolings over prompt + latent-query text.
      GenerationOptions g;
      g.max_new_tokens = opt.max_new_tokens;
      g.stop_tokens = stop_tokens_;
      g.pooled_mean = opt.mean;
      GenerationResult gen = generate(*model_, batch, g);
      for (size_t k = 0; k < batch.size(); ++k) {
        std::vector<int64_t> t = gen.tokens[k];
        if (!t.empty() && std::find(stop_tokens_.begin(), stop_tokens_.end(), t.back()) != stop_tokens_.end())
          t.pop_back();
        out.texts[todo[start + k]] = tokenizer_->decode(t);
      }
      last = gen.pooled_last;
      mean = gen.pooled_mean;
      query = gen.pooled_query;
    } else {
      torch::Tensor tid, mask, pos;
      pad_left(batch, tid, mask, pos);
      mask = mask.to(device_);
      auto hidden = model_->forward(tid.to(device_), mask, pos.to(device_), nullptr, nullptr,
                                    opt.mean ? 0 : 1);  // [b, T, H], or [b, 1, H] without the mean
      last = hidden.select(1, hidden.size(1) - 1);      // left padding: every row's last token last
      mean = opt.mean ? pool_hidden(hidden, mask, Pooling::kMean, false)
                      : torch::full_like(last, std::numeric_limits<float>::quiet_NaN());
      query = last;  // no text: the prompt's last token
    }
    last = last.to(torch::kCPU, torch::kFloat32).contiguous();
    mean = mean.to(torch::kCPU, torch::kFloat32).contiguous();
    query = query.to(torch::kCPU, torch::kFloat32).contiguous();
    for (size_t k = 0; k < batch.size(); ++k) {
      const size_t i = todo[start + k];
      const float* l = last.data_ptr<float>() + static_cast<int64_t>(k) * H;
      const float* m = mean.data_ptr<float>() + static_cast<int64_t>(k) * H;
      const float* q = query.data_ptr<float>() + static_cast<int64_t>(k) * H;
      std::copy(l, l + H, lp + static_cast<int64_t>(i) * H);
      std::copy(m, m + H, mp + static_cast<int64_t>(i) * H);
      std::copy(q, q + H, qp + static_cast<int64_t>(i) * H);
    }
    std::lock_guard<std::mutex> lock(mu);
    finished[bi] = 1;
    while (next_batch < finished.size() && finished[next_batch]) ++next_batch;
    ready = std::min(todo.size(), next_batch * B);
    out.computed += static_cast<int64_t>(batch.size());
    if (ready - stored >= 8192) store();  // a killed run keeps what was stored
    if (progress) progress->advance(batch.size());
  }, device_.is_cpu());
  if (progress) progress->finish();
  store();
  for (size_t i : repeats) {
    const size_t src = first.at(keys[i]);
    out.last[static_cast<int64_t>(i)] = out.last[static_cast<int64_t>(src)];
    out.mean[static_cast<int64_t>(i)] = out.mean[static_cast<int64_t>(src)];
    out.query[static_cast<int64_t>(i)] = out.query[static_cast<int64_t>(src)];
    out.texts[i] = out.texts[src];
    ++out.cached;
  }
  if (!label.empty())
    spdlog::info(
        "{}: {} prompts, {} from the cache, {} computed ({} prompts/s)", label, messages.size(), out.cached,
        out.computed,
        human_count(progress ? static_cast<double>(out.computed) / std::max(1e-9, progress->elapsed_s())
                             : 0.0));
  return out;
}

}  // namespace rgalign
