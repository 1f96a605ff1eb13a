#include "paraflow/trainer.hpp"

#include <cmath>

#include "paraflow/timer.hpp"

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
  }
  return "?";
}

Trainer::Trainer(Method& method, Problem& problem, StopRules rules, bool root)
    : method_(method), problem_(problem), rules_(rules), root_(root) {}

std::optional<StopReason> Trainer::stop_reason(const RunState& state, double started,
                                               Observer* observer) {
  if (!state.budget.fits(method_.worst_case_cost())) return StopReason::budget;
  if (rules_.max_iterations >= 0 && state.iteration >= rules_.max_iterations)
    return StopReason::max_iterations;
  // Clock and signals are read on rank 0 only and agreed, so all ranks stop together.
  int local = 0;
  if (root_) {
    if (rules_.wall_time >= 0 && now_seconds() - started >= rules_.wall_time) local = 1;
    if (observer && observer->should_stop()) local = 2;
  }
  const bool stop = method_.agree(local != 0);
  if (!stop) return std::nullopt;
  return local == 1 ? StopReason::wall_time : StopReason::signal;
}

void Trainer::record(RunState& state, History& history, std::int64_t corrections,
                     const PhaseTimes& times, Observer* observer) {
  if (!state.loss_known) {
    state.loss = problem_.full_loss(state.weights);
    ++state.budget.loss_evaluations;
    state.loss_known = true;
  }
  if (!root_) return;
  HistoryEntry entry{state.iteration,
                     state.budget.spent,
                     state.budget.critical_path,
                     state.budget.loss_evaluations,
                     state.loss,
                     state.wall_time,
                     corrections,
                     times};
  history.push_back(entry);
  if (observer) observer->on_entry(entry, state, history);
}

StopReason Trainer::run(RunState& state, History& history, Observer* observer) {
  const double started = now_seconds() - state.wall_time;  // resumed runs continue the clock
  PhaseTimes times;
  if (history.empty() && state.iteration == 0) record(state, history, 0, times, observer);
  RunState last_good = state;
  std::int64_t corrections = 0;
  StopReason reason = StopReason::budget;
  for (;;) {
    if (auto stop = stop_reason(state, started, observer)) {
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
    if (state.iteration % rules_.history_every == 0) {
      record(state, history, corrections, times, observer);
      if (!std::isfinite(state.loss)) {
        reason = StopReason::diverged;
        break;
      }
      last_good = state;
      times = {};
      corrections = 0;
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
