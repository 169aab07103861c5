// Latent-query cache.
#include "rgalign/reason/latent_cache.h"

#include <cstdio>
#include <cstring>
#include <filesystem>

#include "rgalign/common/atomic_file.h"
#include "rgalign/common/error.h"
#include "rgalign/common/hash.h"
#include "rgalign/common/json_util.h"
#include "rgalign/llm/safetensors.h"

namespace rgalign {

namespace fs = std::filesystem;

namespace {
constexpr int kCacheVersion = 2;  // 2: the query-pooled vector joined last and mean
}

std::string latent_key(const std::string& checkpoint_hash, int max_new_tokens, const std::string& prompt,
                       bool with_mean) {
  std::string material = std::string(with_mean ? "rgalign-latent/1\n" : "rgalign-latent-nomean/1\n") +
                         checkpoint_hash + "\n" + std::to_string(max_new_tokens) + "\n";
  material += prompt;
  return sha256_hex(material);
}

std::string continued_latent_key(const std::string& checkpoint_hash, const std::string& prompt,
                                 const std::string& text, bool with_mean) {
  std::string material =
      std::string(with_mean ? "rgalign-latent-continued/1\n" : "rgalign-latent-continued-nomean/1\n") +
      checkpoint_hash + "\n" + std::to_string(prompt.size()) + "\n";
  material += prompt;
  material += text;
  return sha256_hex(material);
}

LatentCache::LatentCache(std::string dir, int64_t dim) : dir_(std::move(dir)), dim_(dim) {
  if (dim_ < 1) throw InputError(dir_, "latent cache dimension must be positive");
  make_dirs(dir_);
  const std::string index_path = (fs::path(dir_) / "index.json").string();
  if (!fs::exists(index_path)) return;
  Json index = read_json_file(index_path);
  if (!index.is_object() || !index.contains("version") || !index.contains("dim") ||
      !index.contains("shards") || !index["shards"].is_array())
    throw InputError(index_path, "not a latent cache index (needs version, dim, shards)");
  if (index["version"] != kCacheVersion)
    throw InputError(
        index_path,
        "cache version " + index["version"].dump() + ", expected " + std::to_string(kCacheVersion),
        "delete the cache directory: its entries are computed again as they are needed");
  if (index["dim"] != dim_)
    throw InputError(
        index_path,
        "cache holds vectors of size " + index["dim"].dump() + ", the reasoner gives " + std::to_string(dim_),
        "use another --cache directory");
  for (const auto& s : index["shards"]) {
    if (!s.is_string()) throw InputError(index_path, "shard names must be strings");
    load_shard(s.get<std::string>());
  }
  flushed_rows_ = size();
}

LatentCache::~LatentCache() {
  try {
    flush();
  } catch (...) {  // a destructor must not throw; the entries are recomputed next time
  }
}

void LatentCache::load_shard(const std::string& name) {
  if (name.find('/') != std::string::npos || name.find("..") != std::string::npos)
    throw InputError((fs::path(dir_) / "index.json").string(), "invalid shard name \"" + name + "\"");
  const std::string path = (fs::path(dir_) / name).string();
  auto f = SafetensorsFile::open(path);
  const TensorView& last = f->at("last");
  const TensorView& mean = f->at("mean");
  const TensorView& query = f->at("query");
  for (const TensorView* t : {&last, &mean, &query})
    if (t->dtype != DType::kF32 || t->shape.size() != 2 || t->shape[1] != dim_)
      throw InputError(path, "tensor \"" + t->name + "\" must be F32 [n, " + std::to_string(dim_) + "]");
  if (last.shape[0] != mean.shape[0] || last.shape[0] != query.shape[0])
    throw InputError(path, "\"last\", \"mean\" and \"query\" differ in rows");
  const auto meta = f->metadata();
  if (!meta.count("keys") || !meta.count("texts")) throw InputError(path, "metadata needs keys and texts");
  Json keys = parse_json(meta.at("keys"), path + " metadata keys");
  Json texts = parse_json(meta.at("texts"), path + " metadata texts");
  const int64_t n = last.shape[0];
  if (!keys.is_array() || !texts.is_array() || static_cast<int64_t>(keys.size()) != n ||
      static_cast<int64_t>(texts.size()) != n)
    throw InputError(path, "metadata keys and texts must be arrays of " + std::to_string(n) + " entries");
  const auto* lp = reinterpret_cast<const float*>(last.data);
  const auto* mp = reinterpret_cast<const float*>(mean.data);
  const auto* qp = reinterpret_cast<const float*>(query.data);
  for (int64_t i = 0; i < n; ++i) {
    if (!keys[static_cast<size_t>(i)].is_string() || !texts[static_cast<size_t>(i)].is_string())
      throw InputError(path, "metadata keys and texts must hold strings");
    const std::string key = keys[static_cast<size_t>(i)].get<std::string>();
    if (rows_.count(key)) continue;
    rows_[key] = static_cast<int64_t>(texts_.size());
    last_.insert(last_.end(), lp + i * dim_, lp + (i + 1) * dim_);
    mean_.insert(mean_.end(), mp + i * dim_, mp + (i + 1) * dim_);
    query_.insert(query_.end(), qp + i * dim_, qp + (i + 1) * dim_);
    texts_.push_back(texts[static_cast<size_t>(i)].get<std::string>());
  }
  shards_.push_back(name);
}

std::vector<std::string> latent_read_keys(const std::string& checkpoint_hash, int max_new_tokens,
                                          const std::string& prompt, bool with_mean) {
  std::vector<std::string> keys = {latent_key(checkpoint_hash, max_new_tokens, prompt, with_mean)};
  if (!with_mean) keys.push_back(latent_key(checkpoint_hash, max_new_tokens, prompt, true));
  return keys;
}

std::vector<std::string> continued_latent_read_keys(const std::string& checkpoint_hash,
                                                    const std::string& prompt, const std::string& text,
                                                    bool with_mean) {
  std::vector<std::string> keys = {continued_latent_key(checkpoint_hash, prompt, text, with_mean)};
  if (!with_mean) keys.push_back(continued_latent_key(checkpoint_hash, prompt, text, true));
  return keys;
}

bool LatentCache::lookup(const std::string& key, float* last, float* mean, float* query,
                         std::string* text) const {
  return lookup_first({key}, last, mean, query, text);
}

bool LatentCache::lookup_first(const std::vector<std::string>& keys, float* last, float* mean, float* query,
                               std::string* text) const {
  auto it = rows_.end();
  for (const auto& key : keys)
    if ((it = rows_.find(key)) != rows_.end()) break;
  if (it == rows_.end()) {
    ++misses_;
    return false;
  }
  ++hits_;
  const int64_t r = it->second;
  if (last) std::memcpy(last, last_.data() + r * dim_, sizeof(float) * static_cast<size_t>(dim_));
  if (mean) std::memcpy(mean, mean_.data() + r * dim_, sizeof(float) * static_cast<size_t>(dim_));
  if (query) std::memcpy(query, query_.data() + r * dim_, sizeof(float) * static_cast<size_t>(dim_));
  if (text) *text = texts_[static_cast<size_t>(r)];
  return true;
}

void LatentCache::put(const std::string& key, const float* last, const float* mean, const float* query,
                      const std::string& text) {
  if (rows_.count(key)) return;
  rows_[key] = static_cast<int64_t>(texts_.size());
  last_.insert(last_.end(), last, last + dim_);
  mean_.insert(mean_.end(), mean, mean + dim_);
  query_.insert(query_.end(), query, query + dim_);
  texts_.push_back(text);
}

std::vector<std::string> LatentCache::pending_keys() const {
  std::vector<std::string> keys(static_cast<size_t>(size() - flushed_rows_));
  for (const auto& [key, row] : rows_)
    if (row >= flushed_rows_) keys[static_cast<size_t>(row - flushed_rows_)] = key;
  return keys;
}

void LatentCache::flush() {
  const int64_t n = size() - flushed_rows_;
  if (n == 0 || !writable_) return;
  Json jkeys = pending_keys();
  Json jtexts = std::vector<std::string>(texts_.begin() + flushed_rows_, texts_.end());
  SafetensorsWriter w;
  const size_t bytes = sizeof(float) * static_cast<size_t>(n * dim_);
  w.add("last", DType::kF32, {n, dim_}, last_.data() + flushed_rows_ * dim_, bytes);
  w.add("mean", DType::kF32, {n, dim_}, mean_.data() + flushed_rows_ * dim_, bytes);
  w.add("query", DType::kF32, {n, dim_}, query_.data() + flushed_rows_ * dim_, bytes);
  w.set_metadata("keys", jkeys.dump());
  w.set_metadata("texts", jtexts.dump(-1, ' ', false, Json::error_handler_t::replace));
  char name[32];
  int next = static_cast<int>(shards_.size());
  do {
    std::snprintf(name, sizeof name, "shard-%05d.safetensors", next++);
  } while (fs::exists(fs::path(dir_) / name));
  w.write((fs::path(dir_) / name).string());
  shards_.push_back(name);
  write_json_file((fs::path(dir_) / "index.json").string(),
                  {{"version", kCacheVersion}, {"dim", dim_}, {"shards", shards_}});
  flushed_rows_ = size();
}

std::string LatentCache::pending_bytes() const {
  const int64_t n = size() - flushed_rows_;
  const Json head = {{"keys", pending_keys()},
                     {"texts", std::vector<std::string>(texts_.begin() + flushed_rows_, texts_.end())}};
  const std::vector<uint8_t> h = Json::to_cbor(head);
  const uint64_t head_n = h.size();
  std::string out(reinterpret_cast<const char*>(&head_n), sizeof head_n);
  out.append(h.begin(), h.end());
  const size_t bytes = sizeof(float) * static_cast<size_t>(n * dim_);
  out.append(reinterpret_cast<const char*>(last_.data() + flushed_rows_ * dim_), bytes);
  out.append(reinterpret_cast<const char*>(mean_.data() + flushed_rows_ * dim_), bytes);
  out.append(reinterpret_cast<const char*>(query_.data() + flushed_rows_ * dim_), bytes);
  return out;
}

void LatentCache::put_bytes(const std::string& bytes) {
  uint64_t head_n = 0;
  RG_ASSERT(bytes.size() >= sizeof head_n, "truncated latent-cache entries");
  std::memcpy(&head_n, bytes.data(), sizeof head_n);
  RG_ASSERT(bytes.size() >= sizeof head_n + head_n, "truncated latent-cache entries");
  const auto* h = reinterpret_cast<const uint8_t*>(bytes.data() + sizeof head_n);
  const Json head = Json::from_cbor(h, h + head_n);
  const auto keys = head.at("keys").get<std::vector<std::string>>();
  const auto texts = head.at("texts").get<std::vector<std::string>>();
  const size_t n = keys.size(), row_bytes = sizeof(float) * static_cast<size_t>(dim_);
  RG_ASSERT(texts.size() == n && bytes.size() == sizeof head_n + head_n + 3 * n * row_bytes,
            "latent-cache entries of another size");
  const char* last = bytes.data() + sizeof head_n + head_n;
  const char* mean = last + n * row_bytes;
  const char* query = mean + n * row_bytes;
  std::vector<float> l(static_cast<size_t>(dim_)), m(static_cast<size_t>(dim_)), q(static_cast<size_t>(dim_));
  for (size_t i = 0; i < n; ++i) {
    std::memcpy(l.data(), last + i * row_bytes, row_bytes);
    std::memcpy(m.data(), mean + i * row_bytes, row_bytes);
    std::memcpy(q.data(), query + i * row_bytes, row_bytes);
    put(keys[i], l.data(), m.data(), q.data(), texts[i]);
  }
}

void LatentCache::drop_pending() {
  flushed_rows_ = size();
}

}  // namespace rgalign
