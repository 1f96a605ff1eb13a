#include "paraflow/problems/problem.hpp"

#include <numeric>
#include <stdexcept>

namespace paraflow {

Reduction parse_reduction(const std::string& name) {
  if (name == "sum") return Reduction::sum;
  if (name == "mean") return Reduction::mean;
  if (name == "deepxde") return Reduction::deepxde;
  throw std::invalid_argument("unknown reduction '" + name + "' (sum, mean, deepxde)");
}

std::string to_string(Reduction reduction) {
  switch (reduction) {
    case Reduction::sum:
      return "sum";
    case Reduction::mean:
      return "mean";
    case Reduction::deepxde:
      return "deepxde";
  }
  return "?";
}

namespace {
void require_whole_batch(std::span<const Index> part, Index batch_size) {
  if (Index(part.size()) != batch_size)
    throw std::logic_error(
        "this problem cannot split a batch across data ranks (implement "
        "Problem::partial_loss and partial_loss_and_gradient for --data-ranks > 1)");
}
}  // namespace

double Problem::partial_loss(const Vector& params, std::span<const Index> part, Index batch_size) {
  require_whole_batch(part, batch_size);
  return loss(params, part);
}

double Problem::partial_loss_and_gradient(const Vector& params, std::span<const Index> part,
                                          Index batch_size, Vector& gradient) {
  require_whole_batch(part, batch_size);
  return loss_and_gradient(params, part, gradient);
}

std::span<const Index> Problem::all_samples() {
  if (Index(all_samples_.size()) != num_samples()) {
    all_samples_.resize(num_samples());
    std::iota(all_samples_.begin(), all_samples_.end(), Index(0));
  }
  return all_samples_;
}

}  // namespace paraflow
