#include "paraflow/core/feedforward.hpp"

#include <algorithm>
#include <stdexcept>

namespace paraflow {

namespace {
// Products run on chunks of batch columns, so that Eigen's packing buffers stay under its stack
// limit (EIGEN_STACK_ALLOCATION_LIMIT, 128 KiB: 16384 doubles) and never touch the heap,
// whatever the batch and the SIMD width; whole-batch products would malloc every call. A buffer
// holds at most (layer width) x (chunk) doubles, so the widest layer sets the chunk; 7/8 of the
// limit leaves room for Eigen's rounding of block sizes (272 columns for the PINN's width 50;
// 128 to 320 measured the same there).
constexpr Index kPackingDoubles = 16384 * 7 / 8;

Index chunk_columns(const Network& network) {
  return std::max<Index>(16, kPackingDoubles / network.max_width() / 16 * 16);
}

// dst = lhs * rhs, column chunk by column chunk.
template <class Dst, class Lhs, class Rhs>
void multiply_by_chunks(Index chunk, Dst&& dst, const Lhs& lhs, const Rhs& rhs) {
  for (Index j = 0; j < rhs.cols(); j += chunk) {
    const Index width = std::min(chunk, rhs.cols() - j);
    dst.middleCols(j, width).noalias() = lhs * rhs.middleCols(j, width);
  }
}
}  // namespace

Feedforward::Feedforward(const Network& network, Index max_samples, Index max_derivative_samples)
    : network_(network), chunk_(chunk_columns(network)) {
  if (max_derivative_samples > max_samples)
    throw std::invalid_argument("more derivative samples than samples");
  const Index max_columns = max_samples + (network.width(0) + 1) * max_derivative_samples;
  for (int l = 0; l < network.num_layers(); ++l) {
    state_.emplace_back(network.width(l), max_columns);
    preactivation_.emplace_back(l == 0 ? 0 : network.width(l), l == 0 ? 0 : max_columns);
    adjoint_.emplace_back(network.width(l), max_columns);
  }
  preactivation_adjoint_.resize(network.max_width(), max_columns);
}

Columns Feedforward::begin(Index num_samples, Index num_derivative_samples) {
  if (num_samples > state_[0].cols() || num_derivative_samples > num_samples)
    throw std::out_of_range("batch larger than the Feedforward workspace");
  samples_ = num_samples;
  derivative_samples_ = num_derivative_samples;
  if (columns() > state_[0].cols()) throw std::out_of_range("too many derivative samples");
  // Input derivatives: d x / d x_k = e_k, Laplacian of x = 0.
  auto& input = state_[0];
  const int dims = network_.width(0);
  for (int k = 0; k < dims; ++k) {
    auto block = input.middleCols(derivative_offset(k), derivative_samples_);
    block.setZero();
    block.row(k).setOnes();
  }
  input.middleCols(laplacian_offset(), derivative_samples_).setZero();
  adjoint_.back().leftCols(columns()).setZero();
  return input.leftCols(samples_);
}

void Feedforward::forward(const Vector& params) {
  for (int l = 1; l < network_.num_layers(); ++l) forward_layer(l, params);
}

void Feedforward::forward_layer(int l, const Vector& params) {
  const Index B = samples_, Bd = derivative_samples_, C = columns();
  const int dims = network_.width(0);
  auto P = preactivation_[l].leftCols(C);
  auto S = state_[l].leftCols(C);
  if (small_layer(l)) {
    forward_products_small(l, params);
  } else {
    multiply_by_chunks(chunk_, P, network_.weight(params, l), state_[l - 1].leftCols(C));
    P.leftCols(B).colwise() += network_.bias(params, l);
  }
  activation::dispatch(network_.activation(l), [&](auto act) {
    using Act = decltype(act);
    S.leftCols(B).array() = Act::value(P.leftCols(B).array());
    if (Bd == 0) return;
    // Chain rule on the derivative samples:
    //   d a / d x_k = s'(z) dz_k,   Delta a = s''(z) sum_k dz_k^2 + s'(z) Delta z.
    const auto a = S.leftCols(Bd).array();
    auto lap = S.middleCols(laplacian_offset(), Bd).array();
    lap = Act::d1(a) * P.middleCols(laplacian_offset(), Bd).array();
    for (int k = 0; k < dims; ++k) {
      const auto dz = P.middleCols(derivative_offset(k), Bd).array();
      S.middleCols(derivative_offset(k), Bd).array() = Act::d1(a) * dz;
      lap += Act::d2(a) * dz.square();
    }
  });
}

ConstColumns Feedforward::value() const {
  return state_.back().leftCols(samples_);
}
ConstColumns Feedforward::laplacian() const {
  return state_.back().middleCols(laplacian_offset(), derivative_samples_);
}
ConstColumns Feedforward::input_derivative(int k) const {
  return state_.back().middleCols(derivative_offset(k), derivative_samples_);
}
Columns Feedforward::value_adjoint() {
  return adjoint_.back().leftCols(samples_);
}
Columns Feedforward::laplacian_adjoint() {
  return adjoint_.back().middleCols(laplacian_offset(), derivative_samples_);
}

void Feedforward::backward(const Vector& params, Vector& gradient) {
  if (gradient.size() != network_.num_parameters())
    throw std::invalid_argument("gradient has the wrong size");
  for (int l = network_.num_layers() - 1; l >= 1; --l) backward_layer(l, params, gradient);
}

void Feedforward::backward_layer(int l, const Vector& params, Vector& gradient) {
  const Index B = samples_, Bd = derivative_samples_, C = columns();
  const int dims = network_.width(0);
  const auto P = preactivation_[l].leftCols(C);
  const auto S = state_[l].leftCols(C);
  const auto Sbar = adjoint_[l].leftCols(C);
  auto Zbar = preactivation_adjoint_.topLeftCorner(network_.width(l), C);
  activation::dispatch(network_.activation(l), [&](auto act) {
    using Act = decltype(act);
    Zbar.leftCols(B).array() = Sbar.leftCols(B).array() * Act::d1(S.leftCols(B).array());
    if (Bd == 0) return;
    // Adjoint of the chain rule in forward_layer().
    const auto a = S.leftCols(Bd).array();
    const auto lap_bar = Sbar.middleCols(laplacian_offset(), Bd).array();
    auto z_bar = Zbar.leftCols(Bd).array();
    z_bar += lap_bar * Act::d2(a) * P.middleCols(laplacian_offset(), Bd).array();
    for (int k = 0; k < dims; ++k) {
      const auto dz = P.middleCols(derivative_offset(k), Bd).array();
      const auto d_bar = Sbar.middleCols(derivative_offset(k), Bd).array();
      z_bar += Act::d2(a) * d_bar * dz + lap_bar * Act::d3(a) * dz.square();
      Zbar.middleCols(derivative_offset(k), Bd).array() =
          d_bar * Act::d1(a) + 2.0 * lap_bar * Act::d2(a) * dz;
    }
    Zbar.middleCols(laplacian_offset(), Bd).array() = lap_bar * Act::d1(a);
  });
  if (small_layer(l)) return backward_products_small(l, params, gradient);
  // dLoss/dW_l = Zbar S_{l-1}^T sums over the batch: accumulated over column chunks too.
  auto grad_w = network_.weight(gradient, l);
  grad_w.setZero();
  for (Index j = 0; j < C; j += chunk_) {
    const Index width = std::min(chunk_, C - j);
    grad_w.noalias() += Zbar.middleCols(j, width) * state_[l - 1].middleCols(j, width).transpose();
  }
  network_.bias(gradient, l).noalias() = Zbar.leftCols(B).rowwise().sum();
  if (l > 1)
    multiply_by_chunks(chunk_, adjoint_[l - 1].leftCols(C), network_.weight(params, l).transpose(),
                       Zbar);
}

bool Feedforward::small_layer(int l) const {
  return derivative_samples_ == 0 &&
         Index(network_.width(l)) * network_.width(l - 1) * samples_ <= small_layer_limit_;
}

// The products of forward_layer() as loops over contiguous columns: P = W S_{l-1} + b.
void Feedforward::forward_products_small(int l, const Vector& params) {
  const Index rows = network_.width(l), depth = network_.width(l - 1);
  const double* __restrict w = network_.weight(params, l).data();
  const double* __restrict b = network_.bias(params, l).data();
  const double* __restrict s = state_[l - 1].data();
  double* __restrict p = preactivation_[l].data();
  for (Index j = 0; j < samples_; ++j, s += depth, p += rows) {
    for (Index i = 0; i < rows; ++i) p[i] = b[i];
    for (Index k = 0; k < depth; ++k)
      for (Index i = 0; i < rows; ++i) p[i] += w[k * rows + i] * s[k];
  }
}

// The products of backward_layer(): dW = Zbar S_{l-1}^T, db = Zbar 1, Sbar_{l-1} = W^T Zbar.
void Feedforward::backward_products_small(int l, const Vector& params, Vector& gradient) {
  const Index rows = network_.width(l), depth = network_.width(l - 1);
  const double* __restrict w = network_.weight(params, l).data();
  double* __restrict grad_w = network_.weight(gradient, l).data();
  double* __restrict grad_b = network_.bias(gradient, l).data();
  std::fill(grad_w, grad_w + rows * depth, 0.0);
  std::fill(grad_b, grad_b + rows, 0.0);
  const double* __restrict s = state_[l - 1].data();
  const double* __restrict z = preactivation_adjoint_.data();
  const Index z_stride = preactivation_adjoint_.rows();
  double* __restrict a = adjoint_[l - 1].data();
  for (Index j = 0; j < samples_; ++j, s += depth, z += z_stride, a += depth) {
    for (Index i = 0; i < rows; ++i) grad_b[i] += z[i];
    for (Index k = 0; k < depth; ++k)
      for (Index i = 0; i < rows; ++i) grad_w[k * rows + i] += z[i] * s[k];
    if (l == 1) continue;
    for (Index k = 0; k < depth; ++k) {
      double dot = 0.0;
      for (Index i = 0; i < rows; ++i) dot += w[k * rows + i] * z[i];
      a[k] = dot;
    }
  }
}

}  // namespace paraflow
