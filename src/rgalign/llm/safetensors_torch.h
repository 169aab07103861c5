// Bridges safetensors views and torch tensors; and named-tensor checkpoints of torch modules.
#pragma once

#include <torch/torch.h>

#include <map>
#include <string>

#include "rgalign/llm/safetensors.h"

namespace rgalign {

// A contiguous CPU copy of the view's bytes as a tensor of the matching dtype.
torch::Tensor to_torch(const TensorView& view);
// Adds a tensor (moved to CPU, made contiguous) under `name`.
void add_tensor(SafetensorsWriter& writer, const std::string& name, const torch::Tensor& t);

// Writes every parameter and buffer of `module` under its dotted name, atomically.
void save_module(const torch::nn::Module& module, const std::string& path,
                 const std::map<std::string, std::string>& metadata = {});
// Loads into `module` by name. Every missing, unexpected or wrong-shaped tensor is listed in one InputError.
void load_module(torch::nn::Module& module, const std::string& path);

}  // namespace rgalign
