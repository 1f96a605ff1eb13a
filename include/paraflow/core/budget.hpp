// The paper's budget: per-sample gradient evaluations, plus the critical path one rank waits for.
#pragma once

#include <cstdint>

namespace paraflow {

/// Counters of a run (docs/algorithms.md, "Budget"). A unit is one per-sample gradient.
struct Budget {
  std::int64_t limit = 0;             ///< the run stops when the next unit of work does not fit
  std::int64_t spent = 0;             ///< total per-sample gradient evaluations, all ranks
  std::int64_t critical_path = 0;     ///< what the slowest rank waited for
  std::int64_t loss_evaluations = 0;  ///< full-batch loss evaluations (not charged)

  bool fits(std::int64_t worst_case) const { return spent + worst_case <= limit; }
  void charge(std::int64_t total, std::int64_t critical) {
    spent += total;
    critical_path += critical;
  }
  bool operator==(const Budget&) const = default;
};

}  // namespace paraflow
