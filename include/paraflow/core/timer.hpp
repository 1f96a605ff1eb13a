// Wall-clock time per phase of an iteration, charged to one PhaseTimes field at a time.
#pragma once

#include <chrono>

#include "paraflow/core/history.hpp"

namespace paraflow {

/// Seconds since an arbitrary fixed point (steady clock).
inline double now_seconds() {
  using namespace std::chrono;
  return duration<double>(steady_clock::now().time_since_epoch()).count();
}

/// Charges the time between start() calls to the phase last started; stops at destruction.
class PhaseTimer {
 public:
  explicit PhaseTimer(PhaseTimes& times) : times_(times) {}
  ~PhaseTimer() { stop(); }
  void start(double PhaseTimes::*phase) {
    stop();
    phase_ = phase;
    started_ = now_seconds();
  }
  void stop() {
    if (phase_) times_.*phase_ += now_seconds() - started_;
    phase_ = nullptr;
  }

 private:
  PhaseTimes& times_;
  double PhaseTimes::*phase_ = nullptr;
  double started_ = 0;
};

}  // namespace paraflow
