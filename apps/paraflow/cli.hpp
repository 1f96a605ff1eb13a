// Shared pieces of the `paraflow` command: the error type, option parsing helpers, MPI scope.
#pragma once

#include <boost/program_options.hpp>
#include <stdexcept>
#include <string>
#include <vector>

namespace paraflow::cli {

namespace po = boost::program_options;

/// A user error: printed as one line `paraflow: error: ...`, exit status 2.
struct UsageError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

/// Parses `args` against `options` (unknown options and bad values are UsageErrors) and reads
/// `--config FILE` (INI) if given. Returns false when --help was printed.
bool parse(const std::vector<std::string>& args, const po::options_description& options,
           po::variables_map& values, const std::string& usage,
           const po::positional_options_description* positional = nullptr);

/// A real number option that must be finite (accepts 1e6; rejects nan, inf, "abc").
double finite_real(const po::variables_map& values, const std::string& name);
/// An integer option written as an integer or as an exact real (1e6).
std::int64_t integer(const po::variables_map& values, const std::string& name);

/// The whole command line, for the run file.
std::string joined(int argc, char** argv);

int rank_of_world();

}  // namespace paraflow::cli
