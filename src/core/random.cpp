#include "paraflow/core/random.hpp"

#include <cmath>
#include <numeric>
#include <stdexcept>

namespace paraflow {

namespace {
constexpr std::uint64_t rotl(std::uint64_t x, int k) {
  return (x << k) | (x >> (64 - k));
}
}  // namespace

Random::Random(std::uint64_t seed) {
  std::uint64_t x = seed;
  for (auto& word : s_) {
    x = mix64(x);
    word = x;
  }
}

Random Random::stream(std::uint64_t seed, std::uint64_t slice, std::uint64_t step) {
  return Random(mix64(mix64(mix64(seed) ^ slice) ^ (step * 0xD1B54A32D192ED03ull)));
}

std::uint64_t Random::next() {
  const std::uint64_t result = rotl(s_[1] * 5, 7) * 9;
  const std::uint64_t t = s_[1] << 17;
  s_[2] ^= s_[0];
  s_[3] ^= s_[1];
  s_[1] ^= s_[2];
  s_[0] ^= s_[3];
  s_[2] ^= t;
  s_[3] = rotl(s_[3], 45);
  return result;
}

std::uint64_t Random::below(std::uint64_t n) {
  // Lemire: multiply-shift with rejection of the biased low region.
  unsigned __int128 m = (unsigned __int128)next() * n;
  std::uint64_t low = std::uint64_t(m);
  if (low < n) {
    const std::uint64_t threshold = (0 - n) % n;
    while (low < threshold) {
      m = (unsigned __int128)next() * n;
      low = std::uint64_t(m);
    }
  }
  return std::uint64_t(m >> 64);
}

double Random::normal() {
  const double u1 = 1.0 - uniform();  // (0, 1]
  const double u2 = uniform();
  return std::sqrt(-2.0 * std::log(u1)) * std::cos(2.0 * M_PI * u2);
}

BatchSampler::BatchSampler(Eigen::Index num_samples, Eigen::Index batch_size)
    : permutation_(num_samples), batch_(batch_size), swaps_(batch_size), batch_size_(batch_size) {
  if (batch_size < 1 || batch_size > num_samples)
    throw std::invalid_argument("batch size must be in [1, number of samples]");
  std::iota(permutation_.begin(), permutation_.end(), Eigen::Index(0));
  std::iota(batch_.begin(), batch_.end(), Eigen::Index(0));
}

std::span<const Eigen::Index> BatchSampler::draw(Random& random) {
  const Eigen::Index n = num_samples();
  if (batch_size_ == n) return batch_;  // full batch: identity order, no draws
  // Partial Fisher-Yates, then undo the swaps so the permutation is the identity again.
  for (Eigen::Index j = 0; j < batch_size_; ++j) {
    const auto r = j + Eigen::Index(random.below(std::uint64_t(n - j)));
    swaps_[j] = r;
    std::swap(permutation_[j], permutation_[r]);
    batch_[j] = permutation_[j];
  }
  for (Eigen::Index j = batch_size_ - 1; j >= 0; --j)
    std::swap(permutation_[j], permutation_[swaps_[j]]);
  return batch_;
}

}  // namespace paraflow
