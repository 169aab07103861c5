// SentencePiece through the plugin, in a process that also has libtorch loaded (the case that crashes when
// libsentencepiece is linked directly): train a small model, then encode, decode and look up pieces.
#include <gtest/gtest.h>

#include <torch/torch.h>

#include <fstream>

#include "rgalign/text/sentencepiece_tokenizer.h"
#include "support/test_support.h"

namespace rgalign {
namespace {

TEST(SentencePiece, TrainEncodeDecodeBesideTorch) {
  auto t = torch::ones({2});  // libtorch is loaded and initialised in this process
  test::TempDir dir;
  {
    std::ofstream f(dir.file("corpus.txt"));
    for (int i = 0; i < 200; ++i)
      f << "Where is my parcel? Speed up parcel delivery. Request a refund for order " << i << ".\n"
        << "The payment failed but money was deducted. Track my order and change the address.\n";
  }
  train_sentencepiece({"--input=" + dir.file("corpus.txt"), "--model_prefix=" + dir.file("sp"),
                       "--vocab_size=60", "--hard_vocab_limit=false", "--model_type=unigram",
                       "--minloglevel=2", "--num_threads=1"});
  auto tok = load_tokenizer(dir.path());
  ASSERT_EQ(tok, nullptr);  // no tokenizer.model in the directory under that name yet
  std::rename(dir.file("sp.model").c_str(), dir.file("tokenizer.model").c_str());
  tok = load_tokenizer(dir.path());
  ASSERT_NE(tok, nullptr);
  EXPECT_GT(tok->vocab_size(), 20);
  EXPECT_LE(tok->vocab_size(), 60);
  const std::string text = "Where is my parcel? Request a refund.";
  auto ids = tok->encode(text);
  EXPECT_FALSE(ids.empty());
  EXPECT_EQ(tok->decode(ids), text);
  EXPECT_EQ(tok->token_id("<unk>"), 0);
  EXPECT_EQ(tok->token_id("no-such-piece-xyz"), -1);
  EXPECT_EQ(test::error_of([&] { tok->decode({500}); }),
            "decode: token id 500 is outside the vocabulary of " + std::to_string(tok->vocab_size()));
  EXPECT_EQ(t.sum().item<float>(), 2.0f);
}

TEST(SentencePiece, BadModelFileIsNamed) {
  test::TempDir dir;
  test::write_text(dir.file("tokenizer.model"), "not a protobuf");
  std::string msg = test::error_of([&] { load_tokenizer(dir.path()); });
  EXPECT_EQ(msg.rfind(dir.file("tokenizer.model") + ": cannot load SentencePiece model", 0), 0u) << msg;
}

}  // namespace
}  // namespace rgalign
