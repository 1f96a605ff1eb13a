// Fuzz target (e): run files (io/run_file read_run_file, then what `paraflow run --resume`
// checks before training). The input is the file's bytes; the seeds are valid run files
// (corpus/run_file/seed-*), which libFuzzer mutates (bit flips, byte changes, insertions,
// truncations, cross-overs). read_run_file reads every file in a forked child first
// (src/child_process.hpp), so a file that crashes HDF5 is a rejection: a fork per input.
//
// Verify (what a resume does with the record, file-independent): RunConfig::from_attributes of
// /options, the /state attributes state_from reads with their types, and RunConfig::resolve
// with the record's sample count.
//
// Oracle:
//   rejected: RunFileError from the read, or RunFileError / std::invalid_argument from verify,
//             with a one-line message (the read's starting with "PATH:");
//   bug:      any other exception, or a crash of this (parent) process;
//   accepted: the record equals one of the seeds in everything the file's checksums protect:
//             weights, layer sizes, data, history, gradient, the names, types and values of
//             /options and /state attributes, and every string (the values of variable-length
//             strings live in the global heap, which the HDF5 1.10 format does not checksum;
//             their SHA-256 is the fixed-length root attribute strings_sha256, which it does);
//   SILENT ACCEPT: accepted, yet the protected content differs from every seed: the bytes
//             changed and read back as valid with other weights, data, history, options or
//             strings.
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "fuzz_common.hpp"
#include "paraflow/driver/run_config.hpp"
#include "paraflow/io/run_file.hpp"
#include "paraflow/problems/problem.hpp"
#include "paraflow/problems/user_data.hpp"

#ifndef PARAFLOW_FUZZ_SEEDS
#error "PARAFLOW_FUZZ_SEEDS: the directory of the valid seed run files"
#endif

namespace {

using namespace paraflow;
using namespace paraflow::fuzz;

std::vector<RunRecord>& seeds() {
  static std::vector<RunRecord> all;
  return all;
}

template <class M>
bool same_bits(const M& a, const M& b) {
  return a.rows() == b.rows() && a.cols() == b.cols() &&
         (a.size() == 0 || std::memcmp(a.data(), b.data(), sizeof(double) * a.size()) == 0);
}

bool same_bits(double a, double b) {
  return std::memcmp(&a, &b, sizeof a) == 0;
}

// Differences between two records: `checksummed` when any protected value differs; the names of
// string values that differ in `strings`.
struct Difference {
  bool checksummed = false;
  std::vector<std::string> strings;
};

void compare_attributes(const Attributes& a, const Attributes& b, const std::string& group,
                        Difference& diff) {
  if (a.size() != b.size()) diff.checksummed = true;
  for (const auto& [name, value] : a) {
    const auto it = b.find(name);
    if (it == b.end() || value.index() != it->second.index()) {
      diff.checksummed = true;
    } else if (const auto* s = std::get_if<std::string>(&value)) {
      if (*s != std::get<std::string>(it->second)) diff.strings.push_back(group + "/" + name);
    } else if (const auto* i = std::get_if<std::int64_t>(&value)) {
      diff.checksummed |= *i != std::get<std::int64_t>(it->second);
    } else {
      diff.checksummed |= !same_bits(std::get<double>(value), std::get<double>(it->second));
    }
  }
}

Difference compare(const RunRecord& r, const RunRecord& s) {
  Difference diff;
  auto text = [&](const std::string& a, const std::string& b, const char* name) {
    if (a != b) diff.strings.push_back(name);
  };
  text(r.paraflow_version, s.paraflow_version, "paraflow_version");
  text(r.git_revision, s.git_revision, "git_revision");
  text(r.build, s.build, "build");
  text(r.command_line, s.command_line, "command_line");
  text(r.created, s.created, "created");
  text(r.problem, s.problem, "/data/problem");
  text(to_string(r.network.hidden_activation()), to_string(s.network.hidden_activation()),
       "/network/activation");
  text(to_string(r.network.output_activation()), to_string(s.network.output_activation()),
       "/network/output_activation");
  compare_attributes(r.options, s.options, "/options", diff);
  compare_attributes(r.state, s.state, "/state", diff);
  diff.checksummed |=
      r.network.layers() != s.network.layers() || !same_bits(r.weights, s.weights) ||
      !same_bits(r.inputs, s.inputs) || !same_bits(r.targets, s.targets) ||
      !same_bits(r.collocation, s.collocation) || !same_bits(r.boundary, s.boundary) ||
      r.history.size() != s.history.size() || r.gradient.has_value() != s.gradient.has_value() ||
      r.gradient_loss.has_value() != s.gradient_loss.has_value();
  if (diff.checksummed) return diff;
  if (r.gradient) diff.checksummed |= !same_bits(*r.gradient, *s.gradient);
  if (r.gradient_loss) diff.checksummed |= !same_bits(*r.gradient_loss, *s.gradient_loss);
  for (std::size_t i = 0; i < r.history.size(); ++i) {
    const HistoryEntry &a = r.history[i], &b = s.history[i];
    // Bitwise, and == for the members this list does not name (HistoryEntry's operator==).
    diff.checksummed |=
        !(a == b) || a.iteration != b.iteration || a.budget != b.budget ||
        a.critical_path_budget != b.critical_path_budget ||
        a.loss_evaluations != b.loss_evaluations || a.corrections != b.corrections ||
        !same_bits(a.loss, b.loss) || !same_bits(a.wall_time, b.wall_time) ||
        !same_bits(a.times.fine, b.times.fine) || !same_bits(a.times.coarse, b.times.coarse) ||
        !same_bits(a.times.communication, b.times.communication) ||
        !same_bits(a.times.argmin, b.times.argmin);
  }
  return diff;
}

// What `paraflow run --resume` checks on the record before it reads the data file or trains.
void verify(const RunRecord& r) {
  RunConfig c = RunConfig::from_attributes(r.options);
  for (const char* name :
       {"iteration", "budget", "critical_path_budget", "loss_evaluations", "loss_known"})
    attribute<std::int64_t>(r.state, "/state", name);
  for (const char* name : {"loss", "wall_time"}) attribute<double>(r.state, "/state", name);
  c.resume.clear();
  c.resolve_problem();
  if (c.problem == "data") {
    parse_widths(c.hidden, "hidden");
    parse_reduction(c.reduction);
  }
  c.resolve(r.problem == "poisson" ? r.collocation.cols() + r.boundary.cols() : r.inputs.cols());
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  start("run_file");
  for (const auto& entry : std::filesystem::directory_iterator(PARAFLOW_FUZZ_SEEDS))
    if (entry.path().filename().string().rfind("seed-", 0) == 0) {
      seeds().push_back(read_run_file(entry.path().string()));
      verify(seeds().back());
    }
  if (seeds().empty()) bug("no seed run files in " PARAFLOW_FUZZ_SEEDS);
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  Tally& tally = Tally::get();
  ++tally.tried;
  const std::string path = Scratch::get().write("run.h5", data, size);
  RunRecord record;
  try {
    record = read_run_file(path);
  } catch (const RunFileError& e) {
    const std::string message = e.what();
    expect_one_line(message, "a run file");
    if (message.substr(0, path.size() + 1) != path + ":")
      bug("the error does not name the file: " + message);
    if (message.find("checksum mismatch") != std::string::npos) ++tally.notes["checksum_errors"];
    if (message.find("corrupt or unreadable") != std::string::npos)
      ++tally.notes["contained_reader_crashes"];
    tally.reject(message);
    return 0;
  } catch (const std::exception& e) {
    bug(std::string("read_run_file threw another type: ") + e.what());
  }
  try {
    verify(record);
  } catch (const RunFileError& e) {
    expect_one_line(e.what(), "a run file's options");
    tally.reject(e.what()), ++tally.notes["rejected_by_verify"];
    return 0;
  } catch (const std::invalid_argument& e) {
    expect_one_line(e.what(), "a run file's options");
    tally.reject(e.what()), ++tally.notes["rejected_by_verify"];
    return 0;
  } catch (const std::exception& e) {
    bug(std::string("verify threw another type: ") + e.what());
  }
  const Difference* closest = nullptr;
  std::vector<Difference> diffs;
  for (const RunRecord& s : seeds()) diffs.push_back(compare(record, s));
  for (const Difference& d : diffs)
    if (!d.checksummed && (!closest || d.strings.size() < closest->strings.size())) closest = &d;
  if (!closest)
    silent_accept("a run file whose checksummed content differs from every seed read as valid");
  if (!closest->strings.empty())
    silent_accept("a run file whose string " + closest->strings.front() +
                  " differs from every seed's read as valid (its digest should not match)");
  tally.accept();
  return 0;
}
