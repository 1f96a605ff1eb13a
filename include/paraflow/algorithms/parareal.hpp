// Parareal on one time window (eq. (3)): the sequential coarse correction shared by ParaFlow, and a
// serial Parareal solver with any number of iterations.
#pragma once

#include <functional>
#include <vector>

#include "paraflow/algorithms/propagators.hpp"

namespace paraflow {

/// Points W_0..W_{N_G} of one window and the propagator values on its slices.
struct Window {
  explicit Window(int slices, Index parameters);
  int slices() const { return int(fine.size()); }
  std::vector<Vector> points;  ///< W_{n,l}, n = 0..N_G
  std::vector<Vector> fine;    ///< f_n = F(W_{n,l}), n = 0..N_G-1
  std::vector<Vector> coarse;  ///< g_n = G(W_{n,l}), n = 0..N_G-1
  std::vector<double> losses;  ///< L(W_{n,l+1}) where the correction computed it, else NaN
};

/// Eq. (3), the sequential loop of Alg. 1 (lines 7-11): from f_n = F(W_{n,l}) and
/// g_n = G(W_{n,l}), overwrites points with W_{n,l+1} and coarse with G(W_{n,l+1}).
/// W_0 is fixed, so g_0 is reused and W_{1,l+1} = f_0 exactly. Stores L(W_{n,l+1}) for
/// n = 1..N_G-1 in losses (free with the coarse gradient); losses[0] and losses[N_G] are left NaN.
/// Returns the number of coarse steps computed (N_G - 1).
int parareal_correction(Window& window, CoarsePropagator& coarse);

/// Serial Parareal on one window: coarse initial sweep W_{n+1,0} = G(W_{n,0}) from `start`, then
/// `iterations` iterations of eq. (3). `fine(n, w)` advances w over slice n and must be
/// deterministic per slice. After N_G iterations the points equal the serial fine solution.
Window parareal(const Vector& start, int slices, int iterations, CoarsePropagator& coarse,
                const std::function<void(int, Vector&)>& fine);

}  // namespace paraflow
