// safetensors I/O: a memory-mapped reader that treats the file as untrusted, and an atomic writer.
// Format: u64 little-endian header length N, N bytes of JSON {name: {dtype, shape, data_offsets},
// __metadata__}, then the data section. The reader checks the header length against the file size before
// allocating, the JSON, every dtype, that shape x dtype size equals the byte span, that spans lie inside the
// data section and that they do not overlap; each violation is an InputError naming the file and tensor.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

namespace rgalign {

enum class DType { kF32, kF16, kBF16, kF64, kI64, kI32, kI16, kI8, kU8, kBool };

const char* dtype_name(DType d);  // "F32", ...
size_t dtype_size(DType d);
// Throws InputError at `where` for a name outside the list above.
DType parse_dtype(const std::string& name, const std::string& where);

struct TensorView {
  std::string name;
  DType dtype = DType::kF32;
  std::vector<int64_t> shape;
  uint64_t offset = 0;            // byte offset within the data section
  const uint8_t* data = nullptr;  // points into the mapping; valid while the file is open
  size_t nbytes = 0;
  int64_t numel() const;
};

class SafetensorsFile {
 public:
  static std::shared_ptr<SafetensorsFile> open(const std::string& path);
  ~SafetensorsFile();
  SafetensorsFile(const SafetensorsFile&) = delete;
  SafetensorsFile& operator=(const SafetensorsFile&) = delete;

  const std::string& path() const { return path_; }
  const std::map<std::string, std::string>& metadata() const { return metadata_; }
  const std::map<std::string, TensorView>& tensors() const { return tensors_; }
  const TensorView* find(const std::string& name) const;
  // Throws InputError naming the file when the tensor is absent.
  const TensorView& at(const std::string& name) const;

  // Validates a header against a data section of `data_size` bytes (exposed for tests and fuzzing).
  static void parse_header(const std::string& header, uint64_t data_size, const std::string& path,
                           std::map<std::string, TensorView>& tensors,
                           std::map<std::string, std::string>& metadata);

 private:
  SafetensorsFile() = default;
  std::string path_;
  void* map_ = nullptr;
  size_t map_size_ = 0;
  std::map<std::string, TensorView> tensors_;
  std::map<std::string, std::string> metadata_;
};

class SafetensorsWriter {
 public:
  // Copies the bytes; `nbytes` must equal numel(shape) * dtype_size(dtype).
  void add(const std::string& name, DType dtype, std::vector<int64_t> shape, const void* data, size_t nbytes);
  void set_metadata(const std::string& key, const std::string& value) { metadata_[key] = value; }
  // Writes atomically (name.tmp, fsync, rename).
  void write(const std::string& path) const;

 private:
  struct Entry {
    DType dtype;
    std::vector<int64_t> shape;
    std::vector<uint8_t> bytes;
  };
  std::map<std::string, Entry> entries_;
  std::map<std::string, std::string> metadata_;
};

}  // namespace rgalign
