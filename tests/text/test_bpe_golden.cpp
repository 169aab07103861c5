// Golden test: the byte-level BPE tokenizer equals Hugging Face tokenizers 0.23 on the fixture's cases.json
// (ids and decoded text), including NFC normalisation, specials inside text, whitespace runs, CJK and emoji.
#include <gtest/gtest.h>

#include "rgalign/common/json_util.h"
#include "rgalign/text/bpe_tokenizer.h"
#include "support/test_support.h"

namespace rgalign {
namespace {

const std::string kDir = std::string(RGALIGN_TEST_DATA_DIR) + "/llm/fixtures/tokenizer";

TEST(BpeGolden, EncodeAndDecodeEqualTransformers) {
  auto tok = load_tokenizer(kDir);
  ASSERT_NE(tok, nullptr);
  Json cases = read_json_file(kDir + "/cases.json");
  ASSERT_GE(cases["cases"].size(), 10u);
  for (const auto& c : cases["cases"]) {
    const std::string text = c["text"].get<std::string>();
    const auto want = c["ids"].get<std::vector<int64_t>>();
    EXPECT_EQ(tok->encode(text), want) << text;
    EXPECT_EQ(tok->decode(want), c["decoded"].get<std::string>()) << text;
  }
  EXPECT_EQ(tok->token_id("<|im_end|>"), 2);
  EXPECT_EQ(tok->vocab_size(), 606);
}

TEST(BpeTokenizerLoad, MalformedFilesAreNamed) {
  test::TempDir dir;
  Json t = read_json_file(kDir + "/tokenizer.json");
  auto expect_error = [&](const Json& j, const std::string& msg) {
    write_json_file(dir.file("tokenizer.json"), j);
    EXPECT_EQ(test::error_of([&] { BpeTokenizer::load(dir.file("tokenizer.json")); }),
              dir.file("tokenizer.json") + ": " + msg);
  };
  Json a = t;
  a["model"]["type"] = "Unigram";
  expect_error(a, "unsupported model type \"Unigram\" (this reader handles BPE)");
  Json b = t;
  b["model"]["merges"][0] = 7;
  expect_error(b, "each merge must be \"a b\" or [\"a\", \"b\"]");
  Json c = t;
  c["normalizer"] = {{"type", "Lowercase"}};
  expect_error(c, "unsupported normalizer \"Lowercase\" (supported: NFC, NFKC, NFD, NFKD, none)");
  Json d = t;
  d["pre_tokenizer"]["pretokenizers"][0]["pattern"]["Regex"] = "(unclosed";
  expect_error(d, "pre-tokenizer regex does not compile at offset 9: missing closing parenthesis");
  Json e = t;
  e["model"]["vocab"].erase("!");
  expect_error(e, "vocabulary lacks the byte-level symbol of byte 33 (not a byte-level BPE tokenizer)");
  // String-form merges ("a b") load the same tokenizer as pair-form ones.
  Json f = t;
  Json merges = Json::array();
  for (const auto& m : t["model"]["merges"])
    merges.push_back(m[0].get<std::string>() + " " + m[1].get<std::string>());
  f["model"]["merges"] = merges;
  write_json_file(dir.file("tokenizer.json"), f);
  auto tok = BpeTokenizer::load(dir.file("tokenizer.json"));
  EXPECT_EQ(tok->encode("Where is my parcel?"), (std::vector<int64_t>{372, 71, 405, 343, 273, 33}));
  EXPECT_EQ(test::error_of([&] { tok->decode({9999}); }),
            "decode: token id 9999 is outside the vocabulary of 606");
}

}  // namespace
}  // namespace rgalign
