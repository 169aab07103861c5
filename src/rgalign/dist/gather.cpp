// Gathering shards back into file order.
#include "rgalign/dist/gather.h"

#include <algorithm>
#include <cstring>
#include <map>

#include "rgalign/common/error.h"

namespace rgalign {

namespace {

// Length-prefixed little-endian packing of plain values; both ends run this same build.
class ByteWriter {
 public:
  template <class T>
  void put(const T& v) {
    out_.append(reinterpret_cast<const char*>(&v), sizeof v);
  }
  template <class T>
  void put_vec(const std::vector<T>& v) {
    put<int64_t>(static_cast<int64_t>(v.size()));
    out_.append(reinterpret_cast<const char*>(v.data()), v.size() * sizeof(T));
  }
  void put_str(const std::string& s) {
    put<int64_t>(static_cast<int64_t>(s.size()));
    out_.append(s);
  }
  std::string& str() { return out_; }

 private:
  std::string out_;
};

class ByteReader {
 public:
  explicit ByteReader(const std::string& in) : in_(in) {}
  bool done() const { return pos_ == in_.size(); }
  template <class T>
  T get() {
    T v;
    take(&v, sizeof v);
    return v;
  }
  template <class T>
  std::vector<T> get_vec() {
    std::vector<T> v(static_cast<size_t>(get<int64_t>()));
    take(v.data(), v.size() * sizeof(T));
    return v;
  }
  std::string get_str() {
    std::string s(static_cast<size_t>(get<int64_t>()), '\0');
    take(s.data(), s.size());
    return s;
  }

 private:
  void take(void* dst, size_t n) {
    RG_ASSERT(pos_ + n <= in_.size(), "truncated message from another rank");
    std::memcpy(dst, in_.data() + pos_, n);
    pos_ += n;
  }
  const std::string& in_;
  size_t pos_ = 0;
};

}  // namespace

std::vector<int64_t> allgather_i64(DistGroup& group, const std::vector<int64_t>& mine) {
  if (!group.distributed()) return mine;
  ByteWriter w;
  w.put_vec(mine);
  std::vector<int64_t> all;
  for (const std::string& part : group.allgather_bytes(w.str())) {
    ByteReader r(part);
    const std::vector<int64_t> v = r.get_vec<int64_t>();
    all.insert(all.end(), v.begin(), v.end());
  }
  return all;
}

GlobalIndex global_index(DistGroup& group, const std::vector<int64_t>& lines) {
  std::vector<int64_t> all = allgather_i64(group, lines);
  std::sort(all.begin(), all.end());
  GlobalIndex gi;
  gi.n = static_cast<int64_t>(all.size());
  gi.local_of_global.assign(all.size(), -1);
  for (size_t i = 0; i < lines.size(); ++i) {
    auto it = std::lower_bound(all.begin(), all.end(), lines[i]);
    RG_ASSERT(it != all.end() && *it == lines[i], "a local line missing from the gathered lines");
    const auto g = static_cast<int64_t>(it - all.begin());
    gi.global_of_local.push_back(g);
    gi.local_of_global[static_cast<size_t>(g)] = static_cast<int64_t>(i);
  }
  return gi;
}

std::vector<int64_t> to_global_order(DistGroup& group, const GlobalIndex& index,
                                     const std::vector<int64_t>& local) {
  RG_ASSERT(local.size() == index.global_of_local.size(), "one value per local request");
  const std::vector<int64_t> where = allgather_i64(group, index.global_of_local);
  const std::vector<int64_t> values = allgather_i64(group, local);
  std::vector<int64_t> out(static_cast<size_t>(index.n), 0);
  for (size_t k = 0; k < where.size(); ++k) out[static_cast<size_t>(where[k])] = values[k];
  return out;
}

GroupedScores gather_groups(DistGroup& group, const std::vector<int64_t>& lines, const GroupedScores& local) {
  if (!group.distributed()) return local;
  RG_ASSERT(lines.size() == local.n_groups(), "one line per group");
  // Each group's segments (the scores keep them per segment).
  std::vector<std::vector<std::string>> segs(local.n_groups());
  for (const auto& [name, members] : local.segments())
    for (int32_t g : members) segs[static_cast<size_t>(g)].push_back(name);
  ByteWriter w;
  const auto& off = local.offsets();
  for (size_t g = 0; g < local.n_groups(); ++g) {
    const auto b = static_cast<size_t>(off[g]), e = static_cast<size_t>(off[g + 1]);
    w.put<int64_t>(lines[g]);
    w.put_vec(std::vector<float>(local.scores().begin() + b, local.scores().begin() + e));
    w.put_vec(std::vector<float>(local.labels().begin() + b, local.labels().begin() + e));
    w.put_vec(local.has_truth() ? std::vector<float>(local.truth().begin() + b, local.truth().begin() + e)
                                : std::vector<float>());
    w.put<int64_t>(static_cast<int64_t>(segs[g].size()));
    for (const auto& s : segs[g]) w.put_str(s);
  }
  struct Group {
    std::vector<float> scores, labels, truth;
    std::vector<std::string> segments;
  };
  std::map<int64_t, Group> by_line;
  for (const std::string& part : group.allgather_bytes(w.str())) {
    ByteReader r(part);
    while (!r.done()) {
      const auto line = r.get<int64_t>();
      Group gr;
      gr.scores = r.get_vec<float>();
      gr.labels = r.get_vec<float>();
      gr.truth = r.get_vec<float>();
      const auto n_seg = r.get<int64_t>();
      for (int64_t k = 0; k < n_seg; ++k) gr.segments.push_back(r.get_str());
      RG_ASSERT(by_line.emplace(line, std::move(gr)).second, "two ranks scored the same line");
    }
  }
  GroupedScores all;
  for (const auto& [line, gr] : by_line) all.add_group(gr.scores, gr.labels, gr.truth, gr.segments);
  return all;
}

}  // namespace rgalign
