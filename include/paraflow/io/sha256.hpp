// SHA-256 (FIPS 180-4), for content hashes of data files recorded beside a run: no dependency on
// a crypto library for one well-specified function.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>

namespace paraflow {

/// Incremental SHA-256: update() any number of times, then hex() once.
class Sha256 {
 public:
  Sha256();
  void update(const void* data, std::size_t size);
  void update(std::string_view bytes) { update(bytes.data(), bytes.size()); }
  /// The digest as 64 lower-case hex digits; ends the computation (further calls throw).
  std::string hex();

 private:
  void compress(const unsigned char* block);

  std::array<std::uint32_t, 8> state_;
  std::array<unsigned char, 64> buffer_{};
  std::size_t buffered_ = 0;
  std::uint64_t length_ = 0;  // bytes hashed so far
  bool finished_ = false;
};

/// SHA-256 of `bytes` as 64 lower-case hex digits.
std::string sha256_hex(std::string_view bytes);

}  // namespace paraflow
