// safetensors <-> torch.
#include "rgalign/llm/safetensors_torch.h"

#include <cstring>
#include <set>
#include <sstream>

#include "rgalign/common/error.h"

namespace rgalign {

namespace {

torch::ScalarType scalar_type(DType d) {
  switch (d) {
    case DType::kF32: return torch::kFloat32;
    case DType::kF16: return torch::kFloat16;
    case DType::kBF16: return torch::kBFloat16;
    case DType::kF64: return torch::kFloat64;
    case DType::kI64: return torch::kInt64;
    case DType::kI32: return torch::kInt32;
    case DType::kI16: return torch::kInt16;
    case DType::kI8: return torch::kInt8;
    case DType::kU8: return torch::kUInt8;
    case DType::kBool: return torch::kBool;
  }
  return torch::kFloat32;
}

DType dtype_of(torch::ScalarType t) {
  switch (t) {
    case torch::kFloat32: return DType::kF32;
    case torch::kFloat16: return DType::kF16;
    case torch::kBFloat16: return DType::kBF16;
    case torch::kFloat64: return DType::kF64;
    case torch::kInt64: return DType::kI64;
    case torch::kInt32: return DType::kI32;
    case torch::kInt16: return DType::kI16;
    case torch::kInt8: return DType::kI8;
    case torch::kUInt8: return DType::kU8;
    case torch::kBool: return DType::kBool;
    default: TORCH_CHECK(false, "dtype not storable in safetensors: ", t);
  }
  return DType::kF32;
}

std::string shape_str(c10::IntArrayRef s) {
  std::ostringstream o;
  o << s;
  return o.str();
}

}  // namespace

torch::Tensor to_torch(const TensorView& view) {
  auto t = torch::empty(view.shape, torch::TensorOptions().dtype(scalar_type(view.dtype)));
  if (view.nbytes > 0) std::memcpy(t.data_ptr(), view.data, view.nbytes);
  return t;
}

void add_tensor(SafetensorsWriter& writer, const std::string& name, const torch::Tensor& t) {
  torch::Tensor c = t.detach().to(torch::kCPU).contiguous();
  std::vector<int64_t> shape(c.sizes().begin(), c.sizes().end());
  writer.add(name, dtype_of(c.scalar_type()), shape, c.data_ptr(), c.numel() * c.element_size());
}

void save_module(const torch::nn::Module& module, const std::string& path,
                 const std::map<std::string, std::string>& metadata) {
  SafetensorsWriter w;
  for (const auto& p : module.named_parameters(/*recurse=*/true)) add_tensor(w, p.key(), p.value());
  for (const auto& b : module.named_buffers(/*recurse=*/true)) add_tensor(w, b.key(), b.value());
  for (const auto& [k, v] : metadata) w.set_metadata(k, v);
  w.write(path);
}

void load_module(torch::nn::Module& module, const std::string& path) {
  auto file = SafetensorsFile::open(path);
  std::vector<std::string> problems;
  std::set<std::string> expected;
  torch::NoGradGuard no_grad;
  auto load_one = [&](const std::string& name, torch::Tensor& target) {
    expected.insert(name);
    const TensorView* v = file->find(name);
    if (!v) {
      problems.push_back("missing \"" + name + "\" " + shape_str(target.sizes()));
      return;
    }
    if (c10::IntArrayRef(v->shape) != target.sizes()) {
      problems.push_back("\"" + name + "\" has shape " + shape_str(c10::IntArrayRef(v->shape)) +
                         ", expected " + shape_str(target.sizes()));
      return;
    }
    target.copy_(to_torch(*v).to(target.scalar_type()));
  };
  for (auto& p : module.named_parameters(/*recurse=*/true)) load_one(p.key(), p.value());
  for (auto& b : module.named_buffers(/*recurse=*/true)) load_one(b.key(), b.value());
  for (const auto& [name, view] : file->tensors())
    if (!expected.count(name)) problems.push_back("unexpected \"" + name + "\"");
  if (!problems.empty()) {
    std::string msg = std::to_string(problems.size()) + " tensor problem(s): ";
    for (size_t i = 0; i < problems.size(); ++i) msg += (i ? "; " : "") + problems[i];
    throw InputError(path, msg, "was the checkpoint written by another model configuration?");
  }
}

}  // namespace rgalign
