// A built-in reasoner small enough to pretrain in a few seconds inside a test.
#pragma once

#include <string>

#include "rgalign/reason/pretrain.h"

namespace rgalign::test {

inline ReasonerPretrainOptions tiny_reasoner_options(const std::string& data, const std::string& out) {
  ReasonerPretrainOptions o;
  o.data = data;
  o.out = out;
  o.seed = 3;
  o.vocab_size = 1200;
  o.hidden_size = 32;
  o.layers = 1;
  o.heads = 2;
  o.kv_heads = 1;
  o.intermediate_size = 64;
  o.seq_len = 64;
  o.batch_size = 4;
  o.steps = 40;
  o.eval_every = 20;
  o.lr = 1e-2;
  o.max_train_prompts = 300;
  o.max_valid_prompts = 40;
  o.threads = 1;
  return o;
}

}  // namespace rgalign::test
