// Checks a Problem's gradient against central finite differences: run it on a problem of your
// own before training (the paper's problems are checked by the test suite).
#pragma once

#include "paraflow/problems/problem.hpp"

namespace paraflow {

/// Relative error ||g - g_fd|| / ||g_fd|| between loss_and_gradient() on `batch` and central
/// differences with step 1e-6 max(1, |w_i|), over at most `max_coordinates` coordinates spread
/// evenly over the vector (all of them for small problems). Well-implemented gradients give
/// about 1e-9; anything above 1e-6 is a bug.
double gradient_error(Problem& problem, const Vector& w, std::span<const Index> batch,
                      Index max_coordinates = 400);

}  // namespace paraflow
