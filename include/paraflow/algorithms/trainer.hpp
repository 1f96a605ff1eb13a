// The driver loop shared by every method: budget and stopping rules, history, divergence, and
// a small observer for logging and checkpoints. The algorithm files hold only the algorithms.
#pragma once

#include <mpi.h>

#include <functional>
#include <optional>
#include <string>

#include "paraflow/algorithms/method.hpp"
#include "paraflow/problems/problem.hpp"

namespace paraflow {

enum class StopReason { budget, max_iterations, wall_time, signal, diverged, fixed_point };
std::string to_string(StopReason reason);
/// The inverse of to_string; std::invalid_argument for any other name.
StopReason parse_stop_reason(const std::string& name);

struct StopRules {
  std::int64_t max_iterations = -1;  ///< < 0: no limit
  double wall_time = -1;             ///< seconds of this session (a resume starts anew); < 0: none
  std::int64_t history_every = 1;    ///< iterations between history entries (and the last one)
  bool history_log_spacing = false;  ///< also space entries ~900 per decade of iterations
  /// Stop at a fixed point (IterationOutcome::fixed_point) instead of repeating its iteration
  /// until the budget is spent: the weights and the loss are the same either way.
  bool stop_at_fixed_point = true;

  /// Whether the entry after `iteration` iterations is on the history's cadence.
  bool history_due(std::int64_t iteration) const;
};

/// A score of the weights on data the method does not train on (held-out samples).
struct ValidationScore {
  double loss = -1;      ///< -1: none
  double accuracy = -1;  ///< -1: none (not a classifier)
};
using Validation = std::function<ValidationScore(const Vector& weights)>;

/// Hooks the driver calls on rank 0 of the run (should_stop only there: the answer is agreed).
class Observer {
 public:
  virtual ~Observer() = default;
  /// A history entry was appended; `state` is the state it describes.
  virtual void on_entry(const HistoryEntry&, const RunState&, const History&) {}
  /// A signal or the user asks to stop at the next safe point.
  virtual bool should_stop() { return false; }
};

class Trainer {
 public:
  /// `ranks`: every rank that runs `method` (all call run() together; MPI_COMM_NULL: this rank
  /// alone, without MPI calls, so a serial program need not initialise MPI).
  /// Its rank 0 observes and owns the history; the stopping decisions taken there (wall time,
  /// signals) are broadcast, so every rank stops at the same iteration for the same reason.
  Trainer(Method& method, Problem& problem, StopRules rules, MPI_Comm ranks = MPI_COMM_NULL);
  /// Iterates until a stopping rule holds; `state` and `history` may come from a resumed run.
  /// Leaves the last finite state, with a history entry describing it. A fresh run first checks
  /// the problem's gradient against finite differences (gradient_error(), at most 64
  /// coordinates on the first 64 samples) and throws std::invalid_argument with the relative
  /// error if it is above 1e-4: a wrong gradient is caught before any budget is spent.
  StopReason run(RunState& state, History& history, Observer* observer = nullptr);
  /// Opts out of that check (a problem whose loss is not smooth enough for finite differences).
  void skip_self_check(bool skip = true) { self_check_ = !skip; }
  /// Scores the weights of every history entry on rank 0 (HistoryEntry::validation_loss and
  /// validation_accuracy). It spends no budget; its time counts in the entries' wall time.
  void set_validation(Validation validation) { validation_ = std::move(validation); }

 private:
  std::optional<StopReason> stop_reason(const RunState& state, double session_start,
                                        Observer* observer);
  void check_gradient(const Vector& weights);
  void record(RunState& state, History& history, std::int64_t corrections, const PhaseTimes& times,
              Observer* observer);

  Method& method_;
  Problem& problem_;
  StopRules rules_;
  MPI_Comm ranks_;
  int size_ = 1;
  bool root_ = true;
  bool self_check_ = true;
  Validation validation_;
};

}  // namespace paraflow
