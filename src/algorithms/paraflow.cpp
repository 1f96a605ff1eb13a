#include "paraflow/algorithms/paraflow.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <stdexcept>

#include "paraflow/core/timer.hpp"
#include "paraflow/parallel/rank_layout.hpp"

namespace paraflow {

InitialGuess parse_initial_guess(const std::string& name) {
  if (name == "copy") return InitialGuess::copy;
  if (name == "coarse") return InitialGuess::coarse;
  throw std::invalid_argument("unknown initial guess '" + name + "' (copy, coarse)");
}

std::string to_string(InitialGuess guess) {
  return guess == InitialGuess::copy ? "copy" : "coarse";
}

ParaFlow::ParaFlow(Problem& problem, FinePropagator& fine, CoarsePropagator& coarse,
                   ParaFlowSettings settings, MPI_Comm comm)
    : problem_(problem),
      fine_(fine),
      coarse_(coarse),
      settings_(settings),
      comm_(comm),
      window_(settings.slices, problem.num_parameters()),
      message_(problem.num_parameters() + 3) {
  MPI_Comm_rank(comm_, &rank_);
  MPI_Comm_size(comm_, &size_);
  if (settings.slices < 1) throw std::invalid_argument("--ng must be at least 1");
  if (size_ > settings.slices)
    throw std::invalid_argument("more time groups (" + std::to_string(size_) +
                                ") than slices (--ng " + std::to_string(settings.slices) + ")");
}

int ParaFlow::first_slice(int rank) const {
  const int base = settings_.slices / size_, extra = settings_.slices % size_;
  return rank * base + std::min(rank, extra);
}

int ParaFlow::coarse_steps_before_correction() const {
  return settings_.initial_guess == InitialGuess::copy ? 1 : settings_.slices;
}

std::int64_t ParaFlow::worst_case_cost() const {
  const int NG = settings_.slices;
  return NG * fine_.cost() + coarse_.cost() * (coarse_steps_before_correction() + NG - 1);
}

std::int64_t ParaFlow::critical_path_cost() const {
  const int most_slices = first_slice(1) - first_slice(0);
  return most_slices * fine_.critical_cost() +
         coarse_.critical_cost() * (coarse_steps_before_correction() + settings_.slices - 1);
}

// Alg. 1, line 3 and the g_n^k of line 5: with `copy` every W_{n,0} is W_k and every g_n one
// G(W_k); with `coarse` the sweep W_{n+1,0} = g_n = G(W_{n,0}) through slice `through`.
// Every rank computes the sweep it needs itself: no communication, and the last rank would wait
// for the sweep anyway.
void ParaFlow::initial_points(const Vector& start, int through, PhaseTimer& timer) {
  auto& W = window_.points;
  auto& g = window_.coarse;
  W[0] = start;
  timer.start(&PhaseTimes::coarse);
  if (settings_.initial_guess == InitialGuess::copy) {
    for (int n = 1; n <= through; ++n) W[n] = start;
    if (rank_ == 0) {
      coarse_.advance(start, g[0]);
      for (int n = 1; n < settings_.slices; ++n) g[n] = g[0];
    }
    return;
  }
  for (int n = 0; n < through; ++n) {
    coarse_.advance(W[n], g[n]);
    W[n + 1] = g[n];
  }
}

// Alg. 1, lines 4-6 for this rank's slices: f_n = F(W_{n,0}). A slice whose F diverged is NaN.
bool ParaFlow::fine_phase(std::int64_t k, PhaseTimer& timer) {
  timer.start(&PhaseTimes::fine);
  bool finite = true;
  for (int n = first_slice(rank_); n < first_slice(rank_ + 1); ++n) {
    Vector& f = window_.fine[n];
    f = window_.points[n];
    if (!fine_.advance(f, std::uint64_t(n), std::uint64_t(k * fine_.steps()))) {
      f.setConstant(std::numeric_limits<double>::quiet_NaN());
      finite = false;
    }
  }
  return finite;
}

// Group 0 gathers every f_n; the other groups leave their cores while group 0 works.
void ParaFlow::gather_fine() {
  const int d = int(problem_.num_parameters());
  std::vector<MPI_Request> requests;
  if (rank_ != 0) {
    for (int n = first_slice(rank_); n < first_slice(rank_ + 1); ++n) {
      requests.emplace_back();
      MPI_Isend(window_.fine[n].data(), d, MPI_DOUBLE, 0, n, comm_, &requests.back());
    }
    for (auto& request : requests) wait_yielding(request);
    return;
  }
  for (int n = first_slice(1); n < settings_.slices; ++n) {
    int owner = 1;
    while (first_slice(owner + 1) <= n) ++owner;
    requests.emplace_back();
    MPI_Irecv(window_.fine[n].data(), d, MPI_DOUBLE, owner, n, comm_, &requests.back());
  }
  MPI_Waitall(int(requests.size()), requests.data(), MPI_STATUSES_IGNORE);
}

// Alg. 1, line 12: the first n minimising L(W_{n,1}); non-finite losses never win.
int ParaFlow::argmin() const {
  int best = 0;
  for (int n = 1; n <= settings_.slices; ++n)
    if (window_.losses[n] < window_.losses[best]) best = n;
  return best;
}

IterationOutcome ParaFlow::iterate(RunState& state) {
  IterationOutcome outcome;
  PhaseTimer timer(outcome.times);
  const int NG = settings_.slices;
  timer.start(&PhaseTimes::argmin);
  ensure_loss_known(state, problem_);
  const int through = rank_ == 0 ? NG : first_slice(rank_ + 1) - 1;
  initial_points(state.weights, through, timer);                  // Alg. 1, line 3
  const bool slice0_finite = fine_phase(state.iteration, timer);  // Alg. 1, lines 4-6
  timer.start(&PhaseTimes::communication);
  gather_fine();
  const Index d = problem_.num_parameters();
  if (rank_ == 0) {
    timer.start(&PhaseTimes::coarse);
    parareal_correction(window_, coarse_);  // Alg. 1, lines 7-11
    timer.start(&PhaseTimes::argmin);
    window_.losses[0] = state.loss;
    window_.losses[NG] = problem_.full_loss(window_.points[NG]);
    const int best = argmin();  // Alg. 1, line 12
    message_ << window_.losses[best], double(best), slice0_finite ? 0.0 : 1.0, window_.points[best];
  }
  timer.start(&PhaseTimes::communication);
  broadcast_yielding(message_.data(), int(d + 3), MPI_DOUBLE, 0, comm_);
  timer.stop();
  if (message_[2] != 0) {  // F from W_k diverged: keep W_k
    outcome.diverged = true;
    return outcome;
  }
  outcome.corrections = std::int64_t(message_[1]);
  state.loss = message_[0];
  state.weights = message_.tail(d);
  state.budget.loss_evaluations += NG;  // L(W_{n,1}) for n = 1..N_G
  state.budget.charge(worst_case_cost(), critical_path_cost());
  ++state.iteration;
  report_times(outcome.times);
  return outcome;
}

// Rank 0's view of a window, with the fine phase of the slowest rank: the time rank 0 waited in
// the gather for a slower rank's fine propagators counts as fine, not as communication.
void ParaFlow::report_times(PhaseTimes& times) const {
  double slowest_fine = times.fine;
  MPI_Reduce(&times.fine, &slowest_fine, 1, MPI_DOUBLE, MPI_MAX, 0, comm_);
  if (rank_ != 0) return;
  const double waited = slowest_fine - times.fine;
  times.fine = slowest_fine;
  times.communication = std::max(0.0, times.communication - waited);
}

}  // namespace paraflow
