// The loss history of a run: one entry per iteration (ParaFlowS, ParaFlow) or reporting step (SGD).
#pragma once

#include <cstdint>
#include <vector>

namespace paraflow {

/// Seconds spent in each phase of an iteration, as rank 0 saw it, except `fine`: the slowest
/// rank's (ParaFlow), so that the four phases add up to about the iteration's wall time.
struct PhaseTimes {
  double fine = 0;           ///< fine propagators F
  double coarse = 0;         ///< coarse propagators G (initial sweep and sequential correction)
  double communication = 0;  ///< gathers and broadcasts
  double argmin = 0;         ///< loss evaluations for the argmin / the break test
  PhaseTimes& operator+=(const PhaseTimes& o) {
    fine += o.fine, coarse += o.coarse, communication += o.communication, argmin += o.argmin;
    return *this;
  }
  bool operator==(const PhaseTimes&) const = default;
};

struct HistoryEntry {
  std::int64_t iteration = 0;             ///< iterations (SGD: steps) completed
  std::int64_t budget = 0;                ///< total per-sample gradient evaluations so far
  std::int64_t critical_path_budget = 0;  ///< critical-path gradient evaluations so far
  std::int64_t loss_evaluations = 0;      ///< full-batch loss evaluations so far
  double loss = 0;                        ///< full-batch loss at the weights after this entry
  double wall_time = 0;                   ///< seconds since the run started (over resumes)
  std::int64_t corrections = 0;           ///< coarse corrections accepted in this iteration
  PhaseTimes times;                       ///< seconds per phase in this entry's iterations
  double validation_loss = -1;      ///< the loss on the validation data (--validation); -1: none
  double validation_accuracy = -1;  ///< its fraction classified right (cross-entropy); -1: none
  bool operator==(const HistoryEntry&) const = default;
};

using History = std::vector<HistoryEntry>;

}  // namespace paraflow
