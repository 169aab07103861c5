// BM25 retrieval over intent texts.
#include "rgalign/align/bm25.h"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <unordered_set>

namespace rgalign {

namespace {
const std::unordered_set<std::string>& stopwords() {
  static const std::unordered_set<std::string> s = {
      "a",   "an",  "the", "and", "or",   "of",   "to",    "in",   "on",   "for", "is",   "are", "was",
      "be",  "my",  "i",   "it",  "at",   "by",   "with",  "this", "that", "as",  "from", "has", "have",
      "had", "not", "no",  "do",  "does", "user", "their", "they", "what", "how", "can",  "days"};
  return s;
}
}  // namespace

std::vector<std::string> bm25_terms(const std::string& text) {
  std::vector<std::string> out;
  std::string w;
  auto flush = [&]() {
    if (!w.empty() && !stopwords().count(w)) out.push_back(w);
    w.clear();
  };
  for (unsigned char c : text) {
    if (std::isalnum(c) || c >= 0x80)
      w.push_back(static_cast<char>(std::tolower(c)));
    else
      flush();
  }
  flush();
  return out;
}

Bm25Index::Bm25Index(const std::vector<std::string>& docs, double k1, double b) : k1_(k1), b_(b) {
  double total = 0;
  for (const auto& d : docs) {
    std::unordered_map<std::string, int> tf;
    const auto terms = bm25_terms(d);
    for (const auto& t : terms) ++tf[t];
    for (const auto& [t, n] : tf) ++df_[t];
    lengths_.push_back(static_cast<int>(terms.size()));
    total += static_cast<double>(terms.size());
    docs_.push_back(std::move(tf));
  }
  avg_len_ = docs.empty() ? 0 : total / static_cast<double>(docs.size());
}

double Bm25Index::score(const std::vector<std::string>& query_terms, size_t doc) const {
  const auto& tf = docs_.at(doc);
  const double n = static_cast<double>(docs_.size());
  const double norm = k1_ * (1 - b_ + b_ * lengths_[doc] / std::max(1e-9, avg_len_));
  double s = 0;
  std::unordered_set<std::string> seen;
  for (const auto& t : query_terms) {
    if (!seen.insert(t).second) continue;
    auto it = tf.find(t);
    if (it == tf.end()) continue;
    const double df = df_.at(t);
    const double idf = std::log(1 + (n - df + 0.5) / (df + 0.5));
    const double f = it->second;
    s += idf * f * (k1_ + 1) / (f + norm);
  }
  return s;
}

std::vector<size_t> Bm25Index::top(const std::string& query, const std::vector<size_t>& among, int k) const {
  const auto terms = bm25_terms(query);
  std::vector<size_t> pool = among;
  if (pool.empty())
    for (size_t i = 0; i < docs_.size(); ++i) pool.push_back(i);
  std::vector<std::pair<double, size_t>> scored;  // (score, position in pool)
  for (size_t i = 0; i < pool.size(); ++i) scored.emplace_back(score(terms, pool[i]), i);
  std::stable_sort(scored.begin(), scored.end(),
                   [](const auto& a, const auto& b) { return a.first > b.first; });
  std::vector<size_t> out;
  for (size_t i = 0; i < scored.size() && static_cast<int>(out.size()) < k; ++i)
    out.push_back(pool[scored[i].second]);
  return out;
}

namespace {
std::vector<std::string> intent_texts_of(const IntentCatalog& catalog) {
  std::vector<std::string> docs;
  for (const auto& in : catalog.intents()) docs.push_back(intent_text(in));
  return docs;
}
}  // namespace

KbRetrievalTeacher::KbRetrievalTeacher(const IntentCatalog& catalog)
    : catalog_(catalog), index_(intent_texts_of(catalog)) {}

std::string KbRetrievalTeacher::latent_query_for(const Intent& intent) {
  return "The user probably wants to: " + intent.title + ".";
}

std::vector<std::string> KbRetrievalTeacher::propose(const std::string& features_text,
                                                     const std::vector<int32_t>& candidates, int k) const {
  std::vector<size_t> among(candidates.begin(), candidates.end());
  std::vector<std::string> out;
  for (size_t i : index_.top(features_text, among, k)) out.push_back(latent_query_for(catalog_.intents()[i]));
  return out;
}

}  // namespace rgalign
