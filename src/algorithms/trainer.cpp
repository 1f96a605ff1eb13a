#include "paraflow/algorithms/trainer.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <stdexcept>

#include "paraflow/core/timer.hpp"
#include "paraflow/parallel/rank_layout.hpp"
#include "paraflow/problems/gradient_check.hpp"

namespace paraflow {

std::string to_string(StopReason reason) {
  switch (reason) {
    case StopReason::budget:
      return "budget";
    case StopReason::max_iterations:
      return "max-iterations";
    case StopReason::wall_time:
      return "wall-time";
    case StopReason::signal:
      return "signal";
    case StopReason::diverged:
      return "diverged";
    case StopReason::fixed_point:
      return "fixed-point";
  }
  return "?";
}

StopReason parse_stop_reason(const std::string& name) {
  for (auto r : {StopReason::budget, StopReason::max_iterations, StopReason::wall_time,
                 StopReason::signal, StopReason::diverged, StopReason::fixed_point})
    if (to_string(r) == name) return r;
  throw std::invalid_argument("unknown stop reason '" + name + "'");
}

bool StopRules::history_due(std::int64_t iteration) const {
  std::int64_t every = history_every;
  if (history_log_spacing) {
    // Every history_every below 1000 iterations, then every 10, 100, ... per decade: about
    // 900 entries per decade whatever the budget, so runs of different lengths share entries.
    std::int64_t decade_step = 1;
    for (std::int64_t j = iteration; j >= 1000; j /= 10) decade_step *= 10;
    every = std::max(every, decade_step);
  }
  return iteration % every == 0;
}

Trainer::Trainer(Method& method, Problem& problem, StopRules rules, MPI_Comm ranks)
    : method_(method), problem_(problem), rules_(rules), ranks_(ranks) {
  if (ranks == MPI_COMM_NULL) return;  // one rank, MPI not needed (nor initialised)
  int rank = 0;
  MPI_Comm_rank(ranks, &rank);
  MPI_Comm_size(ranks, &size_);
  root_ = rank == 0;
}

std::optional<StopReason> Trainer::stop_reason(const RunState& state, double session_start,
                                               Observer* observer) {
  if (!state.budget.fits(method_.worst_case_cost())) return StopReason::budget;
  if (rules_.max_iterations >= 0 && state.iteration >= rules_.max_iterations)
    return StopReason::max_iterations;
  // Clock and signals are read on rank 0 only, and its reason is every rank's.
  int reason = 0;  // 0: go on, 1: wall time, 2: signal
  if (root_) {
    if (rules_.wall_time >= 0 && now_seconds() - session_start >= rules_.wall_time) reason = 1;
    if (observer && observer->should_stop()) reason = 2;
  }
  if (size_ > 1) MPI_Bcast(&reason, 1, MPI_INT, 0, ranks_);  // a 10^7-step SGD run skips it
  if (reason == 0) return std::nullopt;
  return reason == 1 ? StopReason::wall_time : StopReason::signal;
}

void Trainer::check_gradient(const Vector& weights) {
  const auto samples = problem_.all_samples();
  const double error = gradient_error(problem_, weights,
                                      samples.first(std::min<std::size_t>(samples.size(), 64)), 64);
  if (!(error <= 1e-4)) {
    char text[64];
    std::snprintf(text, sizeof text, "%.3g", error);
    throw std::invalid_argument(
        std::string("the problem's gradient disagrees with finite differences (relative error ") +
        text + " > 1e-4): check Problem::loss_and_gradient (Trainer::skip_self_check() opts out)");
  }
}

void Trainer::record(RunState& state, History& history, std::int64_t corrections,
                     const PhaseTimes& times, Observer* observer) {
  ensure_loss_known(state, problem_);
  if (!root_) return;
  HistoryEntry entry{state.iteration,
                     state.budget.spent,
                     state.budget.critical_path,
                     state.budget.loss_evaluations,
                     state.loss,
                     state.wall_time,
                     corrections,
                     times};
  if (validation_) {
    const ValidationScore score = validation_(state.weights);
    entry.validation_loss = score.loss;
    entry.validation_accuracy = score.accuracy;
  }
  history.push_back(entry);
  if (observer) observer->on_entry(entry, state, history);
}

StopReason Trainer::run(RunState& state, History& history, Observer* observer) {
  const double session_start = now_seconds();
  const double started = session_start - state.wall_time;  // resumed runs continue the clock
  PhaseTimes times;
  if (history.empty() && state.iteration == 0) {
    if (self_check_) check_gradient(state.weights);
    record(state, history, 0, times, observer);
  }
  RunState last_good = state;
  std::int64_t corrections = 0;
  StopReason reason = StopReason::budget;
  for (;;) {
    if (auto stop = stop_reason(state, session_start, observer)) {
      reason = *stop;
      break;
    }
    const IterationOutcome outcome = method_.iterate(state);
    state.wall_time = now_seconds() - started;
    times += outcome.times;
    corrections += outcome.corrections;
    if (outcome.diverged) {
      reason = StopReason::diverged;
      break;
    }
    if (rules_.history_due(state.iteration)) {
      record(state, history, corrections, times, observer);
      if (!std::isfinite(state.loss)) {
        reason = StopReason::diverged;
        break;
      }
      last_good = state;
      times = {};
      corrections = 0;
    }
    if (outcome.fixed_point && rules_.stop_at_fixed_point) {
      reason = StopReason::fixed_point;
      break;
    }
  }
  if (reason == StopReason::diverged && !(state.loss_known && std::isfinite(state.loss))) {
    state = last_good;  // the last finite weights, with their counters
  }
  const bool described =
      root_ ? !history.empty() && history.back().iteration == state.iteration : state.loss_known;
  if (!described) record(state, history, corrections, times, observer);
  return reason;
}

}  // namespace paraflow
