#include "paraflow/problems/gradient_check.hpp"

#include <algorithm>
#include <cmath>

namespace paraflow {

double gradient_error(Problem& problem, const Vector& w, std::span<const Index> batch,
                      Index max_coordinates) {
  Vector g(problem.num_parameters());
  problem.loss_and_gradient(w, batch, g);
  const Index stride = std::max<Index>(1, w.size() / std::max<Index>(1, max_coordinates));
  Vector fd = Vector::Zero(w.size());
  Vector probe = w;
  for (Index i = 0; i < w.size(); ++i) {
    if (i % stride != 0) {
      g[i] = 0.0;  // not probed
      continue;
    }
    const double h = 1e-6 * std::max(1.0, std::abs(w[i]));
    probe[i] = w[i] + h;
    const double plus = problem.loss(probe, batch);
    probe[i] = w[i] - h;
    const double minus = problem.loss(probe, batch);
    probe[i] = w[i];
    fd[i] = (plus - minus) / (2 * h);
  }
  return (g - fd).norm() / fd.norm();
}

}  // namespace paraflow
