// Batched forward and backward passes of a network, optionally carrying each sample's input
// gradient and Laplacian through the layers (for PDE residuals), all as whole-batch GEMMs.
#pragma once

#include "paraflow/core/network.hpp"

namespace paraflow {

/// Workspace for one pass over a batch. Columns of every layer's state are laid out as
///   [ values (B) | d/dx_1 (B_d) | ... | d/dx_I (B_d) | Laplacian (B_d) ]
/// where the first B_d of the B samples are the "derivative samples": for them the input gradient
/// and the Laplacian are propagated too (the PINN residual), for the rest only the value.
/// One GEMM per layer forward, two backward; no allocation after construction.
class Feedforward {
 public:
  /// Room for up to `max_samples` samples of which up to `max_derivative_samples` carry
  /// derivatives.
  Feedforward(const Network& network, Index max_samples, Index max_derivative_samples = 0);

  /// Starts a pass over `num_samples` samples, the first `num_derivative_samples` with derivatives.
  /// Returns the block of input coordinates (n_0 x num_samples) for the caller to fill.
  Columns begin(Index num_samples, Index num_derivative_samples = 0);

  /// Propagates the inputs filled after begin() through the network.
  void forward(const Vector& params);

  /// Outputs of the last forward(): u (n_L x B), and for the derivative samples Delta u (n_L x
  /// B_d).
  ConstColumns value() const;
  ConstColumns laplacian() const;
  ConstColumns input_derivative(int k) const;

  /// Adjoint blocks of the output for backward(): dLoss/du (n_L x B) and dLoss/d(Delta u)
  /// (n_L x B_d). begin() zeroes them.
  Columns value_adjoint();
  Columns laplacian_adjoint();

  /// Back-propagates the output adjoints; overwrites `gradient` (size num_parameters()).
  void backward(const Vector& params, Vector& gradient);

  const Network& network() const { return network_; }

  /// Layer products of at most this many multiply-adds (weights x samples), on passes without
  /// derivative samples, run as plain loops instead of Eigen products: on tiny networks and
  /// batches Eigen's per-product dispatch costs more than the arithmetic. 0 sends every layer
  /// through Eigen (the reference path in tests).
  static constexpr Index kDefaultSmallLayerLimit = 256;
  void set_small_layer_limit(Index max_multiply_adds) { small_layer_limit_ = max_multiply_adds; }

 private:
  Index columns() const { return samples_ + (network_.width(0) + 1) * derivative_samples_; }
  Index derivative_offset(int k) const { return samples_ + k * derivative_samples_; }
  Index laplacian_offset() const { return derivative_offset(network_.width(0)); }

  void forward_layer(int l, const Vector& params);
  void backward_layer(int l, const Vector& params, Vector& gradient);
  bool small_layer(int l) const;
  void forward_products_small(int l, const Vector& params);
  void backward_products_small(int l, const Vector& params, Vector& gradient);

  Network network_;
  Index chunk_;  // batch columns per Eigen product
  Index samples_ = 0;
  Index derivative_samples_ = 0;
  std::vector<Matrix> state_;  // state_[l]: post-activation columns of layer l (l = 0: input)
  std::vector<Matrix> preactivation_;  // W_l * state_[l-1] (+ b_l on the value block)
  std::vector<Matrix> adjoint_;        // dLoss/d state_[l]
  Matrix preactivation_adjoint_;       // dLoss/d preactivation_[l], reused across layers
  Index small_layer_limit_ = kDefaultSmallLayerLimit;
};

}  // namespace paraflow
