#include "paraflow/parallel/data_parallel_problem.hpp"

#include <algorithm>

namespace paraflow {

DataParallelProblem::DataParallelProblem(Problem& local, MPI_Comm data)
    : local_(local), data_(data), sums_(local.num_parameters() + 1) {
  MPI_Comm_rank(data, &rank_);
  MPI_Comm_size(data, &ranks_);
}

std::span<const Index> DataParallelProblem::share(std::span<const Index> batch) const {
  const std::size_t base = batch.size() / std::size_t(ranks_),
                    extra = batch.size() % std::size_t(ranks_), r = std::size_t(rank_);
  return batch.subspan(r * base + std::min(r, extra), base + (r < extra ? 1 : 0));
}

Index DataParallelProblem::largest_share(Index batch_size) const {
  return (batch_size + ranks_ - 1) / ranks_;
}

double DataParallelProblem::loss(const Vector& params, std::span<const Index> batch) {
  const auto part = share(batch);
  double loss = part.empty() ? 0.0 : local_.partial_loss(params, part, Index(batch.size()));
  MPI_Allreduce(MPI_IN_PLACE, &loss, 1, MPI_DOUBLE, MPI_SUM, data_);
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
  MPI_Allreduce(MPI_IN_PLACE, sums_.data(), int(d + 1), MPI_DOUBLE, MPI_SUM, data_);
  gradient = sums_.head(d);
  return sums_[d];
}

}  // namespace paraflow
