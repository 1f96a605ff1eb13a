#include "paraflow/parallel/data_parallel_problem.hpp"

#include <algorithm>
#include <stdexcept>

namespace paraflow {

DataSum parse_data_sum(const std::string& name) {
  if (name == "allreduce") return DataSum::allreduce;
  if (name == "shared") return DataSum::shared;
  throw std::invalid_argument("--data-sum '" + name + "' is not one of allreduce, shared");
}

DataParallelProblem::DataParallelProblem(Problem& local, MPI_Comm data, DataSum sum)
    : local_(local), data_(data), sums_(local.num_parameters() + 1) {
  MPI_Comm_rank(data, &rank_);
  MPI_Comm_size(data, &ranks_);
  share_.reserve(std::size_t(largest_share(local.num_samples())));  // no allocation per call
  if (sum == DataSum::shared) shared_ = std::make_unique<SharedMemorySum>(data, sums_.size());
}

void DataParallelProblem::sum(double* values, Index count) {
  if (shared_)
    shared_->sum(values, count);
  else
    MPI_Allreduce(MPI_IN_PLACE, values, int(count), MPI_DOUBLE, MPI_SUM, data_);
}

// Strided, not contiguous: samples of each kind are spread evenly over the ranks. The PINN's
// full batch lists its residual points (four network columns each) before its boundary points
// (one): its contiguous halves hold 2880 and 2520 columns, and the two-rank full-batch gradient ran
// at 1.78-1.85x one rank, against 1.85-1.95x strided (docs/scaling.md).
std::span<const Index> DataParallelProblem::share(std::span<const Index> batch) {
  share_.clear();
  for (std::size_t i = std::size_t(rank_); i < batch.size(); i += std::size_t(ranks_))
    share_.push_back(batch[i]);
  return share_;
}

Index DataParallelProblem::largest_share(Index batch_size) const {
  return (batch_size + ranks_ - 1) / ranks_;
}

double DataParallelProblem::loss(const Vector& params, std::span<const Index> batch) {
  const auto part = share(batch);
  double loss = part.empty() ? 0.0 : local_.partial_loss(params, part, Index(batch.size()));
  sum(&loss, 1);
  return loss;
}

double DataParallelProblem::loss_and_gradient(const Vector& params, std::span<const Index> batch,
                                              Vector& gradient) {
  const Index d = num_parameters();
  const auto part = share(batch);  // empty when the batch has fewer samples than ranks
  double loss = 0;
  if (part.empty()) {
    gradient.setZero();
  } else {
    loss = local_.partial_loss_and_gradient(params, part, Index(batch.size()), gradient);
  }
  // One reduction for both: the gradient and, behind it, the loss.
  sums_.head(d) = gradient;
  sums_[d] = loss;
  sum(sums_.data(), d + 1);
  gradient = sums_.head(d);
  return sums_[d];
}

}  // namespace paraflow
