// The paper's three problems (Section 4), with the data and defaults of docs/reproduction.md.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "paraflow/problems/problem.hpp"

namespace paraflow {

/// Names users type: classification, approximation, poisson.
bool is_paper_problem(const std::string& name);
Reduction default_reduction(const std::string& problem);
InitScheme default_init_scheme(const std::string& problem);

/// [2,3,3,2] sigmoid network on the 10 points of Higham & Higham.
std::unique_ptr<NetworkProblem> make_classification(Reduction reduction = Reduction::sum);
/// [1,16,16,1] sigmoid network on 30 equispaced points of e^{-x} sin x over [0, 10].
std::unique_ptr<NetworkProblem> make_approximation(Reduction reduction = Reduction::sum);
/// [2,50,50,50,50,1] tanh PINN (linear output) for -Delta u = 1 on the L-shaped domain: 1200
/// interior + 120 boundary points drawn from `seed`.
std::unique_ptr<NetworkProblem> make_poisson(std::uint64_t seed,
                                             Reduction reduction = Reduction::deepxde,
                                             Index interior = 1200, Index boundary = 120);

/// One of the above by name.
std::unique_ptr<NetworkProblem> make_paper_problem(const std::string& name, Reduction reduction,
                                                   std::uint64_t seed);

}  // namespace paraflow
