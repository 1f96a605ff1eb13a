#include "paraflow/problems/paper.hpp"

#include <cmath>
#include <stdexcept>

#include "paraflow/problems/data_fit.hpp"
#include "paraflow/problems/poisson.hpp"

namespace paraflow {

bool is_paper_problem(const std::string& name) {
  return name == "classification" || name == "approximation" || name == "poisson";
}

Reduction default_reduction(const std::string& problem) {
  return problem == "poisson" ? Reduction::deepxde : Reduction::sum;
}

InitScheme default_init_scheme(const std::string& problem) {
  return problem == "poisson" ? InitScheme::glorot_uniform : InitScheme::uniform;
}

std::unique_ptr<NetworkProblem> make_classification(Reduction reduction) {
  Matrix x(2, 10), y(2, 10);
  x << 0.1, 0.3, 0.1, 0.6, 0.4, 0.6, 0.5, 0.9, 0.4, 0.7,  //
      0.1, 0.4, 0.5, 0.9, 0.2, 0.3, 0.6, 0.2, 0.4, 0.6;
  y << 1, 1, 1, 1, 1, 0, 0, 0, 0, 0,  // class A: target (1, 0)
      0, 0, 0, 0, 0, 1, 1, 1, 1, 1;   // class B: target (0, 1)
  Network network({2, 3, 3, 2}, Activation::sigmoid, Activation::sigmoid);
  return std::make_unique<DataFitProblem>("classification", network, x, y, reduction);
}

std::unique_ptr<NetworkProblem> make_approximation(Reduction reduction) {
  const Index n = 30;
  Matrix x(1, n), y(1, n);
  for (Index i = 0; i < n; ++i) {
    x(0, i) = 10.0 * double(i) / double(n - 1);
    y(0, i) = std::exp(-x(0, i)) * std::sin(x(0, i));
  }
  Network network({1, 16, 16, 1}, Activation::sigmoid, Activation::sigmoid);
  return std::make_unique<DataFitProblem>("approximation", network, x, y, reduction);
}

std::unique_ptr<NetworkProblem> make_poisson(std::uint64_t seed, Reduction reduction,
                                             Index interior, Index boundary) {
  auto [collocation, on_boundary] = l_shape_points(interior, boundary, seed);
  Network network({2, 50, 50, 50, 50, 1}, Activation::tanh, Activation::linear);
  return std::make_unique<PoissonProblem>(network, collocation, on_boundary, reduction);
}

std::unique_ptr<NetworkProblem> make_paper_problem(const std::string& name, Reduction reduction,
                                                   std::uint64_t seed) {
  if (name == "classification") return make_classification(reduction);
  if (name == "approximation") return make_approximation(reduction);
  if (name == "poisson") return make_poisson(seed, reduction);
  throw std::invalid_argument("unknown problem '" + name +
                              "' (classification, approximation, poisson)");
}

}  // namespace paraflow
