// Shapes, activations and the flat parameter layout of a fully connected network.
// Samples are columns; parameters live in one Eigen vector so propagators can do axpy on them.
#pragma once

#include <Eigen/Core>
#include <cstdint>
#include <string>
#include <vector>

#include "paraflow/core/activation.hpp"

namespace paraflow {

using Index = Eigen::Index;
using Vector = Eigen::VectorXd;
using Matrix = Eigen::MatrixXd;
/// A range of whole columns of a Matrix (a batch of samples).
using Columns = Eigen::Block<Matrix, Eigen::Dynamic, Eigen::Dynamic, true>;
using ConstColumns = Eigen::Block<const Matrix, Eigen::Dynamic, Eigen::Dynamic, true>;

/// Weight initialisation schemes (docs/reproduction.md, pattern 3, "Initialisation").
enum class InitScheme {
  uniform,         ///< every weight and bias from U[-1, 1] (classification, approximation)
  glorot_uniform,  ///< W from U[-r, r], r = sqrt(6 / (fan_in + fan_out)), b = 0 (PINN, DeepXDE)
  normal_half      ///< every weight and bias from 0.5 N(0, 1) (Higham & Higham)
};
InitScheme parse_init_scheme(const std::string& name);
std::string to_string(InitScheme scheme);

/// Layer sizes n_0..n_{L-1} (n_0 = inputs) and activations. The flat parameter vector holds,
/// for l = 1..L-1 in order, W_l (n_l x n_{l-1}, column-major) followed by b_l (n_l).
class Network {
 public:
  Network(std::vector<int> layers, Activation hidden, Activation output);

  const std::vector<int>& layers() const { return layers_; }
  int num_layers() const { return static_cast<int>(layers_.size()); }
  int width(int l) const { return layers_[l]; }
  int max_width() const;
  Activation hidden_activation() const { return hidden_; }
  Activation output_activation() const { return output_; }
  /// Activation of layer l = 1..L-1.
  Activation activation(int l) const { return l == num_layers() - 1 ? output_ : hidden_; }
  Index num_parameters() const { return offsets_.back(); }

  /// Views of W_l and b_l (l = 1..L-1) inside a flat parameter vector.
  Eigen::Map<const Matrix> weight(const Vector& params, int l) const;
  Eigen::Map<Matrix> weight(Vector& params, int l) const;
  Eigen::Map<const Vector> bias(const Vector& params, int l) const;
  Eigen::Map<Vector> bias(Vector& params, int l) const;

  /// Fresh parameters drawn from `seed` (deterministic on every platform).
  Vector initial_parameters(InitScheme scheme, std::uint64_t seed) const;

  bool operator==(const Network& other) const = default;

 private:
  Index weight_offset(int l) const { return offsets_[l - 1]; }
  Index bias_offset(int l) const { return offsets_[l - 1] + Index(layers_[l]) * layers_[l - 1]; }

  std::vector<int> layers_;
  Activation hidden_;
  Activation output_;
  std::vector<Index> offsets_;  // offsets_[l-1] = start of layer l; back() = total
};

}  // namespace paraflow
