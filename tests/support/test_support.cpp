// Shared test helpers.
#include "support/test_support.h"

#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <stdexcept>

#include "rgalign/sim/world.h"

namespace rgalign::test {

TempDir::TempDir() {
  std::string tmpl = (std::filesystem::temp_directory_path() / "rgalign-test-XXXXXX").string();
  if (!::mkdtemp(tmpl.data())) throw std::runtime_error("mkdtemp failed");
  path_ = tmpl;
}

TempDir::~TempDir() {
  std::error_code ec;
  std::filesystem::remove_all(path_, ec);
}

void write_text(const std::string& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary);
  out << text;
}

void write_fixture_checkpoint(const std::string& model, const std::string& dir) {
  const std::string fixtures = std::string(RGALIGN_TEST_DATA_DIR) + "/llm/fixtures/";
  std::filesystem::create_directories(dir);
  for (const char* f : {"config.json", "model.safetensors"})
    std::filesystem::copy_file(fixtures + model + "/" + f, dir + "/" + f);
  std::filesystem::copy_file(fixtures + "tokenizer/tokenizer.json", dir + "/tokenizer.json");
}

void write_small_world(const std::string& dir, int users, uint64_t seed) {
  sim::WorldOptions w;
  w.out = dir;
  w.users = users;
  w.weeks = 3;
  w.markets = {"SG", "BR"};
  w.seed = seed;
  sim::generate_world(w);
}

void write_tiny_dataset(const std::string& dir) {
  std::filesystem::create_directories(dir);
  write_text(dir + "/schema.yaml", R"(version: 1
features:
  - name: order_status
    type: categorical
    render: "Latest order status: {}"
  - name: days_in_status
    type: numeric
    buckets: [1, 3, 7]
    render: "Days in status: {}"
  - name: recent_pages
    type: multi_categorical
    max_len: 4
    render: "Recent pages: {}"
)");
  write_text(dir + "/intents.jsonl",
             R"({"intent_id":"SG-1","market":"SG","title":"Where is my parcel?"}
{"intent_id":"SG-2","market":"SG","title":"Speed up parcel delivery","description":"Late parcels."}
{"intent_id":"SG-3","market":"SG","title":"New refund guide","valid_from":2000}
{"intent_id":"MY-1","market":"MY","title":"Cancel my order"}
)");
}

CommandResult run_rgalign(const std::string& args) {
  std::string cmd = std::string(RGALIGN_BINARY) + " " + args + " 2>&1";
  FILE* pipe = ::popen(cmd.c_str(), "r");
  if (!pipe) throw std::runtime_error("popen failed");
  std::string out;
  std::array<char, 4096> buf;
  size_t n;
  while ((n = std::fread(buf.data(), 1, buf.size(), pipe)) > 0) out.append(buf.data(), n);
  int status = ::pclose(pipe);
  return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, out};
}

}  // namespace rgalign::test
