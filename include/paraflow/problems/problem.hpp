// The boundary between the optimisers and a training problem: what a user implements to run
// ParaFlow on a problem of their own.
#pragma once

#include <span>
#include <string>
#include <vector>

#include "paraflow/core/network.hpp"

namespace paraflow {

/// How per-sample terms l_i combine into a loss: sum, mean (over the batch), deepxde (the PINN's
/// mean over each kind of term, summed, as DeepXDE does; docs/reproduction.md, pattern 4).
enum class Reduction { sum, mean, deepxde };
Reduction parse_reduction(const std::string& name);
std::string to_string(Reduction reduction);

/// A loss L(W) = sum of per-sample terms, evaluated on any subset of the samples.
///
/// Contract:
/// - Samples are 0..num_samples()-1. `batch` holds distinct indices in any order.
/// - loss(params, batch) is the batch loss whose gradient an SGD step follows; on the full batch it
///   is the training loss L(W).
/// - loss_and_gradient() writes dLoss/dW into `gradient`, which the caller has sized to
///   num_parameters(); it must not allocate after the first call (the optimisers' inner loop).
/// - Calls are not thread-safe (implementations keep a workspace); use one object per thread/rank.
class Problem {
 public:
  virtual ~Problem() = default;
  virtual Index num_samples() const = 0;
  virtual Index num_parameters() const = 0;
  virtual double loss(const Vector& params, std::span<const Index> batch) = 0;
  virtual double loss_and_gradient(const Vector& params, std::span<const Index> batch,
                                   Vector& gradient) = 0;

  /// Data parallelism (--data-ranks): the loss and gradient of the terms `part` of a batch of
  /// `batch_size` samples, scaled as in that batch, so that summing them over a partition of the
  /// batch gives loss() and loss_and_gradient() on the whole batch. The defaults accept only the
  /// whole batch; a problem that overrides them can run data-parallel.
  virtual double partial_loss(const Vector& params, std::span<const Index> part, Index batch_size);
  virtual double partial_loss_and_gradient(const Vector& params, std::span<const Index> part,
                                           Index batch_size, Vector& gradient);
  /// The most samples one rank evaluates for a batch of `batch_size` (the critical path's unit).
  virtual Index largest_share(Index batch_size) const { return batch_size; }

  /// The indices 0..N-1, in order: the full batch.
  std::span<const Index> all_samples();
  /// L(W) on the full batch.
  double full_loss(const Vector& params) { return loss(params, all_samples()); }

 private:
  std::vector<Index> all_samples_;
};

/// A problem whose parameters are those of a fully connected Network (the paper's three problems).
class NetworkProblem : public Problem {
 public:
  NetworkProblem(std::string name, Network network, Reduction reduction)
      : name_(std::move(name)), network_(std::move(network)), reduction_(reduction) {}
  const std::string& name() const { return name_; }
  const Network& network() const { return network_; }
  Reduction reduction() const { return reduction_; }
  Index num_parameters() const override { return network_.num_parameters(); }
  // The whole batch is the one-part partition; the paper's problems implement the partial forms.
  double loss(const Vector& params, std::span<const Index> batch) override {
    return partial_loss(params, batch, Index(batch.size()));
  }
  double loss_and_gradient(const Vector& params, std::span<const Index> batch,
                           Vector& gradient) override {
    return partial_loss_and_gradient(params, batch, Index(batch.size()), gradient);
  }
  double partial_loss(const Vector& params, std::span<const Index> part,
                      Index batch_size) override = 0;
  double partial_loss_and_gradient(const Vector& params, std::span<const Index> part,
                                   Index batch_size, Vector& gradient) override = 0;

 private:
  std::string name_;
  Network network_;
  Reduction reduction_;
};

}  // namespace paraflow
