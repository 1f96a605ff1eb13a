// Shared by the fuzz targets: the three outcomes of one input, an independent strict-decimal
// checker for the oracles, a scratch file per process, and the tally printed at exit.
//
// Every target sorts each input into one of:
//   rejected  - the code under test threw its documented error type with a one-line message:
//               expected, counted;
//   accepted  - no error, and the target's oracle confirms the result is what the input means:
//               counted;
//   bug       - a crash or a sanitizer report (libFuzzer/ASan/UBSan stop the run), an
//               unexpected exception type or a malformed message (bug()), or a SILENT ACCEPT: the
//               input was accepted although the oracle says it is bad or was read wrongly
//               (silent_accept()). Both print one line and abort(), so libFuzzer saves the input
//               as a crash-* file and the replay test fails.
#pragma once

#include <unistd.h>

#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <string>
#include <string_view>

namespace paraflow::fuzz {

/// Counters of one target, printed as one `fuzz-stats` line when the process exits normally
/// (libFuzzer after -runs=N, or the replay driver). scripts/fuzz reads that line.
struct Tally {
  const char* target = "?";
  long tried = 0, accepted = 0, rejected = 0;
  std::map<std::string, long> notes;  ///< target-specific counts (e.g. accepted-unchanged)

  static Tally& get() {
    static Tally tally;
    return tally;
  }
  /// Counts an outcome (in `counter` of `notes` if given, else in rejected/accepted); with
  /// PARAFLOW_FUZZ_VERBOSE set, prints it (the replay's per-input log).
  void reject(const std::string& message, const char* counter = nullptr) {
    counter ? ++notes[counter] : ++rejected;
    if (verbose())
      std::fprintf(stderr, "  %s: %s\n", counter ? counter : "rejected", message.c_str());
  }
  void accept(const char* counter = nullptr) {
    counter ? ++notes[counter] : ++accepted;
    if (verbose()) std::fprintf(stderr, "  %s\n", counter ? counter : "accepted");
  }
  static bool verbose() {
    static const bool on = std::getenv("PARAFLOW_FUZZ_VERBOSE") != nullptr;
    return on;
  }
  /// silent_accepts is 0 by construction: a silent accept aborts before any normal exit.
  void print() const {
    std::fprintf(stderr,
                 "fuzz-stats target=%s tried=%ld accepted=%ld rejected=%ld silent_accepts=0",
                 target, tried, accepted, rejected);
    for (const auto& [name, count] : notes) std::fprintf(stderr, " %s=%ld", name.c_str(), count);
    std::fprintf(stderr, "\n");
  }
};

/// Names the target and arranges the tally line at exit; call once from LLVMFuzzerInitialize.
inline void start(const char* target) {
  Tally::get().target = target;
  std::atexit([] { Tally::get().print(); });
}

[[noreturn]] inline void silent_accept(const std::string& what) {
  std::fprintf(stderr, "SILENT ACCEPT (%s): %s\n", Tally::get().target, what.c_str());
  std::abort();
}

[[noreturn]] inline void bug(const std::string& what) {
  std::fprintf(stderr, "BUG (%s): %s\n", Tally::get().target, what.c_str());
  std::abort();
}

/// A rejection's message must be one non-empty line (the CLI prints it after "paraflow: error: ").
inline void expect_one_line(const std::string& message, const std::string& context) {
  if (message.empty()) bug("empty error message for " + context);
  if (message.find('\n') != std::string::npos)
    bug("error message of several lines for " + context + ": " + message);
}

/// The grammar the project promises for numbers, written independently of parse_decimal:
/// [+-] (digits [. [digits]] | . digits) [(e|E) [+-] digits], nothing else.
inline bool is_strict_decimal(std::string_view s) {
  std::size_t i = 0;
  auto digits = [&] {
    const std::size_t from = i;
    while (i < s.size() && s[i] >= '0' && s[i] <= '9') ++i;
    return i > from;
  };
  if (i < s.size() && (s[i] == '+' || s[i] == '-')) ++i;
  const bool before = digits();
  bool after = false;
  if (i < s.size() && s[i] == '.') ++i, after = digits();
  if (!before && !after) return false;
  if (i < s.size() && (s[i] == 'e' || s[i] == 'E')) {
    ++i;
    if (i < s.size() && (s[i] == '+' || s[i] == '-')) ++i;
    if (!digits()) return false;
  }
  return i == s.size();
}

/// The value of a strict decimal as the C library reads it (correctly rounded; +-HUGE_VAL on
/// overflow, 0 on underflow).
inline double c_value(std::string_view s) {
  const std::string text(s);
  return std::strtod(text.c_str(), nullptr);
}

/// A scratch directory for this process (removed at exit) and a file in it holding the input.
class Scratch {
 public:
  static Scratch& get() {
    static Scratch scratch;
    return scratch;
  }
  /// Writes `data` to a file named `name` in the scratch directory; returns its path.
  std::string write(const std::string& name, const std::uint8_t* data, std::size_t size) {
    const std::string path = dir_ + "/" + name;
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out.write(reinterpret_cast<const char*>(data), std::streamsize(size));
    out.close();
    if (!out) bug("cannot write the scratch file " + path);
    return path;
  }
  const std::string& dir() const { return dir_; }

 private:
  Scratch() {
    const char* tmp = std::getenv("TMPDIR");
    std::string pattern = std::string(tmp && *tmp ? tmp : "/tmp") + "/paraflow-fuzz-XXXXXX";
    if (!::mkdtemp(pattern.data())) bug("mkdtemp failed");
    dir_ = pattern;
    owner_ = ::getpid();
  }
  ~Scratch() {
    // Forked children (the HDF5 trial reads) end with _exit and never get here; only the owner
    // removes the directory.
    if (::getpid() != owner_) return;
    std::error_code ignored;
    std::filesystem::remove_all(dir_, ignored);
  }
  std::string dir_;
  pid_t owner_ = 0;
};

}  // namespace paraflow::fuzz
