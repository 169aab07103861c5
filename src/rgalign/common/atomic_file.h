// Atomic file output: write `name.tmp`, flush, fsync, rename. A killed process leaves the old file or the new
// one, never half of one.
#pragma once

#include <fstream>
#include <string>

namespace rgalign {

class AtomicFile {
 public:
  explicit AtomicFile(const std::string& path);
  ~AtomicFile();  // not committed -> the temporary is removed, the target untouched
  AtomicFile(const AtomicFile&) = delete;
  AtomicFile& operator=(const AtomicFile&) = delete;

  std::ostream& stream() { return out_; }
  // Flushes, syncs to disk and renames over the target. Throws InputError on I/O failure.
  void commit();

 private:
  std::string path_;
  std::string tmp_path_;
  std::ofstream out_;
  bool committed_ = false;
};

// Writes the whole of `content` to `path` atomically.
void write_file_atomic(const std::string& path, const std::string& content);
std::string read_file(const std::string& path);
// Creates the directory and its parents; throws InputError naming the path on failure.
void make_dirs(const std::string& path);

}  // namespace rgalign
