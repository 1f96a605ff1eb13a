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

// Numbers on the command line (and in --config files) are decimal only: an optional sign, digits
// with an optional decimal point, an optional exponent ("1e6", "1.5e-3", ".5", "2."). Hex, "inf",
// "nan", spaces and empty strings are UsageErrors naming the option and the value.

/// A real number option (finite; rejects 1e999).
double finite_real(const po::variables_map& values, const std::string& name);
/// An integer option written as an integer or as an exact real (1e6); may be negative (-1).
std::int64_t integer(const po::variables_map& values, const std::string& name);
/// A count or size (batch-size, nf, budget, seed, ...): an integer written without a minus sign,
/// so "-0" is rejected too; a negative exponent is fine when the value is whole ("10e-1").
std::int64_t count(const po::variables_map& values, const std::string& name);

/// The same three on a value given as text (an item of a comma list); `name` is for messages.
double finite_real(const std::string& name, const std::string& text);
std::int64_t integer(const std::string& name, const std::string& text);
std::int64_t count(const std::string& name, const std::string& text);

/// The whole command line, for the run file.
std::string joined(int argc, char** argv);

int rank_of_world();

}  // namespace paraflow::cli
