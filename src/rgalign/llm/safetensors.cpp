// safetensors reading (mmap, defensive) and writing.
#include "rgalign/llm/safetensors.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "rgalign/common/atomic_file.h"
#include "rgalign/common/error.h"
#include "rgalign/common/json_util.h"

namespace rgalign {

namespace {
constexpr uint64_t kMaxHeader = 100ull
                                << 20;  // 100 MiB: far above any real header, far below a bad allocation

struct DTypeInfo {
  DType dtype;
  const char* name;
  size_t size;
};
constexpr DTypeInfo kDTypes[] = {{DType::kF32, "F32", 4},  {DType::kF16, "F16", 2}, {DType::kBF16, "BF16", 2},
                                 {DType::kF64, "F64", 8},  {DType::kI64, "I64", 8}, {DType::kI32, "I32", 4},
                                 {DType::kI16, "I16", 2},  {DType::kI8, "I8", 1},   {DType::kU8, "U8", 1},
                                 {DType::kBool, "BOOL", 1}};
}  // namespace

const char* dtype_name(DType d) {
  for (const auto& i : kDTypes)
    if (i.dtype == d) return i.name;
  return "?";
}

size_t dtype_size(DType d) {
  for (const auto& i : kDTypes)
    if (i.dtype == d) return i.size;
  return 0;
}

DType parse_dtype(const std::string& name, const std::string& where) {
  for (const auto& i : kDTypes)
    if (name == i.name) return i.dtype;
  throw InputError(where, "unsupported dtype \"" + name + "\"",
                   "expected F32, F16, BF16, F64, I64, I32, I16, I8, U8, BOOL");
}

int64_t TensorView::numel() const {
  int64_t n = 1;
  for (int64_t d : shape) n *= d;
  return n;
}

void SafetensorsFile::parse_header(const std::string& header, uint64_t data_size, const std::string& path,
                                   std::map<std::string, TensorView>& tensors,
                                   std::map<std::string, std::string>& metadata) {
  Json j = parse_json(header, path + " (header)");
  if (!j.is_object()) throw InputError(path, "header must be a JSON object");
  std::vector<std::pair<uint64_t, uint64_t>> spans;
  std::vector<std::string> span_names;
  for (auto it = j.begin(); it != j.end(); ++it) {
    const std::string& name = it.key();
    const Json& v = it.value();
    if (name == "__metadata__") {
      if (!v.is_object()) throw InputError(path, "__metadata__ must be an object of strings");
      for (auto m = v.begin(); m != v.end(); ++m) {
        if (!m.value().is_string()) throw InputError(path, "__metadata__." + m.key() + " must be a string");
        metadata[m.key()] = m.value().get<std::string>();
      }
      continue;
    }
    const std::string where = path + ": tensor \"" + name + "\"";
    if (!v.is_object()) throw InputError(where, "entry must be an object");
    TensorView t;
    t.name = name;
    t.dtype = parse_dtype(require_string(v, "dtype", where), where);
    const Json& shape = require_field(v, "shape", where);
    if (!shape.is_array()) throw InputError(where, "\"shape\" must be an array");
    uint64_t numel = 1;
    bool overflow = false;
    for (const auto& d : shape) {
      if (!d.is_number_unsigned()) throw InputError(where, "\"shape\" entries must be non-negative integers");
      const uint64_t x = d.get<uint64_t>();
      if (x != 0 && numel > (uint64_t{1} << 62) / x) overflow = true;
      numel *= x;
      t.shape.push_back(static_cast<int64_t>(x));
    }
    const Json& off = require_field(v, "data_offsets", where);
    if (!off.is_array() || off.size() != 2 || !off[0].is_number_unsigned() || !off[1].is_number_unsigned())
      throw InputError(where, "\"data_offsets\" must be [begin, end] non-negative integers");
    const uint64_t begin = off[0].get<uint64_t>(), end = off[1].get<uint64_t>();
    if (begin > end) throw InputError(where, "data_offsets begin > end");
    if (end > data_size)
      throw InputError(where, "data_offsets end " + std::to_string(end) +
                                  " lies outside the data section of " + std::to_string(data_size) +
                                  " bytes");
    if (overflow || numel * dtype_size(t.dtype) != end - begin)
      throw InputError(
          where, "shape x dtype size (" +
                     (overflow ? std::string("overflow") : std::to_string(numel * dtype_size(t.dtype))) +
                     " bytes) does not match its byte span (" + std::to_string(end - begin) + ")");
    t.nbytes = static_cast<size_t>(end - begin);
    t.offset = begin;
    spans.emplace_back(begin, end);
    span_names.push_back(name);
    tensors.emplace(name, std::move(t));
  }
  std::vector<size_t> order(spans.size());
  for (size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::sort(order.begin(), order.end(), [&](size_t a, size_t b) { return spans[a] < spans[b]; });
  for (size_t k = 1; k < order.size(); ++k) {
    const auto& prev = spans[order[k - 1]];
    const auto& cur = spans[order[k]];
    if (cur.first < prev.second && cur.first != cur.second && prev.first != prev.second)
      throw InputError(path, "tensors \"" + span_names[order[k - 1]] + "\" and \"" + span_names[order[k]] +
                                 "\" overlap in the data section");
  }
}

std::shared_ptr<SafetensorsFile> SafetensorsFile::open(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDONLY);
  if (fd < 0) throw InputError(path, std::string("cannot open: ") + std::strerror(errno));
  struct stat st {};
  if (::fstat(fd, &st) != 0) {
    ::close(fd);
    throw InputError(path, "cannot stat");
  }
  const auto size = static_cast<uint64_t>(st.st_size);
  if (size < 8) {
    ::close(fd);
    throw InputError(path, "file is " + std::to_string(size) + " bytes, too small for a safetensors header");
  }
  void* map = ::mmap(nullptr, size, PROT_READ, MAP_PRIVATE, fd, 0);
  ::close(fd);
  if (map == MAP_FAILED) throw InputError(path, "cannot map file");
  std::shared_ptr<SafetensorsFile> f(new SafetensorsFile());
  f->path_ = path;
  f->map_ = map;
  f->map_size_ = static_cast<size_t>(size);
  const auto* bytes = static_cast<const uint8_t*>(map);
  uint64_t n = 0;
  for (int i = 7; i >= 0; --i) n = (n << 8) | bytes[i];
  if (n > size - 8 || n > kMaxHeader)
    throw InputError(
        path,
        "header length " + std::to_string(n) + " exceeds the file size (" + std::to_string(size) + " bytes)",
        "truncated or not a safetensors file");
  std::string header(reinterpret_cast<const char*>(bytes + 8), static_cast<size_t>(n));
  parse_header(header, size - 8 - n, path, f->tensors_, f->metadata_);
  const uint8_t* data = bytes + 8 + n;
  for (auto& [name, t] : f->tensors_) t.data = data + t.offset;
  return f;
}

SafetensorsFile::~SafetensorsFile() {
  if (map_) ::munmap(map_, map_size_);
}

const TensorView* SafetensorsFile::find(const std::string& name) const {
  auto it = tensors_.find(name);
  return it == tensors_.end() ? nullptr : &it->second;
}

const TensorView& SafetensorsFile::at(const std::string& name) const {
  const TensorView* t = find(name);
  if (!t) throw InputError(path_, "missing tensor \"" + name + "\"");
  return *t;
}

void SafetensorsWriter::add(const std::string& name, DType dtype, std::vector<int64_t> shape,
                            const void* data, size_t nbytes) {
  int64_t numel = 1;
  for (int64_t d : shape) numel *= d;
  RG_ASSERT(static_cast<size_t>(numel) * dtype_size(dtype) == nbytes,
            "tensor " + name + ": byte count mismatch");
  Entry e{
      dtype, std::move(shape),
      std::vector<uint8_t>(static_cast<const uint8_t*>(data), static_cast<const uint8_t*>(data) + nbytes)};
  entries_[name] = std::move(e);
}

void SafetensorsWriter::write(const std::string& path) const {
  Json header = Json::object();
  if (!metadata_.empty()) {
    Json m = Json::object();
    for (const auto& [k, v] : metadata_) m[k] = v;
    header["__metadata__"] = std::move(m);
  }
  uint64_t offset = 0;
  for (const auto& [name, e] : entries_) {
    header[name] = {{"dtype", dtype_name(e.dtype)},
                    {"shape", e.shape},
                    {"data_offsets", {offset, offset + e.bytes.size()}}};
    offset += e.bytes.size();
  }
  std::string h = header.dump();
  while ((8 + h.size()) % 8 != 0)
    h.push_back(' ');  // align the data section to 8 bytes, as Hugging Face does
  AtomicFile f(path);
  uint8_t len[8];
  for (int i = 0; i < 8; ++i) len[i] = static_cast<uint8_t>((h.size() >> (8 * i)) & 0xff);
  f.stream().write(reinterpret_cast<const char*>(len), 8);
  f.stream().write(h.data(), static_cast<std::streamsize>(h.size()));
  for (const auto& [name, e] : entries_)
    f.stream().write(reinterpret_cast<const char*>(e.bytes.data()),
                     static_cast<std::streamsize>(e.bytes.size()));
  f.commit();
}

}  // namespace rgalign
