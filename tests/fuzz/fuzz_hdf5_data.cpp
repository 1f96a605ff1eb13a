// Fuzz target (d): HDF5 data files (`--problem data --data FILE.h5`, io/data_file). The input is
// the file's bytes, written to FILE.h5 and read by read_dataset twice (--loss mse, then
// cross-entropy). read_dataset first reads an HDF5 file in a forked child (src/child_process.hpp),
// so a corrupt file that crashes HDF5 is a rejection, at the price of a fork per input.
//
// Oracle:
//   rejected: paraflow::DataFileError whose message is one line starting with "PATH:";
//   bug:      any other exception, or a crash of this (parent) process;
//   SILENT ACCEPT, when an accepted file breaks the format (io/data_file.hpp) or was read
//   otherwise than it holds, checked against a direct reading with the HDF5 C API here: /inputs
//   and exactly one of /targets, /labels, each a dataset of integer or float class and rank 1
//   or 2 ([N] or [N, K], N and K >= 1; /labels rank 1), with the same N; every value finite;
//   the Dataset holding exactly these values (one column per sample), /labels integers >= 0
//   turned one-hot with at least two classes, and with cross-entropy several /targets columns
//   being probabilities (>= 0, summing to 1).
#include <hdf5.h>

#include <cmath>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "fuzz_common.hpp"
#include "paraflow/io/data_file.hpp"

namespace {

using namespace paraflow;
using namespace paraflow::fuzz;

struct Numbers {
  bool present = false;
  std::vector<hsize_t> dims;
  std::vector<double> values;  // row-major, as stored
};

// A dataset read directly (only for a file read_dataset accepted, so HDF5 already read it).
Numbers read_direct(hid_t file, const char* name) {
  Numbers n;
  if (H5Lexists(file, name, H5P_DEFAULT) <= 0) return n;
  n.present = true;
  const hid_t d = H5Dopen2(file, name, H5P_DEFAULT);
  if (d < 0) silent_accept(std::string("accepted, but /") + name + " is not a dataset");
  const hid_t type = H5Dget_type(d), space = H5Dget_space(d);
  const H5T_class_t cls = H5Tget_class(type);
  if (cls != H5T_INTEGER && cls != H5T_FLOAT)
    silent_accept(std::string("accepted /") + name + " of a non-numeric type");
  const int rank = H5Sget_simple_extent_ndims(space);
  if (rank < 1 || rank > 2)
    silent_accept(std::string("accepted /") + name + " of rank " + std::to_string(rank));
  n.dims.resize(std::size_t(rank));
  H5Sget_simple_extent_dims(space, n.dims.data(), nullptr);
  n.values.resize(std::size_t(H5Sget_simple_extent_npoints(space)));
  if (n.values.empty()) silent_accept(std::string("accepted an empty /") + name);
  if (H5Dread(d, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, n.values.data()) < 0)
    silent_accept(std::string("accepted /") + name + ", which HDF5 cannot read");
  H5Sclose(space), H5Tclose(type), H5Dclose(d);
  return n;
}

void same_values(const Matrix& m, const Numbers& n, const char* name) {
  const Index samples = Index(n.dims[0]), width = n.dims.size() == 2 ? Index(n.dims[1]) : 1;
  if (m.rows() != width || m.cols() != samples)
    silent_accept(std::string("/") + name + " read with another shape");
  for (Index j = 0; j < samples; ++j)
    for (Index i = 0; i < width; ++i) {
      const double v = n.values[std::size_t(j * width + i)];
      if (!std::isfinite(v)) silent_accept(std::string("accepted a non-finite value in /") + name);
      if (!(m(i, j) == v)) silent_accept(std::string("/") + name + " read with other values");
    }
}

void check_accepted(const Dataset& d, const std::string& path, bool cross_entropy) {
  H5Eset_auto2(H5E_DEFAULT, nullptr, nullptr);
  const hid_t file = H5Fopen(path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT);
  if (file < 0) silent_accept("accepted a file HDF5 cannot open");
  const Numbers inputs = read_direct(file, "inputs"), targets = read_direct(file, "targets"),
                labels = read_direct(file, "labels");
  H5Fclose(file);
  if (!inputs.present || targets.present == labels.present)
    silent_accept("accepted without /inputs and exactly one of /targets, /labels");
  const Numbers& y = labels.present ? labels : targets;
  if (y.dims[0] != inputs.dims[0]) silent_accept("accepted different sample counts");
  same_values(d.inputs, inputs, "inputs");
  const Index samples = Index(y.dims[0]);
  const bool as_labels =
      labels.present || (cross_entropy && y.dims.size() == 1) || (cross_entropy && y.dims[1] == 1);
  if (labels.present && y.dims.size() != 1) silent_accept("accepted /labels of rank 2");
  if (!as_labels) {
    same_values(d.targets, y, "targets");
    if (d.labels) silent_accept("/targets read as labels");
    if (cross_entropy)
      for (Index j = 0; j < samples; ++j)
        if (d.targets.col(j).minCoeff() < 0 || std::abs(d.targets.col(j).sum() - 1) > 1e-6)
          silent_accept("cross-entropy: accepted targets that are not probabilities");
    return;
  }
  double largest = 0;
  for (double v : y.values) {
    if (!(v >= 0) || v != std::floor(v) || v >= 100000)
      silent_accept("accepted the class label " + std::to_string(v));
    largest = std::max(largest, v);
  }
  if (largest < 1) silent_accept("accepted a single class");
  if (!d.labels || d.classes != Index(largest) + 1 || d.targets.rows() != d.classes ||
      d.targets.cols() != samples)
    silent_accept("labels: wrong class count or shape");
  for (Index j = 0; j < samples; ++j)
    for (Index c = 0; c < d.classes; ++c)
      if (d.targets(c, j) != (double(c) == y.values[std::size_t(j)] ? 1.0 : 0.0))
        silent_accept("labels: target not one-hot");
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  start("hdf5_data");
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  Tally& tally = Tally::get();
  ++tally.tried;
  const std::string path = Scratch::get().write("data.h5", data, size);
  // tried/accepted/rejected count the mse reading; cross_entropy_* the second one.
  for (bool cross_entropy : {false, true}) {
    const std::string mode = cross_entropy ? "cross_entropy_" : "";
    Dataset d;
    try {
      d = read_dataset(path, {{}, cross_entropy, 0});
    } catch (const DataFileError& e) {
      const std::string message = e.what();
      expect_one_line(message, "an HDF5 data file");
      if (message.substr(0, path.size() + 1) != path + ":")
        bug("the error does not name the file: " + message);
      if (message.find("corrupt or unreadable") != std::string::npos)
        ++tally.notes[mode + "contained_reader_crashes"];
      tally.reject(message, cross_entropy ? "cross_entropy_rejected" : nullptr);
      continue;
    } catch (const std::exception& e) {
      bug(std::string("not a DataFileError: ") + e.what());
    }
    check_accepted(d, path, cross_entropy);
    tally.accept(cross_entropy ? "cross_entropy_accepted" : nullptr);
  }
  return 0;
}
