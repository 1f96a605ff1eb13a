// Reading users' data files (CSV with a header, HDF5) into a Dataset; every complaint is one line
// naming the file and, for CSV, the line.
#include "paraflow/io/data_file.hpp"

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <string_view>
#include <unordered_set>

#include "../child_process.hpp"
#include "../hdf5_file.hpp"
#include "../physical_memory.hpp"
#include "paraflow/io/decimal.hpp"
#include "paraflow/io/sha256.hpp"

namespace paraflow {
namespace {

namespace fs = std::filesystem;

// Labels beyond this are a mistake (a regression target read as labels), not a class count.
constexpr double kMaxClasses = 100000;

/// Where a sample came from, for messages: "PATH:LINE" (CSV) or "PATH: /inputs sample K" (HDF5).
using Locate = std::function<std::string(Index sample)>;

[[noreturn]] void fail(const std::string& where, const std::string& what) {
  throw DataFileError(where + ": " + what);
}

std::string line_of(const std::string& path, Index line) {
  return path + ":" + std::to_string(line);
}

std::string number_string(double x) {
  char buffer[32];
  const auto end = std::to_chars(buffer, buffer + sizeof buffer, x).ptr;
  return std::string(buffer, end);
}

std::string read_bytes(const std::string& path) {
  std::error_code ec;
  const auto status = fs::status(path, ec);
  if (!fs::exists(status)) fail(path, "no such file");
  if (fs::is_directory(status)) fail(path, "is a directory, not a data file");
  std::ifstream in(path, std::ios::binary);
  if (!in) fail(path, std::string("cannot open: ") + std::strerror(errno));
  std::string bytes;
  char chunk[1 << 16];
  while (in.read(chunk, sizeof chunk) || in.gcount() > 0) bytes.append(chunk, in.gcount());
  if (in.bad()) fail(path, "read error");
  return bytes;
}

// The HDF5 superblock signature sits at byte 0, 512, 1024, 2048, ... (after a user block).
bool has_hdf5_signature(std::string_view bytes) {
  constexpr std::string_view kSignature("\x89HDF\r\n\x1a\n", 8);
  for (std::size_t at = 0; at + kSignature.size() <= bytes.size(); at = at == 0 ? 512 : 2 * at)
    if (bytes.substr(at, kSignature.size()) == kSignature) return true;
  return false;
}

bool has_hdf5_extension(const std::string& path) {
  std::string ext = fs::path(path).extension().string();
  std::transform(ext.begin(), ext.end(), ext.begin(),
                 [](unsigned char c) { return std::tolower(c); });
  return ext == ".h5" || ext == ".hdf5" || ext == ".he5";
}

// ---------------------------------------------------------------------------------------------
// Targets: plain values, class labels turned one-hot, or probability rows.

void check_finite(const Matrix& m, const Locate& where, const std::string& what) {
  for (Index j = 0; j < m.cols(); ++j)
    for (Index i = 0; i < m.rows(); ++i)
      if (!std::isfinite(m(i, j)))
        fail(where(j), what + " " + std::to_string(i) + " is " + number_string(m(i, j)) +
                           ", not a finite number");
}

/// `where` names a sample's row, `where_label` its class label (for CSV, with the column).
void set_targets(Dataset& data, const Matrix& raw, bool is_label_dataset,
                 const DataOptions& options, const Locate& where, const Locate& where_label) {
  if (is_label_dataset || (options.cross_entropy && raw.rows() == 1)) {
    // Class labels 0..C-1 -> one-hot columns.
    if (raw.rows() != 1) fail(data.path, "class labels must be a single column");
    double largest = 0;
    for (Index j = 0; j < raw.cols(); ++j) {
      const double y = raw(0, j);
      if (!(y >= 0) || y != std::floor(y))
        fail(where_label(j), "class label " + number_string(y) + " is not an integer >= 0");
      if (y >= kMaxClasses)
        fail(where_label(j), "class label " + number_string(y) + " is too large (at most " +
                                 number_string(kMaxClasses) + " classes)");
      if (options.classes > 0 && y >= double(options.classes))
        fail(where_label(j), "class label " + number_string(y) +
                                 " is not below the number of classes " +
                                 std::to_string(options.classes));
      largest = std::max(largest, y);
    }
    data.classes = options.classes > 0 ? options.classes : Index(largest) + 1;
    if (data.classes < 2)
      fail(data.path, "every class label is 0: classification needs at least 2 classes");
    data.labels = true;
    data.targets = Matrix::Zero(data.classes, raw.cols());
    for (Index j = 0; j < raw.cols(); ++j) data.targets(Index(raw(0, j)), j) = 1.0;
    return;
  }
  if (options.cross_entropy) {
    // Several target columns: soft (or already one-hot) class probabilities.
    for (Index j = 0; j < raw.cols(); ++j) {
      const double sum = raw.col(j).sum();
      if (raw.col(j).minCoeff() < 0 || std::abs(sum - 1.0) > 1e-6)
        fail(where(j), "cross-entropy targets must be probabilities (>= 0, summing to 1 over the " +
                           std::to_string(raw.rows()) + " target columns); these sum to " +
                           number_string(sum));
    }
  }
  data.targets = raw;
}

// ---------------------------------------------------------------------------------------------
// CSV

std::string_view trim(std::string_view s) {
  const auto first = s.find_first_not_of(" \t");
  if (first == std::string_view::npos) return {};
  return s.substr(first, s.find_last_not_of(" \t") - first + 1);
}

/// Splits one line at commas into trimmed fields; a field may be wrapped in double quotes.
void split_fields(std::string_view line, const std::string& where,
                  std::vector<std::string_view>& fields) {
  fields.clear();
  for (std::size_t start = 0;;) {
    const std::size_t comma = line.find(',', start);
    std::string_view field = trim(line.substr(start, comma - start));
    if (field.find('"') != std::string_view::npos) {
      if (field.size() < 2 || field.front() != '"' || field.back() != '"' ||
          field.substr(1, field.size() - 2).find('"') != std::string_view::npos)
        fail(where, "field " + std::to_string(fields.size() + 1) +
                        ": quoted fields holding commas or quotes are not supported");
      field = trim(field.substr(1, field.size() - 2));
    }
    fields.push_back(field);
    if (comma == std::string_view::npos) return;
    start = comma + 1;
  }
}

std::string list_names(const std::vector<std::string>& names) {
  std::string s;
  for (std::size_t i = 0; i < names.size() && i < 8; ++i) s += (i ? ", " : "") + names[i];
  if (names.size() > 8) s += ", ... (" + std::to_string(names.size()) + " columns)";
  return s;
}

/// Which columns are targets: the named ones in the order named, else the last.
std::vector<Index> target_columns(const std::vector<std::string>& header,
                                  const std::string& header_where, const DataOptions& options) {
  if (options.targets.empty()) return {Index(header.size()) - 1};
  std::vector<Index> columns;
  for (const std::string& name : options.targets) {
    const auto it = std::find(header.begin(), header.end(), name);
    if (it == header.end())
      fail(header_where, "no column named '" + name + "' for the targets; the header names " +
                             list_names(header));
    const Index column = Index(it - header.begin());
    if (std::find(columns.begin(), columns.end(), column) != columns.end())
      fail(header_where, "target column '" + name + "' named twice");
    columns.push_back(column);
  }
  if (columns.size() == header.size())
    fail(header_where, "every column is a target; at least one input column is needed");
  return columns;
}

Dataset read_csv(Dataset data, std::string_view text, const DataOptions& options) {
  const std::string& path = data.path;
  if (text.substr(0, 3) == "\xEF\xBB\xBF") text.remove_prefix(3);  // UTF-8 byte-order mark

  std::vector<std::string> header;
  std::vector<Index> targets, inputs;
  std::vector<double> values;  // row-major, one row of all columns per sample
  std::vector<Index> lines;    // file line of each sample
  std::vector<std::string_view> fields;
  Index line_number = 0;
  for (std::size_t start = 0; start < text.size();) {
    std::size_t end = text.find('\n', start);
    if (end == std::string_view::npos) end = text.size();
    std::string_view line = text.substr(start, end - start);
    start = end + 1;
    ++line_number;
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (trim(line).empty()) continue;
    const std::string where = line_of(path, line_number);
    split_fields(line, where, fields);

    if (header.empty()) {
      std::unordered_set<std::string_view> seen;
      bool all_numbers = true;
      for (std::size_t k = 0; k < fields.size(); ++k) {
        if (fields[k].empty())
          fail(where, "header: column " + std::to_string(k + 1) + " has no name");
        if (!seen.insert(fields[k]).second)
          fail(where, "header: column name '" + std::string(fields[k]) + "' appears twice");
        double ignored;  // 1e999 and nan are numbers here too: "1e999,2" is no header
        all_numbers = all_numbers && parse_decimal(fields[k], ignored) != Parsed::not_decimal;
        header.emplace_back(fields[k]);
      }
      if (all_numbers)
        fail(where, "the first line holds numbers; it must name the columns (e.g. x0,x1,label)");
      if (header.size() < 2)
        fail(where, "the header names one column ('" + header[0] +
                        "'); at least an input and a target column are needed, separated by "
                        "commas");
      targets = target_columns(header, where, options);
      for (Index k = 0; k < Index(header.size()); ++k)
        if (std::find(targets.begin(), targets.end(), k) == targets.end()) inputs.push_back(k);
      continue;
    }

    if (fields.size() != header.size())
      fail(where, std::to_string(fields.size()) + " fields, but the header names " +
                      std::to_string(header.size()) + " columns");
    for (std::size_t k = 0; k < fields.size(); ++k) {
      double value = 0;
      const std::string column = "column '" + header[k] + "': ";
      if (fields[k].empty()) fail(where, column + "empty value");
      switch (parse_decimal(fields[k], value)) {
        case Parsed::number:
          break;
        case Parsed::not_decimal:
          fail(where, column + "'" + std::string(fields[k]) + "' is not a decimal number");
        case Parsed::not_finite:
          fail(where, column + "'" + std::string(fields[k]) + "' is not a finite number");
      }
      values.push_back(value);
    }
    lines.push_back(line_number);
  }
  if (header.empty()) fail(path, "empty file (no header line)");
  if (lines.empty()) fail(path, "no data rows after the header");

  const Index columns = Index(header.size()), samples = Index(lines.size());
  const Eigen::Map<const Matrix> all(values.data(), columns, samples);  // one column per sample
  data.inputs = all(inputs, Eigen::all);
  for (Index k : inputs) data.input_names.push_back(header[k]);
  for (Index k : targets) data.target_names.push_back(header[k]);
  const Matrix raw = all(targets, Eigen::all);
  set_targets(
      data, raw, false, options, [&](Index j) { return line_of(path, lines[j]); },
      [&](Index j) { return line_of(path, lines[j]) + ": column '" + data.target_names[0] + "'"; });
  return data;
}

// ---------------------------------------------------------------------------------------------
// HDF5

/// A numeric dataset of rank 1 or 2 read as doubles (HDF5 converts integer and float types).
/// Returns the values row-major; `dims` gets the shape.
std::vector<double> read_numbers(const h5::File& file, const std::string& name,
                                 std::vector<hsize_t>& dims) {
  const std::string at = "/" + name;
  if (H5Oexists_by_name(file.id(), name.c_str(), H5P_DEFAULT) <= 0)
    throw h5::Error(at + ": missing");
  h5::Handle d =
      h5::own(H5Dopen2(file.id(), name.c_str(), H5P_DEFAULT), H5Dclose, at, "is not a dataset");
  h5::Handle type = h5::own(H5Dget_type(d.get()), H5Tclose, at, "cannot read type");
  h5::Handle space = h5::own(H5Dget_space(d.get()), H5Sclose, at, "cannot read shape");
  const H5T_class_t cls = H5Tget_class(type.get());
  if (cls != H5T_FLOAT && cls != H5T_INTEGER)
    throw h5::Error(at + ": expected numbers (float64 or integers), found another type");
  const int rank = H5Sget_simple_extent_ndims(space.get());
  if (rank < 0) h5::fail(at, "cannot read shape");
  dims.assign(rank, 0);
  H5Sget_simple_extent_dims(space.get(), dims.data(), nullptr);
  const hssize_t points = H5Sget_simple_extent_npoints(space.get());
  if (points < 0) h5::fail(at, "cannot read shape");
  // A damaged shape must not reach the allocator as it is: AddressSanitizer aborts on an absurd
  // size instead of throwing bad_alloc, and an overcommitting kernel grants a merely huge one
  // that the zero-fill then takes from real memory. More values than physical memory cannot be
  // training data anyway.
  const double memory = physical_memory_bytes();
  if (memory > 0 && double(points) * sizeof(double) > memory)
    throw h5::Error(at + ": shape " + h5::shape_string(dims) + " is too large to read");
  std::vector<double> values;
  try {
    values.resize(std::size_t(points));
  } catch (const std::exception&) {  // length_error or bad_alloc: a damaged or absurd shape
    throw h5::Error(at + ": shape " + h5::shape_string(dims) + " is too large to read");
  }
  if (!values.empty() &&
      H5Dread(d.get(), H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, values.data()) < 0)
    h5::fail(at, "cannot read dataset");
  return values;
}

/// A [N, K] (or [N], K = 1) dataset as a K x N matrix: one column per sample.
Matrix read_samples(const h5::File& file, const std::string& name, const std::string& shape) {
  std::vector<hsize_t> dims;
  std::vector<double> values = read_numbers(file, name, dims);
  if (dims.size() != 1 && dims.size() != 2)
    throw h5::Error("/" + name + ": expected shape " + shape + ", found " + h5::shape_string(dims));
  const Index samples = Index(dims[0]), width = dims.size() == 2 ? Index(dims[1]) : 1;
  if (samples == 0 || width == 0)
    throw h5::Error("/" + name + ": no values (shape " + h5::shape_string(dims) + ")");
  return Eigen::Map<const Matrix>(values.data(), width, samples);
}

std::vector<std::string> numbered(const std::string& prefix, Index count) {
  std::vector<std::string> names;
  for (Index k = 0; k < count; ++k) names.push_back(prefix + std::to_string(k));
  return names;
}

Dataset read_hdf5(Dataset data, const DataOptions& options) {
  const std::string& path = data.path;
  if (!options.targets.empty())
    fail(path,
         "target column names (--targets) apply to CSV files; an HDF5 file gives its "
         "targets in /targets or /labels");
  try {
    const h5::File file = h5::File::open_read_only(path);
    const bool has_targets = file.has("targets"), has_labels = file.has("labels");
    if (!file.has("inputs") || (!has_targets && !has_labels))
      fail(path, std::string("no /") + (file.has("inputs") ? "targets or /labels" : "inputs") +
                     " dataset (a data file holds /inputs [N, I] and /targets [N, O] or /labels "
                     "[N])");
    if (has_targets && has_labels) fail(path, "holds both /targets and /labels; keep one");
    data.inputs = read_samples(file, "inputs", "[N, I]");
    const std::string target_name = has_labels ? "labels" : "targets";
    Matrix raw = read_samples(file, target_name, has_labels ? "[N]" : "[N, O]");
    if (raw.cols() != data.inputs.cols())
      fail(path, "/inputs holds " + std::to_string(data.inputs.cols()) + " samples but /" +
                     target_name + " " + std::to_string(raw.cols()));
    if (has_labels && raw.rows() != 1)
      fail(path, "/labels must be 1-D [N], one class label per sample");
    const auto at = [&](const std::string& name) {
      return
          [&path, name](Index j) { return path + ": /" + name + " sample " + std::to_string(j); };
    };
    check_finite(data.inputs, at("inputs"), "column");
    check_finite(raw, at(target_name), "column");
    data.input_names = numbered("x", data.inputs.rows());
    data.target_names = has_labels ? std::vector<std::string>{"label"} : numbered("y", raw.rows());
    set_targets(data, raw, has_labels, options, at(target_name), at(target_name));
  } catch (const h5::Error& e) {
    fail(path, e.what());
  }
  return data;
}

}  // namespace

Dataset read_dataset(const std::string& path, const DataOptions& options) {
  if (options.classes < 0) throw std::invalid_argument("DataOptions::classes must be >= 0");
  Dataset data;
  data.path = path;
  std::string bytes = read_bytes(path);
  if (bytes.empty()) fail(path, "empty file");
  data.sha256 = sha256_hex(bytes);
  if (has_hdf5_signature(bytes)) {
    bytes = std::string();  // HDF5 reads the file itself
    // HDF5 1.10 can crash or hang on a corrupt file: read it in a forked child first, as
    // read_run_file() does, so that a bad file is this one-line error, not a dead MPI job.
    const ChildOutcome trial =
        run_in_child([&] { read_hdf5(data, options); }, trial_read_limit(60.0));
    // Every message names the file, whatever the reader threw.
    if (trial.kind == ChildOutcome::threw)
      throw DataFileError(trial.message.rfind(path + ":", 0) == 0 ? trial.message
                                                                  : path + ": " + trial.message);
    if (trial.kind == ChildOutcome::died)
      fail(path, "corrupt or unreadable HDF5 file (the reader " + trial.message + ")");
    return read_hdf5(std::move(data), options);
  }
  if (has_hdf5_extension(path))
    fail(path, "not an HDF5 file (no HDF5 signature), though its extension says so");
  return read_csv(std::move(data), bytes, options);
}

}  // namespace paraflow
