// Deterministic random numbers: xoshiro256** seeded by SplitMix64, and keyed streams so that the
// batches of (slice, step) depend only on the seed, never on rank counts or on where a run resumed.
#pragma once

#include <Eigen/Core>
#include <array>
#include <cstdint>
#include <span>
#include <vector>

namespace paraflow {

/// SplitMix64 finaliser: a bijective 64-bit mix.
constexpr std::uint64_t mix64(std::uint64_t x) {
  x += 0x9E3779B97F4A7C15ull;
  x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ull;
  x = (x ^ (x >> 27)) * 0x94D049BB133111EBull;
  return x ^ (x >> 31);
}

/// xoshiro256** (Blackman & Vigna): small state, exact same sequence on every platform.
class Random {
 public:
  explicit Random(std::uint64_t seed);
  /// The stream of (seed, slice, step): what the fine propagator of slice `slice` draws its
  /// batch from at global SGD step `step`.
  static Random stream(std::uint64_t seed, std::uint64_t slice, std::uint64_t step);

  std::uint64_t next();
  /// Uniform in [0, 1) with 53 random bits.
  double uniform() { return double(next() >> 11) * 0x1.0p-53; }
  /// Uniform in [lo, hi).
  double uniform(double lo, double hi) { return lo + (hi - lo) * uniform(); }
  /// Uniform integer in [0, n), unbiased (Lemire's rejection).
  std::uint64_t below(std::uint64_t n);
  /// Standard normal (Box-Muller; one value per call, deterministic).
  double normal();

 private:
  std::array<std::uint64_t, 4> s_;
};

/// Draws batches of d_B distinct sample indices (without replacement) from {0..N-1}.
/// A batch equal to the whole set is the identity order, so full-batch SGD is exactly GD.
/// Allocates only at construction.
class BatchSampler {
 public:
  BatchSampler(Eigen::Index num_samples, Eigen::Index batch_size);
  /// The batch for one SGD step; valid until the next call.
  std::span<const Eigen::Index> draw(Random& random);
  Eigen::Index batch_size() const { return batch_size_; }
  Eigen::Index num_samples() const { return Eigen::Index(permutation_.size()); }

 private:
  std::vector<Eigen::Index> permutation_;  // the identity between draws
  std::vector<Eigen::Index> batch_;
  std::vector<Eigen::Index> swaps_;
  Eigen::Index batch_size_;
};

}  // namespace paraflow
