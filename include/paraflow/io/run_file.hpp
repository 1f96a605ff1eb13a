// The run file (HDF5): result and checkpoint of one run, layout in docs/run-file.md.
// Only rank 0 calls these.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <stdexcept>
#include <string>
#include <variant>
#include <vector>

#include "paraflow/core/history.hpp"
#include "paraflow/core/network.hpp"

namespace paraflow {

/// A value in /options or /state: integer, real or string attribute.
using Attribute = std::variant<std::int64_t, double, std::string>;
using Attributes = std::map<std::string, Attribute>;

/// A data file a run file names instead of embedding it (/data attributes): too large to copy
/// into every checkpoint, or --embed-data no.
struct DataReference {
  std::string file;      ///< absolute path when written
  std::string sha256;    ///< of the file's bytes
  std::int64_t samples;  ///< N
  bool operator==(const DataReference&) const = default;
};

/// Everything a run file holds, as plain data.
struct RunRecord {
  // / attributes
  std::string paraflow_version;
  std::string git_revision;
  std::string build;  ///< build_description() of the writer; empty in older files
  std::string command_line;
  std::string created;  ///< ISO 8601
  Attributes options;   ///< /options: every resolved option and the seed
  Network network{{1, 1}, Activation::linear, Activation::linear};  ///< /network
  Vector weights;          ///< /weights/W{l}, /weights/b{l}, flattened as Network lays them out
  std::string problem;     ///< which /data datasets exist: "poisson" or a data-fit problem
  Matrix inputs, targets;  ///< /data/inputs [N, I], /data/targets [N, O] (I x N, O x N here)
  std::optional<DataReference> data_reference;  ///< set: no /data/inputs, /data/targets
  Matrix collocation,
      boundary;      ///< /data/collocation [N_c, 2], /data/boundary [N_b, 2] (2 x N here)
  History history;   ///< /history/*
  Attributes state;  ///< /state: counters and everything a bit-exact resume needs
  std::optional<Vector> gradient;       ///< /gradient/W{l}, b{l} (evaluate only)
  std::optional<double> gradient_loss;  ///< attribute `loss` on /gradient
};

/// Any problem reading or writing a run file: `what()` is one line naming the file, the path
/// inside it and what was expected.
class RunFileError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

/// The value of attribute `name` in `attributes` (those of group `group`, e.g. "/options") as a T
/// (std::int64_t, double or std::string); RunFileError naming both if it is missing or not a T.
template <class T>
const T& attribute(const Attributes& attributes, const std::string& group,
                   const std::string& name) {
  const auto it = attributes.find(name);
  if (it == attributes.end()) throw RunFileError(group + ": attribute '" + name + "' missing");
  const T* value = std::get_if<T>(&it->second);
  if (!value) throw RunFileError(group + ": attribute '" + name + "' has the wrong type");
  return *value;
}

/// Writes `record` atomically: to a temporary name in the same directory, flushed, then renamed.
/// The file carries checksums: on its metadata (the HDF5 1.10 format; all but the global heap
/// that holds string values) and on every non-empty dataset (chunked, Fletcher32 filter). HDF5
/// 1.8 and older cannot read it.
void write_run_file(const std::string& path, const RunRecord& record);

/// Reads and validates a run file (every group, type and shape, and the checksums where the file
/// has them: files written before them still read). A checksum that does not match is
/// "PATH: corrupt (checksum mismatch in /weights/W2)". The file is first read by the same code in
/// a forked child process, so a corrupt file that crashes or hangs the HDF5 library is
/// "PATH: corrupt or unreadable (...)" and not the end of the caller; this costs a fork and a
/// second read (a few ms for a file of a few 100 KB, more in a process with a large heap:
/// docs/reliability.md). Any rank may call it: the child touches only the file and ends with
/// _exit.
RunRecord read_run_file(const std::string& path);

}  // namespace paraflow
