// Users' data files: CSV and HDF5 read element by element, every kind of bad file rejected with
// one line naming the file (and the CSV line), SHA-256 against the FIPS 180 vectors, and the
// digits set converted by scripts/sklearn-to-paraflow.
#include <gtest/gtest.h>
#include <hdf5.h>
#include <unistd.h>

#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <limits>

#include "paraflow/io/data_file.hpp"
#include "paraflow/io/sha256.hpp"

namespace paraflow {
namespace {

namespace fs = std::filesystem;

// ---- SHA-256 -----------------------------------------------------------------------------------

TEST(Sha256, Fips180Vectors) {
  EXPECT_EQ(sha256_hex(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(sha256_hex("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_EQ(sha256_hex("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"),  // 448 bits
            "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
  EXPECT_EQ(sha256_hex(std::string(1000000, 'a')),
            "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
}

TEST(Sha256, PiecewiseUpdatesEqualOneUpdate) {
  std::string message;
  for (int i = 0; i < 300; ++i) message += char('a' + i % 26);
  for (std::size_t cut : {0, 1, 55, 56, 63, 64, 65, 128, 299}) {
    Sha256 hash;
    hash.update(std::string_view(message).substr(0, cut));
    hash.update(std::string_view(message).substr(cut));
    EXPECT_EQ(hash.hex(), sha256_hex(message)) << cut;
  }
}

// ---- files -------------------------------------------------------------------------------------

class DataFile : public ::testing::Test {
 protected:
  void SetUp() override {
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    dir_ = fs::temp_directory_path() /
           ("paraflow_test_data_file_" + std::to_string(::getpid()) + "_" + info->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }

  std::string file(const std::string& name) const { return (dir_ / name).string(); }

  std::string write(const std::string& name, const std::string& content) const {
    std::ofstream(file(name), std::ios::binary) << content;
    return file(name);
  }

  // Reading `path` must fail with one line that starts with the path (and ":LINE: " when given)
  // and contains `expected`.
  static void expect_error(const std::string& path, const std::string& expected,
                           const DataOptions& options = {}, int line = 0) {
    try {
      read_dataset(path, options);
      ADD_FAILURE() << "reading " << path << " did not throw (expected: " << expected << ")";
    } catch (const DataFileError& e) {
      const std::string message = e.what();
      EXPECT_EQ(message.find('\n'), std::string::npos) << message;
      const std::string prefix = path + (line > 0 ? ":" + std::to_string(line) + ": " : ": ");
      EXPECT_EQ(message.rfind(prefix, 0), 0u) << message;
      EXPECT_NE(message.find(expected), std::string::npos) << message;
    }
  }

  fs::path dir_;
};

DataOptions cross_entropy() {
  DataOptions o;
  o.cross_entropy = true;
  return o;
}

TEST_F(DataFile, CsvReadElementByElement) {
  const std::string path = write("d.csv", " a , b,label\n1,2,0\n3.5 ,-4e-1,1\n+.25,5.,2\n");
  const Dataset d = read_dataset(path);
  EXPECT_EQ(d.path, path);
  EXPECT_EQ(d.input_names, (std::vector<std::string>{"a", "b"}));
  EXPECT_EQ(d.target_names, (std::vector<std::string>{"label"}));
  EXPECT_FALSE(d.labels);
  EXPECT_EQ(d.classes, 0);
  ASSERT_EQ(d.inputs.rows(), 2);
  ASSERT_EQ(d.inputs.cols(), 3);
  ASSERT_EQ(d.targets.rows(), 1);
  const double inputs[2][3] = {{1, 3.5, 0.25}, {2, -0.4, 5}};
  for (int i = 0; i < 2; ++i)
    for (int j = 0; j < 3; ++j) EXPECT_EQ(d.inputs(i, j), inputs[i][j]) << i << "," << j;
  EXPECT_EQ(d.targets(0, 0), 0);
  EXPECT_EQ(d.targets(0, 1), 1);
  EXPECT_EQ(d.targets(0, 2), 2);
}

TEST_F(DataFile, CsvClassLabelsBecomeOneHot) {
  const std::string path = write("d.csv", "x,label\n0.5,2\n1.5,0\n2.5,2.0\n3.5,1\n");
  const Dataset d = read_dataset(path, cross_entropy());
  EXPECT_TRUE(d.labels);
  EXPECT_EQ(d.classes, 3);
  const Matrix expected = (Matrix(3, 4) << 0, 1, 0, 0, 0, 0, 0, 1, 1, 0, 1, 0).finished();
  EXPECT_EQ(d.targets, expected);
  EXPECT_EQ(d.inputs, (Matrix(1, 4) << 0.5, 1.5, 2.5, 3.5).finished());

  DataOptions five = cross_entropy();
  five.classes = 5;  // a validation set lacking the last classes
  EXPECT_EQ(read_dataset(path, five).targets.rows(), 5);
  five.classes = 2;
  expect_error(path, "class label 2 is not below the number of classes 2", five, 2);
}

TEST_F(DataFile, CsvNamedTargetsInTheOrderGiven) {
  const std::string path = write("d.csv", "x,y1,z,y2\n1,2,3,4\n5,6,7,8\n");
  DataOptions o;
  o.targets = {"y2", "y1"};
  const Dataset d = read_dataset(path, o);
  EXPECT_EQ(d.input_names, (std::vector<std::string>{"x", "z"}));
  EXPECT_EQ(d.target_names, (std::vector<std::string>{"y2", "y1"}));
  EXPECT_EQ(d.inputs, (Matrix(2, 2) << 1, 5, 3, 7).finished());
  EXPECT_EQ(d.targets, (Matrix(2, 2) << 4, 8, 2, 6).finished());
}

TEST_F(DataFile, CsvProbabilityTargetsForCrossEntropy) {
  DataOptions o = cross_entropy();
  o.targets = {"p0", "p1"};
  const Dataset d = read_dataset(write("d.csv", "x,p0,p1\n1,0.25,0.75\n2,1,0\n"), o);
  EXPECT_FALSE(d.labels);
  EXPECT_EQ(d.targets, (Matrix(2, 2) << 0.25, 1, 0.75, 0).finished());
  expect_error(write("bad.csv", "x,p0,p1\n1,0.25,0.75\n2,0.5,0.4\n"),
               "must be probabilities (>= 0, summing to 1 over the 2 target columns); these sum "
               "to 0.9",
               o, 3);
}

TEST_F(DataFile, CsvToleratesCrLfBomBlankLinesQuotedNamesAndNoFinalNewline) {
  const std::string path =
      write("d.csv", "\xEF\xBB\xBF\"a\",\t\"b c\" ,y\r\n\r\n1,2,3\r\n   \n4,\"5\",6");
  const Dataset d = read_dataset(path);
  EXPECT_EQ(d.input_names, (std::vector<std::string>{"a", "b c"}));
  EXPECT_EQ(d.inputs, (Matrix(2, 2) << 1, 4, 2, 5).finished());
  EXPECT_EQ(d.targets, (Matrix(1, 2) << 3, 6).finished());
}

TEST_F(DataFile, CsvBadFiles) {
  expect_error(file("missing.csv"), "no such file");
  expect_error(dir_.string(), "is a directory");
  expect_error(write("empty.csv", ""), "empty file");
  expect_error(write("blank.csv", "\n  \n"), "empty file (no header line)");
  expect_error(write("header.csv", "a,b,label\n"), "no data rows after the header");
  expect_error(write("ragged.csv", "a,b,label\n1,2,3\n4,5\n"),
               "2 fields, but the header names 3 columns", {}, 3);
  expect_error(write("long.csv", "a,b\n1,2,\n"), "3 fields, but the header names 2 columns", {}, 2);
  expect_error(write("word.csv", "a,b,label\n1,2,3\n\n1,abc,3\n"),
               "column 'b': 'abc' is not a decimal number", {}, 4);
  expect_error(write("empty_value.csv", "a,b\n1, \n"), "column 'b': empty value", {}, 2);
  expect_error(write("nan.csv", "a,b\n1,2\nNaN,2\n"), "column 'a': 'NaN' is not a finite number",
               {}, 3);
  expect_error(write("inf.csv", "a,b\n1,-inf\n"), "'-inf' is not a finite number", {}, 2);
  expect_error(write("huge.csv", "a,b\n1,1e999\n"), "'1e999' is not a finite number", {}, 2);
  expect_error(write("quoted.csv", "a,\"b,c\",d\n1,2,3\n"),
               "quoted fields holding commas or quotes are not supported", {}, 1);
  expect_error(write("quote_inside.csv", "a,b\n1,2\"3\n"), "quoted fields", {}, 2);
  expect_error(write("numbers.csv", "1,2,3\n4,5,6\n"), "the first line holds numbers", {}, 1);
  expect_error(write("one.csv", "a\n1\n"), "the header names one column", {}, 1);
  expect_error(write("semicolons.csv", "a;b\n1;2\n"), "separated by commas", {}, 1);
  expect_error(write("twice.csv", "a,a,y\n1,2,3\n"), "column name 'a' appears twice", {}, 1);
  expect_error(write("noname.csv", "a,,y\n1,2,3\n"), "column 2 has no name", {}, 1);
  // Numbers are decimal, strictly.
  for (const char* bad : {"0x10", "1.5f", "1e", ".", "--1", "1 2", "1_000", "+-1", "e5", "0x1p3"})
    expect_error(write("strict.csv", std::string("a,b\n1,") + bad + "\n"),
                 std::string("'") + bad + "' is not a decimal number", {}, 2);
}

TEST_F(DataFile, CsvBadTargets) {
  const std::string path = write("d.csv", "a,b,label\n1,2,0\n3,4,1\n");
  DataOptions o;
  o.targets = {"lable"};
  expect_error(path, "no column named 'lable' for the targets; the header names a, b, label", o, 1);
  o.targets = {"a", "b", "label"};
  expect_error(path, "every column is a target", o, 1);
  o.targets = {"b", "b"};
  expect_error(path, "target column 'b' named twice", o, 1);

  expect_error(write("frac.csv", "a,label\n1,0\n2,1\n3,1.5\n"),
               "column 'label': class label 1.5 is not an integer >= 0", cross_entropy(), 4);
  expect_error(write("negative.csv", "a,label\n1,0\n2,-1\n"),
               "column 'label': class label -1 is not an integer >= 0", cross_entropy(), 3);
  expect_error(write("huge_label.csv", "a,label\n1,0\n2,1e9\n"), "is too large", cross_entropy(),
               3);
  expect_error(write("one_class.csv", "a,label\n1,0\n2,0\n"), "at least 2 classes",
               cross_entropy());
  // Without cross-entropy the same column is a plain regression target.
  EXPECT_EQ(read_dataset(file("frac.csv")).targets(0, 2), 1.5);
}

TEST_F(DataFile, HashIsOfTheBytesAndChangesWithOneByte) {
  const std::string content = "a,b\n1,2\n3,4\n";
  const Dataset d = read_dataset(write("d.csv", content));
  EXPECT_EQ(d.sha256, sha256_hex(content));
  EXPECT_EQ(d.sha256.size(), 64u);
  const Dataset changed = read_dataset(write("e.csv", "a,b\n1,2\n3,5\n"));
  EXPECT_NE(changed.sha256, d.sha256);
  EXPECT_EQ(read_dataset(write("f.csv", content)).sha256, d.sha256);
}

// ---- HDF5 --------------------------------------------------------------------------------------

// Writes datasets with the HDF5 C API: name -> (shape, values) in the given memory type.
class H5Writer {
 public:
  explicit H5Writer(const std::string& path)
      : file_(H5Fcreate(path.c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT)) {}
  ~H5Writer() { H5Fclose(file_); }
  template <class T>
  H5Writer& put(const std::string& name, std::vector<hsize_t> dims, const std::vector<T>& values,
                hid_t type) {
    const hid_t space = H5Screate_simple(int(dims.size()), dims.data(), nullptr);
    const hid_t d =
        H5Dcreate2(file_, name.c_str(), type, space, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    if (!values.empty()) H5Dwrite(d, type, H5S_ALL, H5S_ALL, H5P_DEFAULT, values.data());
    H5Dclose(d);
    H5Sclose(space);
    return *this;
  }
  H5Writer& doubles(const std::string& name, std::vector<hsize_t> dims, std::vector<double> v) {
    return put(name, dims, v, H5T_NATIVE_DOUBLE);
  }
  H5Writer& int64s(const std::string& name, std::vector<hsize_t> dims,
                   std::vector<std::int64_t> v) {
    return put(name, dims, v, H5T_NATIVE_INT64);
  }

 private:
  hid_t file_;
};

TEST_F(DataFile, Hdf5TargetsReadElementByElement) {
  const std::string path = file("d.h5");
  H5Writer(path)
      .doubles("inputs", {3, 2}, {1, 2, 3, 4, 5, 6})  // rows are samples
      .doubles("targets", {3, 2}, {0.5, -1, 1.5, -2, 2.5, -3});
  const Dataset d = read_dataset(path);
  EXPECT_EQ(d.inputs, (Matrix(2, 3) << 1, 3, 5, 2, 4, 6).finished());
  EXPECT_EQ(d.targets, (Matrix(2, 3) << 0.5, 1.5, 2.5, -1, -2, -3).finished());
  EXPECT_EQ(d.input_names, (std::vector<std::string>{"x0", "x1"}));
  EXPECT_EQ(d.target_names, (std::vector<std::string>{"y0", "y1"}));
  EXPECT_FALSE(d.labels);
  std::ifstream in(path, std::ios::binary);
  EXPECT_EQ(d.sha256, sha256_hex(std::string(std::istreambuf_iterator<char>(in), {})));
}

TEST_F(DataFile, Hdf5LabelsAndOneDimensionalTargets) {
  const std::string path = file("labels.h5");
  H5Writer(path).doubles("inputs", {4}, {1, 2, 3, 4}).int64s("labels", {4}, {1, 0, 2, 1});
  for (bool ce : {false, true}) {  // /labels are classes whatever the loss
    DataOptions o;
    o.cross_entropy = ce;
    const Dataset d = read_dataset(path, o);
    EXPECT_TRUE(d.labels);
    EXPECT_EQ(d.classes, 3);
    EXPECT_EQ(d.inputs, (Matrix(1, 4) << 1, 2, 3, 4).finished());
    EXPECT_EQ(d.targets, (Matrix(3, 4) << 0, 1, 0, 0, 1, 0, 0, 1, 0, 0, 1, 0).finished());
    EXPECT_EQ(d.target_names, (std::vector<std::string>{"label"}));
  }
  const std::string targets = file("targets.hdf5");
  H5Writer(targets).doubles("inputs", {2, 1}, {1, 2}).doubles("targets", {2}, {7, 8});
  EXPECT_EQ(read_dataset(targets).targets, (Matrix(1, 2) << 7, 8).finished());
  // Integer inputs are converted.
  const std::string ints = file("ints.h5");
  H5Writer(ints).int64s("inputs", {2, 1}, {3, -4}).doubles("targets", {2, 1}, {7, 8});
  EXPECT_EQ(read_dataset(ints).inputs, (Matrix(1, 2) << 3, -4).finished());
}

TEST_F(DataFile, Hdf5BadFiles) {
  const double nan = std::numeric_limits<double>::quiet_NaN();
  H5Writer(file("lengths.h5")).doubles("inputs", {3, 1}, {1, 2, 3}).doubles("targets", {2}, {1, 2});
  expect_error(file("lengths.h5"), "/inputs holds 3 samples but /targets 2");
  H5Writer(file("no_inputs.h5")).doubles("targets", {2}, {1, 2});
  expect_error(file("no_inputs.h5"), "no /inputs dataset");
  H5Writer(file("no_targets.h5")).doubles("inputs", {2}, {1, 2});
  expect_error(file("no_targets.h5"), "no /targets or /labels dataset");
  H5Writer(file("nothing.h5"));
  expect_error(file("nothing.h5"), "no /inputs dataset");
  H5Writer(file("both.h5"))
      .doubles("inputs", {2}, {1, 2})
      .doubles("targets", {2}, {1, 2})
      .int64s("labels", {2}, {0, 1});
  expect_error(file("both.h5"), "holds both /targets and /labels");
  H5Writer(file("frac.h5")).doubles("inputs", {2}, {1, 2}).doubles("labels", {2}, {0, 1.5});
  expect_error(file("frac.h5"), "/labels sample 1: class label 1.5 is not an integer >= 0");
  H5Writer(file("nan.h5"))
      .doubles("inputs", {2, 2}, {1, 2, 3, nan})
      .doubles("targets", {2}, {1, 2});
  expect_error(file("nan.h5"), "/inputs sample 1: column 1 is nan, not a finite number");
  H5Writer(file("rank3.h5")).doubles("inputs", {1, 1, 2}, {1, 2}).doubles("targets", {1}, {1});
  expect_error(file("rank3.h5"), "/inputs: expected shape [N, I], found [1, 1, 2]");
  H5Writer(file("labels2d.h5"))
      .doubles("inputs", {2}, {1, 2})
      .int64s("labels", {2, 2}, {0, 1, 1, 0});
  expect_error(file("labels2d.h5"), "/labels must be 1-D [N]");
  H5Writer(file("empty.h5")).doubles("inputs", {0, 2}, {}).doubles("targets", {0}, {});
  expect_error(file("empty.h5"), "/inputs: no values");

  H5Writer(file("names.h5")).doubles("inputs", {2}, {1, 2}).doubles("targets", {2}, {1, 2});
  DataOptions o;
  o.targets = {"y"};
  expect_error(file("names.h5"), "apply to CSV files", o);

  expect_error(write("text.h5", "a,b\n1,2\n"), "not an HDF5 file");
  expect_error(write("text.hdf5", "\x89HDF not really"), "not an HDF5 file");
  // An HDF5 file under another name is still read as HDF5.
  fs::copy_file(file("names.h5"), file("names.dat"));
  EXPECT_EQ(read_dataset(file("names.dat")).num_samples(), 2);
}

// ---- scikit-learn's digits through scripts/sklearn-to-paraflow ---------------------------------

TEST_F(DataFile, SklearnDigitsConverted) {
  const fs::path digits = "/usr/lib/python3/dist-packages/sklearn/datasets/data/digits.csv.gz";
  const fs::path script = fs::path(__FILE__).parent_path().parent_path().parent_path() / "scripts" /
                          "sklearn-to-paraflow";
  if (!fs::exists(digits) || !fs::exists(script) || !fs::exists("/usr/bin/python3"))
    GTEST_SKIP() << "needs python3-sklearn's " << digits << " and " << script;
  const auto convert = [&](const std::string& out) {
    const std::string command =
        "/usr/bin/python3 " + script.string() + " digits " + out + " > /dev/null";
    return std::system(command.c_str());
  };
  ASSERT_EQ(convert(file("digits.csv")), 0);
  const Dataset d = read_dataset(file("digits.csv"), cross_entropy());
  EXPECT_EQ(d.num_inputs(), 64);
  EXPECT_EQ(d.num_samples(), 1797);
  EXPECT_EQ(d.classes, 10);
  EXPECT_EQ(d.num_outputs(), 10);
  EXPECT_EQ(d.input_names.front(), "x0");
  EXPECT_EQ(d.input_names.back(), "x63");
  EXPECT_EQ(d.target_names, (std::vector<std::string>{"label"}));
  EXPECT_EQ(d.inputs.minCoeff(), 0.0);
  EXPECT_EQ(d.inputs.maxCoeff(), 1.0);  // pixels 0..16 scaled by 1/16
  EXPECT_EQ(d.inputs(2, 0), 5.0 / 16);  // the file's first row: 0,0,5,13,...
  EXPECT_EQ(d.targets.colwise().sum(), Eigen::RowVectorXd::Ones(1797));

  if (std::system("/usr/bin/python3 -c 'import h5py' 2> /dev/null") != 0) return;
  ASSERT_EQ(convert(file("digits.h5")), 0);
  const Dataset h = read_dataset(file("digits.h5"));
  EXPECT_TRUE(h.labels);
  EXPECT_EQ(h.inputs, d.inputs);
  EXPECT_EQ(h.targets, d.targets);
}

}  // namespace
}  // namespace paraflow
