// The benchmarks' timer: calls f in doubling chunks (few clock reads) until at least `seconds`
// have passed.
#pragma once

#include <chrono>

namespace bench {

struct Repeated {
  long calls;
  double seconds;
  double per_second() const { return double(calls) / seconds; }
};

template <class F>
Repeated repeat_for(double seconds, F&& f) {
  using clock = std::chrono::steady_clock;
  long calls = 0, chunk = 1;
  const auto start = clock::now();
  double elapsed = 0;
  while (elapsed < seconds) {
    for (long i = 0; i < chunk; ++i) f();
    calls += chunk;
    chunk *= 2;
    elapsed = std::chrono::duration<double>(clock::now() - start).count();
  }
  return {calls, elapsed};
}

}  // namespace bench
