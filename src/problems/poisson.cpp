#include "paraflow/problems/poisson.hpp"

#include <algorithm>
#include <cmath>
#include <stdexcept>

#include "paraflow/core/random.hpp"

namespace paraflow {

PoissonProblem::PoissonProblem(Network network, Matrix collocation, Matrix boundary,
                               Reduction reduction, double source)
    : NetworkProblem("poisson", network, reduction),
      collocation_(std::move(collocation)),
      boundary_(std::move(boundary)),
      source_(source),
      feedforward_(network, kDefaultBlockSamples, kDefaultBlockSamples),
      order_(kDefaultBlockSamples),
      block_gradient_(network.num_parameters()) {
  if (network.width(0) != 2 || network.layers().back() != 1)
    throw std::invalid_argument("the poisson problem needs a network with 2 inputs and 1 output");
  if (collocation_.rows() != 2 || boundary_.rows() != 2 || collocation_.cols() < 1 ||
      boundary_.cols() < 1)
    throw std::invalid_argument("collocation and boundary points must be non-empty 2 x N arrays");
}

void PoissonProblem::set_block_samples(Index samples) {
  if (samples < 1) throw std::invalid_argument("block size must be at least 1");
  block_samples_ = samples;
  feedforward_ = Feedforward(network(), samples, samples);
  order_.resize(samples);
}

// With batch loss c * sum_i w_i l_i, w by the sample's kind (the reductions of problem.hpp).
PoissonProblem::Scales PoissonProblem::scales(Index batch_size) const {
  switch (reduction()) {
    case Reduction::sum:
      break;
    case Reduction::mean:
      return {0.5 / double(batch_size), 1.0, 1.0};
    case Reduction::deepxde:
      return {double(num_samples()) / double(batch_size), 1.0 / double(num_collocation()),
              1.0 / double(num_boundary())};
  }
  return {0.5, 1.0, 1.0};
}

// Forward pass on one block of the batch; leaves dLoss/du and dLoss/d(Delta u) in the adjoints
// and returns the block's share of the batch loss.
double PoissonProblem::forward(const Vector& params, std::span<const Index> block,
                               const Scales& s) {
  const Index size = Index(block.size());
  const Index nc = num_collocation();
  // Residual samples first: they are the derivative samples of the Feedforward pass.
  Index residuals = 0;
  for (Index i : block)
    if (i < nc) order_[residuals++] = i;
  for (Index i = residuals; Index j : block)
    if (j >= nc) order_[i++] = j;

  auto input = feedforward_.begin(size, residuals);
  for (Index j = 0; j < residuals; ++j) input.col(j) = collocation_.col(order_[j]);
  for (Index j = residuals; j < size; ++j) input.col(j) = boundary_.col(order_[j] - nc);
  feedforward_.forward(params);

  // r = -Delta u - f: dLoss/d(Delta u) = -2 c w r. Boundary: dLoss/du = 2 c w u.
  auto lap_bar = feedforward_.laplacian_adjoint();
  lap_bar = (-feedforward_.laplacian().array() - source_).matrix();
  const double residual_sum = lap_bar.squaredNorm();
  lap_bar *= -2.0 * s.c * s.w_residual;
  auto u_bar = feedforward_.value_adjoint().rightCols(size - residuals);
  u_bar = feedforward_.value().rightCols(size - residuals);
  const double boundary_sum = u_bar.squaredNorm();
  u_bar *= 2.0 * s.c * s.w_boundary;
  return s.c * (s.w_residual * residual_sum + s.w_boundary * boundary_sum);
}

namespace {
// Calls f(block, is_first) on consecutive blocks of at most `size` samples of `batch`.
template <class F>
void for_each_block(std::span<const Index> batch, Index size, F&& f) {
  for (std::size_t b = 0; b < batch.size(); b += std::size_t(size))
    f(batch.subspan(b, std::min(batch.size() - b, std::size_t(size))), b == 0);
}
}  // namespace

double PoissonProblem::partial_loss(const Vector& params, std::span<const Index> part,
                                    Index batch_size) {
  const Scales s = scales(batch_size);
  double loss = 0.0;
  for_each_block(part, block_samples_,
                 [&](auto block, bool) { loss += forward(params, block, s); });
  return loss;
}

double PoissonProblem::partial_loss_and_gradient(const Vector& params, std::span<const Index> part,
                                                 Index batch_size, Vector& gradient) {
  const Scales s = scales(batch_size);
  double loss = 0.0;
  if (part.empty()) gradient.setZero();
  for_each_block(part, block_samples_, [&](auto block, bool first) {
    loss += forward(params, block, s);
    feedforward_.backward(params, first ? gradient : block_gradient_);
    if (!first) gradient += block_gradient_;
  });
  return loss;
}

std::pair<Matrix, Matrix> l_shape_points(Index interior, Index boundary, std::uint64_t seed) {
  // Vertices of the polygon, counter-clockwise from the re-entrant corner.
  static const double vx[] = {0, 1, 1, -1, -1, 0}, vy[] = {0, 0, -1, -1, 1, 1};
  Matrix on_boundary(2, boundary);
  const double perimeter = 8.0;
  for (Index j = 0; j < boundary; ++j) {
    double s = perimeter * double(j) / double(boundary);
    int e = 0;
    for (;; ++e) {
      const double len = std::hypot(vx[(e + 1) % 6] - vx[e], vy[(e + 1) % 6] - vy[e]);
      if (s < len || e == 5) {
        const double t = s / len;
        on_boundary(0, j) = vx[e] + t * (vx[(e + 1) % 6] - vx[e]);
        on_boundary(1, j) = vy[e] + t * (vy[(e + 1) % 6] - vy[e]);
        break;
      }
      s -= len;
    }
  }
  Matrix collocation(2, interior + boundary);
  Random random(seed);
  for (Index j = 0; j < interior;) {
    const double x = random.uniform(-1.0, 1.0), y = random.uniform(-1.0, 1.0);
    if (x >= 0.0 && y >= 0.0) continue;    // the removed quadrant and its edges
    if (x == -1.0 || y == -1.0) continue;  // strictly interior
    collocation(0, j) = x;
    collocation(1, j) = y;
    ++j;
  }
  collocation.rightCols(boundary) = on_boundary;
  return {collocation, on_boundary};
}

}  // namespace paraflow
