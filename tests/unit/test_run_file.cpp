// The HDF5 run file: every field survives a write/read round trip exactly, h5dump can read the
// layout, broken files give one-line errors naming the file and the path inside, checksums catch
// changed bytes, a file that crashes HDF5 is an error, files from before checksums still read,
// and writes are atomic (no temporary left behind, a failed write keeps the previous file).
#include <gtest/gtest.h>
#include <hdf5.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <random>

#include "paraflow/io/run_file.hpp"

namespace paraflow {
namespace {

namespace fs = std::filesystem;

Matrix random_matrix(Index rows, Index cols, std::mt19937_64& rng) {
  std::uniform_real_distribution<double> u(-1.0, 1.0);
  Matrix m(rows, cols);
  for (double& x : m.reshaped()) x = u(rng);
  return m;
}

HistoryEntry history_entry(std::int64_t k, std::mt19937_64& rng) {
  std::uniform_real_distribution<double> u(0.0, 1.0);
  return {k,      100 * k + 1, 50 * k + 2, 3 * k + 3,
          u(rng), u(rng),      k % 4,      PhaseTimes{u(rng), u(rng), u(rng), u(rng)}};
}

// A data-fit record on a [2,3,3,2] network with every field set to distinct values.
RunRecord data_fit_record() {
  std::mt19937_64 rng(42);
  RunRecord r;
  r.paraflow_version = "0.1.0";
  r.git_revision = "abc1234-dirty";
  r.build = "gcc 12; Eigen 3.4.0; SIMD AVX2, FMA";
  r.command_line = "paraflow run --problem peaks --eta-coarse 0.05";
  r.created = "2024-05-01T12:34:56Z";
  r.options = {{"batch-size", std::int64_t{5}},
               {"seed", std::int64_t{-9007199254740993}},
               {"eta-coarse", 0.05},
               {"tolerance", 1e-300},
               {"problem", std::string("peaks")},
               {"label", std::string("\xce\xb7-coarse \xc3\xa9")}};  // UTF-8
  r.network = Network({2, 3, 3, 2}, Activation::tanh, Activation::sigmoid);
  r.weights = random_matrix(r.network.num_parameters(), 1, rng);
  r.problem = "peaks";
  r.inputs = random_matrix(2, 7, rng);
  r.targets = random_matrix(2, 7, rng);
  for (int k = 1; k <= 5; ++k) r.history.push_back(history_entry(k, rng));
  r.state = {
      {"iteration", std::int64_t{5}}, {"rng_state", std::string("13 7 1 99")}, {"eta", 0.125}};
  r.gradient = random_matrix(r.network.num_parameters(), 1, rng);
  r.gradient_loss = 0.1234567890123456789;
  return r;
}

RunRecord poisson_record() {
  std::mt19937_64 rng(7);
  RunRecord r;
  r.options = {{"problem", std::string("poisson")}};
  r.network = Network({2, 4, 1}, Activation::tanh, Activation::linear);
  r.weights = random_matrix(r.network.num_parameters(), 1, rng);
  r.problem = "poisson";
  r.collocation = random_matrix(2, 11, rng);
  r.boundary = random_matrix(2, 4, rng);
  return r;
}

std::string file_bytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), {}};
}

void change_byte(const std::string& path, std::size_t offset, char mask = char(0xff)) {
  std::string bytes = file_bytes(path);
  ASSERT_LT(offset, bytes.size());
  bytes[offset] = char(bytes[offset] ^ mask);
  std::ofstream(path, std::ios::binary | std::ios::trunc) << bytes;
}

// ---- a copy of a run file as written before checksums: the default (earliest) HDF5 format,
// contiguous datasets without filters; the same groups, datasets and attributes.

herr_t copy_attribute(hid_t from, const char* name, const H5A_info_t*, void* to) {
  const hid_t a = H5Aopen(from, name, H5P_DEFAULT);
  const hid_t type = H5Aget_type(a), space = H5Aget_space(a);
  std::vector<char> buffer(H5Tget_size(type) *
                           std::max<hssize_t>(1, H5Sget_simple_extent_npoints(space)));
  herr_t status = H5Aread(a, type, buffer.data());
  const hid_t b = H5Acreate2(*static_cast<hid_t*>(to), name, type, space, H5P_DEFAULT, H5P_DEFAULT);
  if (status >= 0 && b >= 0) status = H5Awrite(b, type, buffer.data());
  if (H5Tis_variable_str(type) > 0) H5Dvlen_reclaim(type, space, H5P_DEFAULT, buffer.data());
  H5Aclose(b), H5Sclose(space), H5Tclose(type), H5Aclose(a);
  return b < 0 ? -1 : status;
}

herr_t copy_object(hid_t from, const char* name, const H5O_info_t* info, void* to_file) {
  const hid_t to = *static_cast<hid_t*>(to_file);
  if (std::string(name) == ".") return 0;  // the root group: its attributes are copied apart
  hid_t source = H5Oopen(from, name, H5P_DEFAULT), target = -1;
  if (info->type == H5O_TYPE_GROUP) {
    target = H5Gcreate2(to, name, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
  } else if (info->type == H5O_TYPE_DATASET) {
    const hid_t type = H5Dget_type(source), space = H5Dget_space(source);
    std::vector<char> buffer(H5Tget_size(type) * H5Sget_simple_extent_npoints(space) + 1);
    H5Dread(source, type, H5S_ALL, H5S_ALL, H5P_DEFAULT, buffer.data());
    target = H5Dcreate2(to, name, type, space, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    if (H5Sget_simple_extent_npoints(space) > 0)
      H5Dwrite(target, type, H5S_ALL, H5S_ALL, H5P_DEFAULT, buffer.data());
    H5Sclose(space), H5Tclose(type);
  }
  herr_t status = target < 0 ? -1 : 0;
  if (target >= 0)
    status = H5Aiterate2(source, H5_INDEX_NAME, H5_ITER_INC, nullptr, copy_attribute, &target);
  if (target >= 0) H5Oclose(target);
  H5Oclose(source);
  return status;
}

void write_old_style_copy(const std::string& from, const std::string& to) {
  const hid_t in = H5Fopen(from.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT);
  const hid_t out = H5Fcreate(to.c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT);
  ASSERT_GE(in, 0);
  ASSERT_GE(out, 0);
  hid_t root = out;
  EXPECT_GE(H5Aiterate2(in, H5_INDEX_NAME, H5_ITER_INC, nullptr, copy_attribute, &root), 0);
  EXPECT_GE(H5Ovisit2(in, H5_INDEX_NAME, H5_ITER_INC, copy_object, &root, H5O_INFO_BASIC), 0);
  H5Fclose(out), H5Fclose(in);
}

void expect_same(const Matrix& a, const Matrix& b) {
  ASSERT_EQ(a.rows(), b.rows());
  ASSERT_EQ(a.cols(), b.cols());
  EXPECT_TRUE(a == b);
}

void expect_same(const RunRecord& a, const RunRecord& b) {
  EXPECT_EQ(a.paraflow_version, b.paraflow_version);
  EXPECT_EQ(a.git_revision, b.git_revision);
  EXPECT_EQ(a.build, b.build);
  EXPECT_EQ(a.command_line, b.command_line);
  EXPECT_EQ(a.created, b.created);
  EXPECT_EQ(a.options, b.options);
  EXPECT_EQ(a.network, b.network);
  expect_same(a.weights, b.weights);
  EXPECT_EQ(a.problem, b.problem);
  expect_same(a.inputs, b.inputs);
  expect_same(a.targets, b.targets);
  EXPECT_EQ(a.data_reference, b.data_reference);
  expect_same(a.collocation, b.collocation);
  expect_same(a.boundary, b.boundary);
  EXPECT_EQ(a.history, b.history);
  EXPECT_EQ(a.state, b.state);
  ASSERT_EQ(a.gradient.has_value(), b.gradient.has_value());
  if (a.gradient) expect_same(*a.gradient, *b.gradient);
  EXPECT_EQ(a.gradient_loss, b.gradient_loss);
}

class RunFile : public ::testing::Test {
 protected:
  void SetUp() override {
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    dir_ = fs::temp_directory_path() /
           ("paraflow_test_run_file_" + std::to_string(::getpid()) + "_" + info->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }

  std::string file(const std::string& name) const { return (dir_ / name).string(); }

  // Reads `path`, which must fail; returns the message after checking it is one line naming path.
  static std::string read_error(const std::string& path) {
    try {
      read_run_file(path);
    } catch (const RunFileError& e) {
      const std::string message = e.what();
      EXPECT_EQ(message.find('\n'), std::string::npos) << message;
      EXPECT_EQ(message.rfind(path + ": ", 0), 0u) << message;
      return message;
    }
    ADD_FAILURE() << "reading " << path << " did not throw";
    return "";
  }

  // Opens a written file with the HDF5 C API to break it.
  static hid_t open_for_edit(const std::string& path) {
    const hid_t f = H5Fopen(path.c_str(), H5F_ACC_RDWR, H5P_DEFAULT);
    EXPECT_GE(f, 0);
    return f;
  }
  static void replace_dataset(const std::string& path, const char* name, std::vector<hsize_t> dims,
                              hid_t type) {
    const hid_t f = open_for_edit(path);
    ASSERT_GE(H5Ldelete(f, name, H5P_DEFAULT), 0);
    const hid_t space = H5Screate_simple(int(dims.size()), dims.data(), nullptr);
    const hid_t d = H5Dcreate2(f, name, type, space, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    ASSERT_GE(d, 0);
    H5Dclose(d), H5Sclose(space), H5Fclose(f);
  }

  fs::path dir_;
};

TEST_F(RunFile, RoundTripsEveryFieldOfADataFitRecord) {
  const RunRecord written = data_fit_record();
  write_run_file(file("run.h5"), written);
  expect_same(read_run_file(file("run.h5")), written);
}

// Data too large to embed: /data names the file, its hash and N, with no datasets.
TEST_F(RunFile, RoundTripsAReferenceToItsDataFile) {
  RunRecord written = data_fit_record();
  written.inputs.resize(0, 0);
  written.targets.resize(0, 0);
  written.data_reference = DataReference{"/data/big.csv", std::string(64, 'a'), 123456789012};
  write_run_file(file("run.h5"), written);
  expect_same(read_run_file(file("run.h5")), written);
  const hid_t f = H5Fopen(file("run.h5").c_str(), H5F_ACC_RDONLY, H5P_DEFAULT);
  ASSERT_GE(f, 0);
  EXPECT_EQ(H5Lexists(f, "/data/inputs", H5P_DEFAULT), 0);
  H5Fclose(f);
}

// --validation's columns: written and read back when the history has them; absent otherwise
// (as in files written before them), and then read as -1.
TEST_F(RunFile, WritesValidationColumnsOnlyForValidatedRuns) {
  RunRecord validated = data_fit_record();
  for (std::size_t k = 0; k < validated.history.size(); ++k) {
    validated.history[k].validation_loss = 0.5 / double(k + 1);
    validated.history[k].validation_accuracy = k % 2 ? -1.0 : 0.25 * double(k);
  }
  write_run_file(file("validated.h5"), validated);
  expect_same(read_run_file(file("validated.h5")), validated);
  write_run_file(file("plain.h5"), data_fit_record());
  for (const char* name : {"validated.h5", "plain.h5"}) {
    const hid_t f = H5Fopen(file(name).c_str(), H5F_ACC_RDONLY, H5P_DEFAULT);
    ASSERT_GE(f, 0);
    EXPECT_EQ(H5Lexists(f, "/history/validation_loss", H5P_DEFAULT) > 0,
              std::string(name) == "validated.h5");
    H5Fclose(f);
  }
  for (const HistoryEntry& e : read_run_file(file("plain.h5")).history) {
    EXPECT_EQ(e.validation_loss, -1);
    EXPECT_EQ(e.validation_accuracy, -1);
  }
}

TEST_F(RunFile, RoundTripsPoissonDataWithEmptyHistoryAndNoGradient) {
  const RunRecord written = poisson_record();
  write_run_file(file("poisson.h5"), written);
  const RunRecord read = read_run_file(file("poisson.h5"));
  expect_same(read, written);
  EXPECT_TRUE(read.history.empty());
  EXPECT_FALSE(read.gradient.has_value());
}

TEST_F(RunFile, StoresWeightsAsRowsOfLayerOutputs) {
  RunRecord r = data_fit_record();
  write_run_file(file("run.h5"), r);
  // W1 is [n_1, n_0] = [3, 2] in the file; element [i][j] = W_1(i, j).
  const hid_t f = H5Fopen(file("run.h5").c_str(), H5F_ACC_RDONLY, H5P_DEFAULT);
  ASSERT_GE(f, 0);
  const hid_t d = H5Dopen2(f, "/weights/W1", H5P_DEFAULT);
  const hid_t space = H5Dget_space(d);
  hsize_t dims[2] = {0, 0};
  ASSERT_EQ(H5Sget_simple_extent_dims(space, dims, nullptr), 2);
  EXPECT_EQ(dims[0], 3u);
  EXPECT_EQ(dims[1], 2u);
  double values[3][2];
  ASSERT_GE(H5Dread(d, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, values), 0);
  H5Sclose(space), H5Dclose(d), H5Fclose(f);
  const auto w = r.network.weight(r.weights, 1);
  for (int i = 0; i < 3; ++i)
    for (int j = 0; j < 2; ++j) EXPECT_EQ(values[i][j], w(i, j)) << i << ", " << j;
}

TEST_F(RunFile, IsReadableByH5dump) {
  if (std::system("command -v h5dump > /dev/null 2>&1") != 0)
    GTEST_SKIP() << "h5dump not found on PATH";
  write_run_file(file("run.h5"), data_fit_record());
  const std::string out = file("dump.txt");
  const std::string command =
      "h5dump -H -d /weights/W1 -d /history/loss -g /options -g /state "
      "-g /network -g /data '" +
      file("run.h5") + "' > '" + out + "' 2>&1";
  ASSERT_EQ(std::system(command.c_str()), 0);
  std::ifstream in(out);
  const std::string dump{std::istreambuf_iterator<char>(in), {}};
  for (const char* name : {"DATASET \"/weights/W1\"", "DATASET \"/history/loss\"",
                           "GROUP \"/options\"", "GROUP \"/state\"", "GROUP \"/network\"",
                           "GROUP \"/data\"", "( 3, 2 )", "H5T_IEEE_F64LE", "ATTRIBUTE \"layers\""})
    EXPECT_NE(dump.find(name), std::string::npos) << name << " not in\n" << dump;
}

TEST_F(RunFile, RejectsFilesThatAreNotHdf5) {
  std::ofstream(file("empty.h5")).close();
  EXPECT_NE(read_error(file("empty.h5")).find("HDF5"), std::string::npos);

  write_run_file(file("run.h5"), data_fit_record());
  std::string bytes;
  {
    std::ifstream in(file("run.h5"), std::ios::binary);
    bytes.assign(std::istreambuf_iterator<char>(in), {});
  }
  std::ofstream(file("truncated.h5"), std::ios::binary) << bytes.substr(0, bytes.size() / 2);
  EXPECT_NE(read_error(file("truncated.h5")).find("HDF5"), std::string::npos);

  std::mt19937 rng(3);
  std::string noise(4096, '\0');
  for (char& c : noise) c = char(rng());
  std::ofstream(file("noise.h5"), std::ios::binary) << noise;
  EXPECT_NE(read_error(file("noise.h5")).find("HDF5"), std::string::npos);

  EXPECT_NE(read_error(file("absent.h5")).find("cannot open"), std::string::npos);
}

TEST_F(RunFile, NamesAWeightWithTheWrongShape) {
  write_run_file(file("run.h5"), data_fit_record());
  replace_dataset(file("run.h5"), "/weights/W2", {3, 2}, H5T_IEEE_F64LE);
  const std::string message = read_error(file("run.h5"));
  EXPECT_NE(message.find("/weights/W2"), std::string::npos) << message;
  EXPECT_NE(message.find("[3, 3]"), std::string::npos) << message;
  EXPECT_NE(message.find("[3, 2]"), std::string::npos) << message;
}

TEST_F(RunFile, NamesADatasetWithTheWrongType) {
  write_run_file(file("run.h5"), data_fit_record());
  replace_dataset(file("run.h5"), "/weights/b1", {3}, H5T_STD_I32LE);
  EXPECT_NE(read_error(file("run.h5")).find("/weights/b1: expected float64"), std::string::npos);
}

TEST_F(RunFile, NamesAMissingHistoryDataset) {
  write_run_file(file("run.h5"), data_fit_record());
  const hid_t f = open_for_edit(file("run.h5"));
  ASSERT_GE(H5Ldelete(f, "/history/loss", H5P_DEFAULT), 0);
  H5Fclose(f);
  const std::string message = read_error(file("run.h5"));
  EXPECT_NE(message.find("/history/loss: missing"), std::string::npos) << message;
}

TEST_F(RunFile, NamesAHistoryColumnOfAnotherLength) {
  write_run_file(file("run.h5"), data_fit_record());
  replace_dataset(file("run.h5"), "/history/budget", {4}, H5T_STD_I64LE);
  const std::string message = read_error(file("run.h5"));
  EXPECT_NE(message.find("/history/budget"), std::string::npos) << message;
}

TEST_F(RunFile, NamesAMissingNetworkAttribute) {
  write_run_file(file("run.h5"), data_fit_record());
  const hid_t f = open_for_edit(file("run.h5"));
  ASSERT_GE(H5Adelete_by_name(f, "/network", "layers", H5P_DEFAULT), 0);
  H5Fclose(f);
  const std::string message = read_error(file("run.h5"));
  EXPECT_NE(message.find("/network: attribute 'layers' missing"), std::string::npos) << message;
}

TEST_F(RunFile, WritesChecksumsOnMetadataAndOnEveryDataset) {
  write_run_file(file("run.h5"), data_fit_record());
  const hid_t f = H5Fopen(file("run.h5").c_str(), H5F_ACC_RDONLY, H5P_DEFAULT);
  ASSERT_GE(f, 0);
  H5F_info2_t info;
  ASSERT_GE(H5Fget_info2(f, &info), 0);
  EXPECT_EQ(info.super.version, 3u);  // the 1.10 format: checksummed superblock and headers
  for (const char* name : {"/weights/W1", "/weights/b3", "/data/inputs", "/history/iteration",
                           "/history/loss", "/gradient/W2"}) {
    const hid_t d = H5Dopen2(f, name, H5P_DEFAULT);
    ASSERT_GE(d, 0) << name;
    const hid_t dcpl = H5Dget_create_plist(d);
    EXPECT_EQ(H5Pget_layout(dcpl), H5D_CHUNKED) << name;
    unsigned flags = 0, config = 0;
    std::size_t values = 0;
    EXPECT_GE(H5Pget_filter_by_id2(dcpl, H5Z_FILTER_FLETCHER32, &flags, &values, nullptr, 0,
                                   nullptr, &config),
              0)
        << name;
    H5Pclose(dcpl), H5Dclose(d);
  }
  H5Fclose(f);
}

TEST_F(RunFile, KeepsEmptyDatasetsContiguous) {
  // A chunk dimension cannot be 0: an empty history stays contiguous (no data to protect).
  write_run_file(file("poisson.h5"), poisson_record());
  const hid_t f = H5Fopen(file("poisson.h5").c_str(), H5F_ACC_RDONLY, H5P_DEFAULT);
  const hid_t d = H5Dopen2(f, "/history/loss", H5P_DEFAULT);
  ASSERT_GE(d, 0);
  const hid_t dcpl = H5Dget_create_plist(d);
  EXPECT_EQ(H5Pget_layout(dcpl), H5D_CONTIGUOUS);
  H5Pclose(dcpl), H5Dclose(d), H5Fclose(f);
  EXPECT_TRUE(read_run_file(file("poisson.h5")).history.empty());
}

TEST_F(RunFile, NamesADatasetWhoseDataNoLongerMatchesItsChecksum) {
  write_run_file(file("run.h5"), data_fit_record());
  haddr_t address = 0;
  hsize_t bytes = 0;
  {
    const hid_t f = H5Fopen(file("run.h5").c_str(), H5F_ACC_RDONLY, H5P_DEFAULT);
    const hid_t d = H5Dopen2(f, "/weights/W2", H5P_DEFAULT);
    const hid_t space = H5Dget_space(d);
    hsize_t offset[2];
    unsigned filter_mask = 0;
    ASSERT_GE(H5Dget_chunk_info(d, space, 0, offset, &filter_mask, &address, &bytes), 0);
    H5Sclose(space), H5Dclose(d), H5Fclose(f);
  }
  ASSERT_GT(bytes, 8u);
  change_byte(file("run.h5"), address + 3, 0x01);  // one bit of one weight
  EXPECT_EQ(read_error(file("run.h5")),
            file("run.h5") + ": corrupt (checksum mismatch in /weights/W2)");
}

TEST_F(RunFile, NamesAGroupWhoseHeaderNoLongerMatchesItsChecksum) {
  write_run_file(file("run.h5"), data_fit_record());
  H5O_info_t info;
  {
    const hid_t f = H5Fopen(file("run.h5").c_str(), H5F_ACC_RDONLY, H5P_DEFAULT);
    ASSERT_GE(H5Oget_info_by_name2(f, "/network", &info, H5O_INFO_BASIC, H5P_DEFAULT), 0);
    H5Fclose(f);
  }
  change_byte(file("run.h5"), info.addr + 24, 0x01);  // inside its first messages
  EXPECT_EQ(read_error(file("run.h5")),
            file("run.h5") + ": corrupt (checksum mismatch in /network)");
}

// The values of variable-length strings sit in the global heap, which HDF5 1.10 does not
// checksum; their digest, a fixed-length attribute in the checksummed root header, does.
TEST_F(RunFile, NamesStringsThatNoLongerMatchTheirDigest) {
  const RunRecord written = data_fit_record();
  write_run_file(file("run.h5"), written);
  auto set_command_line = [&](const char* value) {
    const hid_t f = open_for_edit(file("run.h5"));
    ASSERT_GE(H5Adelete_by_name(f, "/", "command_line", H5P_DEFAULT), 0);
    const hid_t type = H5Tcopy(H5T_C_S1), space = H5Screate(H5S_SCALAR);
    H5Tset_size(type, H5T_VARIABLE);
    const hid_t a = H5Acreate2(f, "command_line", type, space, H5P_DEFAULT, H5P_DEFAULT);
    ASSERT_GE(H5Awrite(a, type, &value), 0);
    H5Aclose(a), H5Sclose(space), H5Tclose(type), H5Fclose(f);
  };
  set_command_line(written.command_line.c_str());  // rewritten, the same value: still valid
  expect_same(read_run_file(file("run.h5")), written);
  set_command_line("paraflow run --edited");
  EXPECT_EQ(read_error(file("run.h5")),
            file("run.h5") + ": corrupt (checksum mismatch in the string attributes)");
  // Without a digest (files written before it) the strings are read as they are.
  const hid_t f = open_for_edit(file("run.h5"));
  ASSERT_GE(H5Adelete_by_name(f, "/", "strings_sha256", H5P_DEFAULT), 0);
  H5Fclose(f);
  EXPECT_EQ(read_run_file(file("run.h5")).command_line, "paraflow run --edited");
}

TEST_F(RunFile, TurnsACrashOfTheHdf5LibraryIntoAnError) {
  // HDF5 1.10 does not checksum the global heap that holds variable-length strings, and it
  // copies a string of the length it finds there: a length of ~800 GB makes it SIGSEGV. The
  // read in a child process turns that into an error, and this process goes on.
  write_run_file(file("run.h5"), data_fit_record());
  const std::string bytes = file_bytes(file("run.h5"));
  const std::size_t heap = bytes.find("GCOL");
  ASSERT_NE(heap, std::string::npos);
  // Collection header (16 bytes), then object 1: index (2), references (2), reserved (4), size (8).
  change_byte(file("run.h5"), heap + 16 + 8 + 4, char(0xba));
  const std::string message = read_error(file("run.h5"));
  // Killed by SIGSEGV; under AddressSanitizer, whose handler catches the SEGV, exit status 1.
  EXPECT_NE(message.find(": corrupt or unreadable (the HDF5 reader "), std::string::npos)
      << message;
}

TEST_F(RunFile, ReadsFilesWrittenBeforeChecksums) {
  const RunRecord written = data_fit_record();
  write_run_file(file("new.h5"), written);
  write_old_style_copy(file("new.h5"), file("old.h5"));
  const hid_t f = H5Fopen(file("old.h5").c_str(), H5F_ACC_RDONLY, H5P_DEFAULT);
  ASSERT_GE(f, 0);
  H5F_info2_t info;
  ASSERT_GE(H5Fget_info2(f, &info), 0);
  EXPECT_EQ(info.super.version, 0u);
  const hid_t d = H5Dopen2(f, "/weights/W2", H5P_DEFAULT);
  const hid_t dcpl = H5Dget_create_plist(d);
  EXPECT_EQ(H5Pget_layout(dcpl), H5D_CONTIGUOUS);
  EXPECT_EQ(H5Pget_nfilters(dcpl), 0);
  H5Pclose(dcpl), H5Dclose(d), H5Fclose(f);
  expect_same(read_run_file(file("old.h5")), written);
}

TEST_F(RunFile, WritesAtomicallyAndOverwrites) {
  RunRecord first = data_fit_record();
  write_run_file(file("run.h5"), first);
  RunRecord second = data_fit_record();
  second.history.pop_back();
  second.weights *= 2;
  write_run_file(file("run.h5"), second);
  expect_same(read_run_file(file("run.h5")), second);

  // A failed write (weights that do not fit the network) keeps the previous file.
  RunRecord broken = second;
  broken.weights.resize(3);
  try {
    write_run_file(file("run.h5"), broken);
    ADD_FAILURE() << "writing mismatched weights did not throw";
  } catch (const RunFileError& e) {
    EXPECT_EQ(std::string(e.what()).rfind("cannot write " + file("run.h5") + ": ", 0), 0u)
        << e.what();
  }
  expect_same(read_run_file(file("run.h5")), second);

  std::vector<std::string> names;
  for (const auto& entry : fs::directory_iterator(dir_))
    names.push_back(entry.path().filename().string());
  EXPECT_EQ(names, std::vector<std::string>{"run.h5"});
}

TEST_F(RunFile, ReportsAnUnwritableDirectory) {
  const std::string path = file("no/such/dir/run.h5");
  try {
    write_run_file(path, data_fit_record());
    ADD_FAILURE() << "writing into a missing directory did not throw";
  } catch (const RunFileError& e) {
    const std::string message = e.what();
    EXPECT_EQ(message.rfind("cannot write " + path + ": ", 0), 0u) << message;
    EXPECT_EQ(message.find('\n'), std::string::npos) << message;
  }
}

}  // namespace
}  // namespace paraflow
