#include "paraflow/problems/poisson.hpp"

#include <cmath>
#include <stdexcept>

#include "paraflow/random.hpp"

namespace paraflow {

PoissonProblem::PoissonProblem(Network network, Matrix collocation, Matrix boundary,
                               Reduction reduction, double source)
    : NetworkProblem("poisson", network, reduction),
      collocation_(std::move(collocation)),
      boundary_(std::move(boundary)),
      source_(source),
      feedforward_(network, collocation_.cols() + boundary_.cols(), collocation_.cols()),
      order_(collocation_.cols() + boundary_.cols()) {
  if (network.width(0) != 2 || network.layers().back() != 1)
    throw std::invalid_argument("the poisson problem needs a network with 2 inputs and 1 output");
  if (collocation_.rows() != 2 || boundary_.rows() != 2 || collocation_.cols() < 1 ||
      boundary_.cols() < 1)
    throw std::invalid_argument("collocation and boundary points must be non-empty 2 x N arrays");
}

// Forward pass on the batch; leaves dLoss/du and dLoss/d(Delta u) in the adjoints. With
// batch loss c * sum_i w_i l_i (w by the sample's kind; see INTERFACE.md), returns the loss.
double PoissonProblem::forward(const Vector& params, std::span<const Index> batch) {
  const Index size = Index(batch.size());
  const Index nc = num_collocation();
  // Residual samples first: they are the derivative samples of the Feedforward pass.
  Index residuals = 0;
  for (Index i : batch)
    if (i < nc) order_[residuals++] = i;
  for (Index i = residuals; Index s : batch)
    if (s >= nc) order_[i++] = s;

  auto input = feedforward_.begin(size, residuals);
  for (Index j = 0; j < residuals; ++j) input.col(j) = collocation_.col(order_[j]);
  for (Index j = residuals; j < size; ++j) input.col(j) = boundary_.col(order_[j] - nc);
  feedforward_.forward(params);

  double c = 0.5, w_residual = 1.0, w_boundary = 1.0;
  switch (reduction()) {
    case Reduction::sum:
      break;
    case Reduction::mean:
      c = 0.5 / double(size);
      break;
    case Reduction::deepxde:
      c = double(num_samples()) / double(size);
      w_residual = 1.0 / double(nc);
      w_boundary = 1.0 / double(num_boundary());
      break;
  }
  // r = -Delta u - f: dLoss/d(Delta u) = -2 c w r. Boundary: dLoss/du = 2 c w u.
  auto lap_bar = feedforward_.laplacian_adjoint();
  lap_bar = (-feedforward_.laplacian().array() - source_).matrix();
  const double residual_sum = lap_bar.squaredNorm();
  lap_bar *= -2.0 * c * w_residual;
  auto u_bar = feedforward_.value_adjoint().rightCols(size - residuals);
  u_bar = feedforward_.value().rightCols(size - residuals);
  const double boundary_sum = u_bar.squaredNorm();
  u_bar *= 2.0 * c * w_boundary;
  return c * (w_residual * residual_sum + w_boundary * boundary_sum);
}

double PoissonProblem::loss(const Vector& params, std::span<const Index> batch) {
  return forward(params, batch);
}

double PoissonProblem::loss_and_gradient(const Vector& params, std::span<const Index> batch,
                                         Vector& gradient) {
  const double loss = forward(params, batch);
  feedforward_.backward(params, gradient);
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
