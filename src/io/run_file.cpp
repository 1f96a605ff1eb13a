// The run file: RunRecord <-> HDF5 in the layout of docs/run-file.md.
// Matrices are stored row-major as h5py shows them: /weights/W{l} is [n_l, n_{l-1}] (Eigen's W_l
// transposed in memory), /data/* is [N, dim] (one point per row, i.e. Eigen's dim x N columns).
#include "paraflow/io/run_file.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <iterator>
#include <type_traits>
#include <utility>
#include <variant>
#include <vector>

#include "../child_process.hpp"
#include "../hdf5_file.hpp"
#include "paraflow/io/sha256.hpp"

namespace paraflow {
namespace {

using RowMajor = Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;

// /history columns: integer ones are HistoryEntry members; real ones a member or a phase time.
struct IntColumn {
  const char* name;
  std::int64_t HistoryEntry::*field;
};
struct RealColumn {
  const char* name;
  double HistoryEntry::*field;
  double PhaseTimes::*phase;
};
constexpr IntColumn kIntColumns[] = {{"iteration", &HistoryEntry::iteration},
                                     {"budget", &HistoryEntry::budget},
                                     {"critical_path_budget", &HistoryEntry::critical_path_budget},
                                     {"loss_evaluations", &HistoryEntry::loss_evaluations},
                                     {"corrections", &HistoryEntry::corrections}};
constexpr RealColumn kRealColumns[] = {{"loss", &HistoryEntry::loss, nullptr},
                                       {"wall_time", &HistoryEntry::wall_time, nullptr},
                                       {"time_fine", nullptr, &PhaseTimes::fine},
                                       {"time_coarse", nullptr, &PhaseTimes::coarse},
                                       {"time_communication", nullptr, &PhaseTimes::communication},
                                       {"time_argmin", nullptr, &PhaseTimes::argmin}};

// Written only by runs with --validation; absent (-1 when read) in other files and older ones.
constexpr RealColumn kValidationColumns[] = {
    {"validation_loss", &HistoryEntry::validation_loss, nullptr},
    {"validation_accuracy", &HistoryEntry::validation_accuracy, nullptr}};

double& real_field(HistoryEntry& e, const RealColumn& c) {
  return c.phase ? e.times.*c.phase : e.*c.field;
}

// "W2", "b2" (appended: GCC 12 gives a false -Wrestrict warning on "W" + std::to_string(l))
std::string layer_dataset(char kind, int layer) {
  std::string name(1, kind);
  name += std::to_string(layer);
  return name;
}

std::string one_line(std::string s) {
  for (char& c : s)
    if (c == '\n' || c == '\r') c = ' ';
  return s;
}

[[noreturn]] void system_error(const std::string& what) {
  throw std::runtime_error(what + ": " + std::strerror(errno));
}

// ---------------------------------------------------------------- writing

void write_attributes(const h5::Group& group, const Attributes& attributes) {
  for (const auto& [key, value] : attributes) {
    const std::string& name = key;  // clang 14 cannot capture a structured binding
    std::visit(
        [&](const auto& v) {
          using T = std::decay_t<decltype(v)>;
          if constexpr (std::is_same_v<T, std::int64_t>) group.set_int64(name, v);
          if constexpr (std::is_same_v<T, double>) group.set_double(name, v);
          if constexpr (std::is_same_v<T, std::string>) group.set_string(name, v);
        },
        value);
  }
}

void write_parameters(const h5::Group& group, const Network& network, const Vector& params) {
  if (params.size() != network.num_parameters())
    throw std::invalid_argument(group.path() + ": " + std::to_string(params.size()) +
                                " values, the network has " +
                                std::to_string(network.num_parameters()) + " parameters");
  for (int l = 1; l < network.num_layers(); ++l) {
    const hsize_t rows = network.width(l), cols = network.width(l - 1);
    const RowMajor w = network.weight(params, l);
    group.write_doubles(layer_dataset('W', l), {rows, cols}, w.data());
    const Vector b = network.bias(params, l);
    group.write_doubles(layer_dataset('b', l), {rows}, b.data());
  }
}

// A dim x N matrix as an [N, dim] dataset; an empty matrix is written as [0, dim].
void write_points(const h5::Group& group, const std::string& name, const Matrix& m, Index dim) {
  if (m.cols() > 0 && m.rows() != dim)
    throw std::invalid_argument(group.child(name) + ": points have " + std::to_string(m.rows()) +
                                " coordinates, expected " + std::to_string(dim));
  group.write_doubles(name, {hsize_t(m.cols()), hsize_t(dim)}, m.data());
}

void write_history(const h5::Group& group, const History& history) {
  for (const IntColumn& c : kIntColumns) {
    std::vector<std::int64_t> v;
    for (const HistoryEntry& e : history) v.push_back(e.*c.field);
    group.write_int64s(c.name, v);
  }
  const bool validated = std::any_of(history.begin(), history.end(),
                                     [](const HistoryEntry& e) { return e.validation_loss != -1; });
  std::vector<RealColumn> columns(std::begin(kRealColumns), std::end(kRealColumns));
  if (validated)
    columns.insert(columns.end(), std::begin(kValidationColumns), std::end(kValidationColumns));
  for (const RealColumn& c : columns) {
    std::vector<double> v;
    for (HistoryEntry e : history) v.push_back(real_field(e, c));
    group.write_doubles(c.name, {v.size()}, v.data());
  }
}

// The values of variable-length strings live in the global heap, which HDF5 1.10 does not
// checksum: their SHA-256 goes into a fixed-length root attribute, whose object header is
// checksummed. Computed from the record, so writer and reader hash the same text.
constexpr const char* kStringsDigest = "strings_sha256";

std::string strings_digest(const RunRecord& r) {
  std::string text;
  auto add = [&text](const std::string& name, const std::string& value) {
    text.append(name).push_back('\0');
    text.append(value).push_back('\0');
  };
  add("paraflow_version", r.paraflow_version);
  add("git_revision", r.git_revision);
  add("build", r.build);
  add("command_line", r.command_line);
  add("created", r.created);
  for (const auto* group : {&r.options, &r.state})
    for (const auto& [name, value] : *group)
      if (const auto* s = std::get_if<std::string>(&value)) add(name, *s);
  add("network/activation", to_string(r.network.hidden_activation()));
  add("network/output_activation", to_string(r.network.output_activation()));
  add("data/problem", r.problem);
  if (r.problem != "poisson" && r.data_reference) {  // as write_contents stores it
    add("data/file", r.data_reference->file);
    add("data/sha256", r.data_reference->sha256);
  }
  return sha256_hex(text);
}

void write_contents(const h5::File& file, const RunRecord& r) {
  file.set_string("paraflow_version", r.paraflow_version);
  file.set_string("git_revision", r.git_revision);
  file.set_string("build", r.build);
  file.set_string("command_line", r.command_line);
  file.set_string("created", r.created);
  write_attributes(file.create_group("options"), r.options);

  const Network& net = r.network;
  const h5::Group network = file.create_group("network");
  network.set_ints("layers", net.layers());
  network.set_string("activation", to_string(net.hidden_activation()));
  network.set_string("output_activation", to_string(net.output_activation()));
  write_parameters(file.create_group("weights"), net, r.weights);

  const h5::Group data = file.create_group("data");
  data.set_string("problem", r.problem);
  if (r.problem == "poisson") {
    write_points(data, "collocation", r.collocation, 2);
    write_points(data, "boundary", r.boundary, 2);
  } else if (r.data_reference) {
    data.set_string("file", r.data_reference->file);
    data.set_string("sha256", r.data_reference->sha256);
    data.set_int64("samples", r.data_reference->samples);
  } else {
    if (r.inputs.cols() != r.targets.cols())
      throw std::invalid_argument("/data: " + std::to_string(r.inputs.cols()) + " inputs but " +
                                  std::to_string(r.targets.cols()) + " targets");
    write_points(data, "inputs", r.inputs, net.layers().front());
    write_points(data, "targets", r.targets, net.layers().back());
  }
  write_history(file.create_group("history"), r.history);
  write_attributes(file.create_group("state"), r.state);
  if (r.gradient) {
    const h5::Group gradient = file.create_group("gradient");
    write_parameters(gradient, net, *r.gradient);
    if (r.gradient_loss) gradient.set_double("loss", *r.gradient_loss);
  }
  file.set_fixed_string(kStringsDigest, strings_digest(r));
}

void sync_path(const std::string& path, int flags, bool tolerate_einval) {
  const int fd = ::open(path.c_str(), flags);
  if (fd < 0) system_error("cannot open " + path + " to sync it");
  const bool ok = ::fsync(fd) == 0 || (tolerate_einval && errno == EINVAL);
  const int saved = errno;
  ::close(fd);
  errno = saved;
  if (!ok) system_error("cannot sync " + path);
}

// ---------------------------------------------------------------- reading

Attributes read_attributes(const h5::Group& group) {
  Attributes attributes;
  for (const std::string& name : group.attribute_names()) {
    switch (group.attribute_class(name)) {
      case H5T_INTEGER:
        attributes[name] = group.get_int64(name);
        break;
      case H5T_FLOAT:
        attributes[name] = group.get_double(name);
        break;
      case H5T_STRING:
        attributes[name] = group.get_string(name);
        break;
      default:
        throw h5::Error(group.path() + ": attribute '" + name +
                        "': expected an integer, real number or string");
    }
  }
  return attributes;
}

Activation read_activation(const h5::Group& group, const std::string& name) {
  const std::string value = group.get_string(name);
  try {
    return parse_activation(value);
  } catch (const std::invalid_argument& e) {
    throw h5::Error(group.path() + ": attribute '" + name + "': " + e.what());
  }
}

Network read_network(const h5::Group& group) {
  const std::vector<std::int64_t> sizes = group.get_int64s("layers");
  std::vector<int> layers;
  for (std::int64_t n : sizes)
    if (n >= 1 && n <= (1 << 24)) layers.push_back(int(n));
  if (layers.size() < 2 || layers.size() != sizes.size())
    throw h5::Error(group.path() +
                    ": attribute 'layers': expected at least two positive layer sizes");
  return Network(layers, read_activation(group, "activation"),
                 read_activation(group, "output_activation"));
}

Vector read_parameters(const h5::Group& group, const Network& network) {
  std::vector<std::vector<double>> parts;  // every dataset checked before the vector is sized
  for (int l = 1; l < network.num_layers(); ++l) {
    const long long rows = network.width(l), cols = network.width(l - 1);
    parts.push_back(group.read_doubles(layer_dataset('W', l), {rows, cols}));
    parts.push_back(group.read_doubles(layer_dataset('b', l), {rows}));
  }
  Vector params(network.num_parameters());
  for (int l = 1; l < network.num_layers(); ++l) {
    const auto& w = parts[2 * (l - 1)];
    const auto& b = parts[2 * (l - 1) + 1];
    network.weight(params, l) =
        Eigen::Map<const RowMajor>(w.data(), network.width(l), network.width(l - 1));
    network.bias(params, l) = Eigen::Map<const Vector>(b.data(), network.width(l));
  }
  return params;
}

// An [N, dim] dataset (N = `count`, any if < 0) as a dim x N matrix.
Matrix read_points(const h5::Group& group, const std::string& name, Index dim,
                   long long count = -1) {
  std::vector<hsize_t> dims;
  const std::vector<double> values = group.read_doubles(name, {count, dim}, &dims);
  return Eigen::Map<const Matrix>(values.data(), dim, Index(dims[0]));
}

History read_history(const h5::Group& group) {
  const std::vector<std::int64_t> iteration = group.read_int64s("iteration");
  const auto n = static_cast<long long>(iteration.size());
  History history(n);
  for (const IntColumn& c : kIntColumns) {
    const std::vector<std::int64_t> v = group.read_int64s(c.name, n);
    for (long long i = 0; i < n; ++i) history[i].*c.field = v[i];
  }
  std::vector<RealColumn> columns(std::begin(kRealColumns), std::end(kRealColumns));
  for (const RealColumn& c : kValidationColumns)
    if (group.has(c.name)) columns.push_back(c);
  for (const RealColumn& c : columns) {
    const std::vector<double> v = group.read_doubles(c.name, {n});
    for (long long i = 0; i < n; ++i) real_field(history[i], c) = v[i];
  }
  return history;
}

h5::File open_run_file(const std::string& path) {
  const int fd = ::open(path.c_str(), O_RDONLY);
  if (fd < 0) throw RunFileError(path + ": cannot open: " + std::strerror(errno));
  ::close(fd);
  H5Eset_auto2(H5E_DEFAULT, nullptr, nullptr);
  if (H5Fis_hdf5(path.c_str()) <= 0) throw RunFileError(path + ": not an HDF5 file");
  try {
    return h5::File::open_read_only(path);
  } catch (const h5::ChecksumError&) {
    throw;
  } catch (const h5::Error&) {
    throw RunFileError(path + ": not a valid HDF5 file (truncated or corrupt)");
  }
}

RunRecord read_contents(const h5::File& file) {
  RunRecord r;
  r.paraflow_version = file.get_string("paraflow_version");
  r.git_revision = file.get_string("git_revision");
  if (file.has_attribute("build")) r.build = file.get_string("build");
  r.command_line = file.get_string("command_line");
  r.created = file.get_string("created");
  r.options = read_attributes(file.open_group("options"));
  r.network = read_network(file.open_group("network"));
  r.weights = read_parameters(file.open_group("weights"), r.network);

  const h5::Group data = file.open_group("data");
  r.problem = data.get_string("problem");
  if (r.problem == "poisson") {
    r.collocation = read_points(data, "collocation", 2);
    r.boundary = read_points(data, "boundary", 2);
  } else if (data.has_attribute("file") && !data.has("inputs")) {
    r.data_reference = DataReference{data.get_string("file"), data.get_string("sha256"),
                                     data.get_int64("samples")};
  } else {
    r.inputs = read_points(data, "inputs", r.network.layers().front());
    r.targets = read_points(data, "targets", r.network.layers().back(), r.inputs.cols());
  }
  r.history = read_history(file.open_group("history"));
  r.state = read_attributes(file.open_group("state"));
  if (file.has("gradient")) {
    const h5::Group gradient = file.open_group("gradient");
    r.gradient = read_parameters(gradient, r.network);
    if (gradient.has_attribute("loss")) r.gradient_loss = gradient.get_double("loss");
  }
  return r;
}

// Every failure as one RunFileError line starting with `path`.
RunRecord read_in_process(const std::string& path) {
  try {
    const h5::File file = open_run_file(path);
    RunRecord r = read_contents(file);
    // Files written before the digest have none (their strings are unprotected, as their data).
    if (file.has_attribute(kStringsDigest) && file.get_string(kStringsDigest) != strings_digest(r))
      throw RunFileError(path + ": corrupt (checksum mismatch in the string attributes)");
    return r;
  } catch (const RunFileError& e) {
    throw RunFileError(one_line(e.what()));
  } catch (const h5::ChecksumError& e) {
    throw RunFileError(one_line(path + ": corrupt (checksum mismatch in " + e.object() + ")"));
  } catch (const std::exception& e) {
    throw RunFileError(one_line(path + ": " + e.what()));
  }
}

// How long the trial read may take: a run file of a few MB reads in milliseconds, but HDF5 1.10
// can also loop forever on a corrupt file. 30 s, plus 1 s per 10 MB for a slow shared file system.
double trial_read_seconds(const std::string& path) {
  std::error_code error;
  const auto bytes = std::filesystem::file_size(path, error);
  return trial_read_limit(30 + (error ? 0 : double(bytes) / 10e6));
}

}  // namespace

void write_run_file(const std::string& path, const RunRecord& record) {
  const std::string tmp = path + ".tmp." + std::to_string(::getpid());
  int fd = -1;
  try {
    fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0) system_error("cannot create " + tmp);
    // HDF5 makes the file in memory and plain write(2)s put it on disk: a full disk or an I/O
    // error is then one errno here, not a failed write inside HDF5, after which HDF5 1.10.8
    // cannot close the file and crashes at exit.
    std::vector<unsigned char> bytes;
    {
      h5::File file = h5::File::create_in_memory(tmp);
      write_contents(file, record);
      bytes = file.image();
      file.close();
    }
    for (std::size_t done = 0; done < bytes.size();) {
      const ssize_t n = ::write(fd, bytes.data() + done, bytes.size() - done);
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) system_error("cannot write " + tmp);
      done += std::size_t(n);
    }
    if (::fsync(fd) != 0) system_error("cannot sync " + tmp);
    if (::close(std::exchange(fd, -1)) != 0) system_error("cannot write " + tmp);
    if (std::rename(tmp.c_str(), path.c_str()) != 0) system_error("cannot rename " + tmp);
    std::string dir = std::filesystem::path(path).parent_path().string();
    sync_path(dir.empty() ? "." : dir, O_RDONLY | O_DIRECTORY, true);
  } catch (const std::exception& e) {
    if (fd >= 0) ::close(fd);
    std::error_code ignored;
    std::filesystem::remove(tmp, ignored);
    throw RunFileError(one_line("cannot write " + path + ": " + e.what()));
  }
}

RunRecord read_run_file(const std::string& path) {
  // HDF5 1.10 can crash (SIGSEGV) or loop forever on a corrupt file: on files written before
  // checksums, or on what the checksums do not cover (the global heap of variable-length
  // strings). So the same reader first reads the file in a forked child: a crash or a hang there
  // is this error instead of the end of an MPI job.
  const ChildOutcome trial = run_in_child([&] { read_in_process(path); }, trial_read_seconds(path));
  if (trial.kind == ChildOutcome::threw) throw RunFileError(trial.message);
  if (trial.kind == ChildOutcome::died)
    throw RunFileError(path + ": corrupt or unreadable (the HDF5 reader " + trial.message + ")");
  return read_in_process(path);  // passed, or no child could be started: read it unprotected
}

}  // namespace paraflow
