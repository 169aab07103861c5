// safetensors: round trips of every dtype, and every malformed-file path with its message.
#include <gtest/gtest.h>

#include <torch/torch.h>

#include "rgalign/llm/safetensors.h"
#include "rgalign/llm/safetensors_torch.h"
#include "support/test_support.h"

namespace rgalign {
namespace {

std::string raw_file(const std::string& header, const std::string& data) {
  std::string out(8, '\0');
  for (int i = 0; i < 8; ++i) out[i] = static_cast<char>((header.size() >> (8 * i)) & 0xff);
  return out + header + data;
}

TEST(Safetensors, RoundTripAllDtypes) {
  test::TempDir dir;
  SafetensorsWriter w;
  std::vector<torch::Tensor> ts = {torch::randn({2, 3}),
                                   torch::randn({4}).to(torch::kFloat16),
                                   torch::randn({3, 1}).to(torch::kBFloat16),
                                   torch::randn({2}).to(torch::kFloat64),
                                   torch::arange(5, torch::kInt64),
                                   torch::arange(6, torch::kInt32).view({2, 3}),
                                   torch::arange(3, torch::kInt16),
                                   torch::arange(3, torch::kInt8),
                                   torch::arange(3, torch::kUInt8),
                                   torch::tensor({true, false}),
                                   torch::zeros({0, 3})};
  for (size_t i = 0; i < ts.size(); ++i) add_tensor(w, "t" + std::to_string(i), ts[i]);
  w.set_metadata("format", "pt");
  w.write(dir.file("m.safetensors"));
  auto f = SafetensorsFile::open(dir.file("m.safetensors"));
  EXPECT_EQ(f->metadata().at("format"), "pt");
  for (size_t i = 0; i < ts.size(); ++i) {
    torch::Tensor back = to_torch(f->at("t" + std::to_string(i)));
    EXPECT_EQ(back.scalar_type(), ts[i].scalar_type()) << i;
    EXPECT_TRUE(torch::equal(back, ts[i])) << i;
  }
}

struct BadFile {
  std::string bytes;
  std::string message;  // expected suffix after "<path>"
};

TEST(Safetensors, MalformedFilesAreClearErrors) {
  test::TempDir dir;
  const std::string f32 = std::string(8, '\0');  // 2 x F32
  std::vector<BadFile> cases = {
      {"abc", ": file is 3 bytes, too small for a safetensors header"},
      {std::string("\xff\xff\xff\xff\xff\xff\xff\x7f", 8) + "{}",
       ": header length 9223372036854775807 exceeds the file size (10 bytes) (truncated or not a safetensors "
       "file)"},
      {raw_file("{not json", ""), " (header): invalid JSON"},
      {raw_file("[]", ""), ": header must be a JSON object"},
      {raw_file(R"({"a":{"dtype":"F33","shape":[2],"data_offsets":[0,8]}})", f32),
       ": tensor \"a\": unsupported dtype \"F33\" (expected F32, F16, BF16, F64, I64, I32, I16, I8, U8, "
       "BOOL)"},
      {raw_file(R"({"a":{"dtype":"F32","shape":[3],"data_offsets":[0,8]}})", f32),
       ": tensor \"a\": shape x dtype size (12 bytes) does not match its byte span (8)"},
      {raw_file(R"({"a":{"dtype":"F32","shape":[4],"data_offsets":[0,16]}})", f32),
       ": tensor \"a\": data_offsets end 16 lies outside the data section of 8 bytes"},
      {raw_file(R"({"a":{"dtype":"F32","shape":[-1],"data_offsets":[0,8]}})", f32),
       ": tensor \"a\": \"shape\" entries must be non-negative integers"},
      {raw_file(R"({"a":{"dtype":"F32","shape":[2],"data_offsets":[8,0]}})", f32),
       ": tensor \"a\": data_offsets begin > end"},
      {raw_file(R"({"a":{"dtype":"F32","shape":[4611686018427387904,4],"data_offsets":[0,8]}})", f32),
       ": tensor \"a\": shape x dtype size (overflow bytes) does not match its byte span (8)"},
      {raw_file(
           R"({"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"b":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}})",
           f32),
       ": tensors \"a\" and \"b\" overlap in the data section"},
      {raw_file(R"({"a":{"dtype":"F32","shape":[2]}})", f32),
       ": tensor \"a\": missing field \"data_offsets\""},
      {raw_file(R"({"__metadata__":{"k":1}})", ""), ": __metadata__.k must be a string"},
  };
  for (size_t i = 0; i < cases.size(); ++i) {
    const std::string path = dir.file("bad" + std::to_string(i) + ".safetensors");
    test::write_text(path, cases[i].bytes);
    std::string msg = test::error_of([&] { SafetensorsFile::open(path); });
    EXPECT_EQ(msg.rfind(path + cases[i].message, 0), 0u) << i << ": " << msg;
  }
}

TEST(Safetensors, ModuleLoadListsEveryProblem) {
  test::TempDir dir;
  torch::nn::Linear a(3, 2), b(4, 2);
  save_module(*a, dir.file("a.safetensors"));
  torch::nn::Linear back(3, 2);
  load_module(*back, dir.file("a.safetensors"));
  EXPECT_TRUE(torch::equal(back->weight, a->weight));
  EXPECT_TRUE(torch::equal(back->bias, a->bias));
  torch::nn::Linear no_bias(torch::nn::LinearOptions(4, 2).bias(false));
  std::string msg = test::error_of([&] { load_module(*no_bias, dir.file("a.safetensors")); });
  EXPECT_NE(
      msg.find("2 tensor problem(s): \"weight\" has shape [2, 3], expected [2, 4]; unexpected \"bias\""),
      std::string::npos)
      << msg;
}

}  // namespace
}  // namespace rgalign
