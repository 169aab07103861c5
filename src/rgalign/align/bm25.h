// Okapi BM25 over the Knowledge Base's intent texts, and the KB-retrieval teacher built on it: the intents
// whose text best matches a request's rendered features, written as a latent query. It needs nothing but the
// dataset.
#pragma once

#include <string>
#include <unordered_map>
#include <vector>

#include "rgalign/data/intents.h"

namespace rgalign {

// Lower-cased alphanumeric words, common English function words removed.
std::vector<std::string> bm25_terms(const std::string& text);

class Bm25Index {
 public:
  // One document per text; k1 and b as in Robertson & Zaragoza (2009).
  explicit Bm25Index(const std::vector<std::string>& docs, double k1 = 1.2, double b = 0.75);
  // BM25 score of document `doc` for the query's terms (repeated query terms count once).
  double score(const std::vector<std::string>& query_terms, size_t doc) const;
  // The k best documents among `among` (all when empty), best first; ties keep `among` order.
  std::vector<size_t> top(const std::string& query, const std::vector<size_t>& among, int k) const;
  size_t size() const { return docs_.size(); }

 private:
  double k1_, b_, avg_len_ = 0;
  std::vector<std::unordered_map<std::string, int>> docs_;  // term frequencies per document
  std::vector<int> lengths_;
  std::unordered_map<std::string, int> df_;  // documents containing the term
};

// The KB-retrieval teacher: indexes every intent's text; for a request (its rendered features and candidate
// intents) returns the top `k` candidates' latent-query texts, best first.
class KbRetrievalTeacher {
 public:
  explicit KbRetrievalTeacher(const IntentCatalog& catalog);
  std::vector<std::string> propose(const std::string& features_text, const std::vector<int32_t>& candidates,
                                   int k) const;
  // "The user probably wants to: <title>."
  static std::string latent_query_for(const Intent& intent);

 private:
  const IntentCatalog& catalog_;
  Bm25Index index_;
};

}  // namespace rgalign
