#include "cli.hpp"

#include <mpi.h>

#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>

#include "paraflow/io/decimal.hpp"

namespace paraflow::cli {

namespace {

std::string one_line(std::string text) {
  for (char& c : text)
    if (c == '\n' || c == '\r') c = ' ';
  return text;
}

// boost.program_options (1.74) builds a message by replacing %canonical_option%, %value%, ... in
// a loop that never ends when the text it puts in holds that placeholder itself: `run
// --%value%` hung, its message growing until memory ran out. Input holding one is never passed
// to what().
bool has_placeholder(const std::string& text) {
  for (const char* token :
       {"%canonical_option%", "%option%", "%original_token%", "%prefix%", "%value%"})
    if (text.find(token) != std::string::npos) return true;
  return false;
}

}  // namespace

bool parse(const std::vector<std::string>& args, const po::options_description& options,
           po::variables_map& values, const std::string& usage,
           const po::positional_options_description* positional) {
  std::string placeholder;  // the first argument or config line holding one, if any
  for (const std::string& arg : args)
    if (placeholder.empty() && has_placeholder(arg)) placeholder = arg;
  try {
    po::command_line_parser parser(args);
    parser.options(options);
    if (positional) parser.positional(*positional);
    const po::parsed_options parsed = parser.run();
    // Without a positional description boost keeps stray words apart and store() drops them:
    // `run --eta 0.01 0.5` ran with 0.01. A word that is no option's value is an error.
    for (const auto& option : parsed.options)
      if (option.position_key >= 0 && !positional)
        throw UsageError("unexpected argument '" + one_line(option.original_tokens.front()) +
                         "' (options start with --)");
    po::store(parsed, values);
    if (values.count("help")) {
      if (rank_of_world() == 0) std::cout << usage << "\n\n" << options << std::endl;
      return false;
    }
    if (values.count("config")) {
      const auto path = values["config"].as<std::string>();
      const std::string shown = one_line(path);
      // A directory opens as a stream that reads nothing: it ran with the defaults.
      std::error_code ignored;
      if (std::filesystem::is_directory(path, ignored))
        throw UsageError("--config " + shown + " is a directory, not an INI file");
      std::ifstream file(path);
      if (!file) throw UsageError("cannot read --config " + shown);
      std::stringstream in;
      in << file.rdbuf();
      if (file.bad()) throw UsageError("cannot read --config " + shown);
      for (std::string line; placeholder.empty() && std::getline(in, line);)
        if (has_placeholder(line)) placeholder = line;
      in.clear(), in.seekg(0);
      const po::parsed_options from_file = po::parse_config_file(in, options);
      // Read from a file, these were accepted and then ignored (no nested config, no help).
      for (const auto& option : from_file.options)
        if (option.string_key == "config" || option.string_key == "help")
          throw UsageError("--config " + shown + ": '" + option.string_key +
                           "' cannot be set in a config file");
      po::store(from_file, values);
    }
    po::notify(values);
  } catch (const po::error& e) {
    if (!placeholder.empty())
      throw UsageError(
          "an option or value is bad, and one holds text between % signs that "
          "cannot be shown: '" +
          one_line(placeholder) + "'");
    throw UsageError(e.what());
  }
  return true;
}

namespace {

// The message stays one line whatever the value holds.
[[noreturn]] void bad_value(const std::string& name, const std::string& text, const char* what) {
  throw UsageError("--" + name + " '" + one_line(text) + "' " + what);
}

}  // namespace

double finite_real(const std::string& name, const std::string& text) {
  double value = 0;
  switch (parse_decimal(text, value)) {
    case Parsed::number:
      return value;
    case Parsed::not_decimal:
      bad_value(name, text, "is not a decimal number");
    case Parsed::not_finite:
      break;
  }
  bad_value(name, text, "is not finite");
}

std::int64_t integer(const std::string& name, const std::string& text) {
  const double value = finite_real(name, text);
  if (value != std::floor(value) || std::abs(value) > 9e15)
    bad_value(name, text, "is not a whole number");
  return std::int64_t(value);
}

std::int64_t count(const std::string& name, const std::string& text) {
  double value = 0;
  if (parse_decimal(text, value) == Parsed::number && text.front() == '-')
    bad_value(name, text, "must not be negative");
  return integer(name, text);
}

double finite_real(const po::variables_map& values, const std::string& name) {
  return finite_real(name, values[name].as<std::string>());
}

std::int64_t integer(const po::variables_map& values, const std::string& name) {
  return integer(name, values[name].as<std::string>());
}

std::int64_t count(const po::variables_map& values, const std::string& name) {
  return count(name, values[name].as<std::string>());
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
