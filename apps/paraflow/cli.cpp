#include "cli.hpp"

#include <mpi.h>

#include <cmath>
#include <fstream>
#include <iostream>

namespace paraflow::cli {

bool parse(const std::vector<std::string>& args, const po::options_description& options,
           po::variables_map& values, const std::string& usage,
           const po::positional_options_description* positional) {
  try {
    po::command_line_parser parser(args);
    parser.options(options);
    if (positional) parser.positional(*positional);
    po::store(parser.run(), values);
    if (values.count("help")) {
      if (rank_of_world() == 0) std::cout << usage << "\n\n" << options << std::endl;
      return false;
    }
    if (values.count("config")) {
      const auto path = values["config"].as<std::string>();
      std::ifstream in(path);
      if (!in) throw UsageError("cannot read --config " + path);
      po::store(po::parse_config_file(in, options), values);
    }
    po::notify(values);
  } catch (const po::error& e) {
    throw UsageError(e.what());
  }
  return true;
}

double finite_real(const po::variables_map& values, const std::string& name) {
  const std::string text = values[name].as<std::string>();
  std::size_t used = 0;
  double value = 0;
  try {
    value = std::stod(text, &used);
  } catch (const std::exception&) {
    used = 0;
  }
  if (used == 0 || used != text.size())
    throw UsageError("--" + name + " '" + text + "' is not a number");
  if (!std::isfinite(value)) throw UsageError("--" + name + " '" + text + "' is not finite");
  return value;
}

std::int64_t integer(const po::variables_map& values, const std::string& name) {
  const double value = finite_real(values, name);
  if (value != std::floor(value) || std::abs(value) > 9e15)
    throw UsageError("--" + name + " '" + values[name].as<std::string>() +
                     "' is not a whole number");
  return std::int64_t(value);
}

std::string joined(int argc, char** argv) {
  std::string line;
  for (int i = 0; i < argc; ++i) {
    if (i > 0) line += ' ';
    line += argv[i];
  }
  return line;
}

int rank_of_world() {
  int rank = 0;
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  return rank;
}

}  // namespace paraflow::cli
