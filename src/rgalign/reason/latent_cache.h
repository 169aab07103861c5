// The latent-query cache: pooled reasoner embeddings (last-token, mean and query pooling, all from one
// forward pass; llm/pooling.h) and the generated latent-query text, keyed by latent_key(): a hash of the
// reasoner's checkpoint hash, the generation settings and the exact prompt. Repeated contexts cost nothing; a
// changed checkpoint changes every key, so it never serves stale vectors.
//
// On disk: shard-NNNNN.safetensors ("last", "mean", "query" [n, H] float32; metadata "keys" and "texts", JSON
// arrays) and index.json ({"version", "dim", "shards": [...]}), each written atomically. A shard is written
// before the index names it, so a killed run loses at most the entries of its last unflushed shard.
#pragma once

#include <cstdint>
#include <string>
#include <unordered_map>
#include <vector>

namespace rgalign {

// Hex SHA-256 identifying one latent query: same checkpoint, same generation settings, same prompt. An entry
// computed without the mean pooling (LatentQueryOptions::mean off; its mean is NaN) has a key of its own
// (with_mean false), so that it never serves a reader of the mean; an entry with every pooling serves any
// reader.
std::string latent_key(const std::string& checkpoint_hash, int max_new_tokens, const std::string& prompt,
                       bool with_mean = true);
// The key of a prompt followed by a given latent-query text (a teacher's, Reasoner::embed_continued): never
// equal to a latent_key(), whatever the prompt; with_mean as there.
std::string continued_latent_key(const std::string& checkpoint_hash, const std::string& prompt,
                                 const std::string& text, bool with_mean = true);
// The keys a reader looks one up under, for LatentCache::lookup_first: its own (the one it stores under,
// first), then, for a reader without the mean, the entry computed with every pooling.
std::vector<std::string> latent_read_keys(const std::string& checkpoint_hash, int max_new_tokens,
                                          const std::string& prompt, bool with_mean);
std::vector<std::string> continued_latent_read_keys(const std::string& checkpoint_hash,
                                                    const std::string& prompt, const std::string& text,
                                                    bool with_mean);

class LatentCache {
 public:
  // Opens (or creates) the cache in `dir` for vectors of size `dim`; an existing cache of another size is an
  // InputError naming its index. Every listed shard is read into memory.
  LatentCache(std::string dir, int64_t dim);
  ~LatentCache();
  LatentCache(const LatentCache&) = delete;
  LatentCache& operator=(const LatentCache&) = delete;

  int64_t dim() const { return dim_; }
  int64_t size() const { return static_cast<int64_t>(rows_.size()); }
  bool contains(const std::string& key) const { return rows_.count(key) > 0; }
  // Copies the entry into last/mean/query (dim floats each; any may be null) and text (may be null); false on
  // a miss.
  bool lookup(const std::string& key, float* last, float* mean, float* query, std::string* text) const;
  // The same for the first of `keys` present (one hit or one miss).
  bool lookup_first(const std::vector<std::string>& keys, float* last, float* mean, float* query,
                    std::string* text) const;
  // Adds an entry (held in memory, then written with the next shard). A key already present is left as is.
  void put(const std::string& key, const float* last, const float* mean, const float* query,
           const std::string& text);
  // Writes the entries added since the last flush as a new shard and updates the index. A cache that is not
  // writable keeps them pending instead.
  void flush();
  // Distributed embedding: ranks other than the root hold their new entries (set_writable(false)), hand them
  // over as bytes, and the root adds them and flushes, so the shards of all ranks merge into one cache that
  // only one process ever writes.
  void set_writable(bool writable) { writable_ = writable; }
  std::string pending_bytes() const;         // the entries added since the last flush
  void put_bytes(const std::string& bytes);  // adds entries packed by pending_bytes()
  void drop_pending();                       // forgets that entries are pending (another process wrote them)
  int64_t hits() const { return hits_; }
  int64_t misses() const { return misses_; }

 private:
  void load_shard(const std::string& name);
  std::vector<std::string> pending_keys() const;  // of the rows added since the last flush, in row order
  std::string dir_;
  int64_t dim_;
  std::vector<std::string> shards_;
  std::unordered_map<std::string, int64_t> rows_;  // key -> row in last_/mean_/query_/texts_
  std::vector<float> last_, mean_, query_;
  std::vector<std::string> texts_;
  int64_t flushed_rows_ = 0;
  bool writable_ = true;
  mutable int64_t hits_ = 0, misses_ = 0;
};

}  // namespace rgalign
