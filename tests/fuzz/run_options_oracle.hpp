// The oracle of the two option targets (fuzz_options: a `paraflow run` command line; fuzz_ini: a
// --config file). Both go through what `paraflow run` does before it opens any file:
// cli::parse (boost.program_options and the INI reader), cli::config_from (strict numbers, the
// per-method and --resume rules) and the file-independent part of make_problem and
// RunConfig::resolve. Outcomes:
//   rejected: cli::UsageError or std::invalid_argument (the CLI's exit status 2) with a one-line
//             message;
//   bug:      any other exception (the CLI would exit 1 with a library's message);
//   SILENT ACCEPT, when an accepted input breaks what the options promise:
//     - an explicitly given number is not a strict decimal (hexadecimal, "inf", "nan", spaces,
//       words), or not finite, or a count with a minus sign, or not whole for an integer option;
//     - the value in the RunConfig differs from the C library's reading of the text, or does not
//       re-parse from its canonical printed form (%.17g, or the integer's digits) to itself;
//     - a resolved value out of its documented range or set (eta > 0, 1 <= batch-size <= N,
//       method in sgd|paraflows|paraflow, ...);
//     - an option given that means nothing for the method, or one --resume cannot change;
//     - a word on the command line that is no option and no option's value (dropped);
//     - --config naming a directory, or a config file setting 'config' or 'help' (read, then
//       silently ignored).
#pragma once

#include <mpi.h>
#include <signal.h>

#include <boost/program_options.hpp>
#include <cmath>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <set>
#include <string>
#include <vector>

#include "cli.hpp"
#include "fuzz_common.hpp"
#include "paraflow/core/activation.hpp"
#include "paraflow/core/network.hpp"
#include "paraflow/driver/run_config.hpp"
#include "paraflow/problems/problem.hpp"
#include "paraflow/problems/user_data.hpp"
#include "run_options.hpp"

namespace paraflow::fuzz {

namespace po = boost::program_options;

/// MPI_Init for the option targets (cli::parse asks MPI for the rank before printing --help):
/// a quick singleton (no helper daemon, no PSM calibration) that keeps the crash handlers it
/// found. Open MPI installs its own for SIGSEGV, SIGBUS, SIGFPE, SIGILL and SIGABRT (it prints
/// a backtrace); libFuzzer then leaves them alone, and a crash, or the abort() of a silent
/// accept, ended the run without libFuzzer's report and the crash-* file naming the input.
inline void start_mpi() {
  setenv("OMPI_MCA_ess_singleton_isolated", "1", 0);
  setenv("OMPI_MCA_pml", "ob1", 0);
  const int signals[] = {SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGABRT};
  struct sigaction saved[std::size(signals)];
  for (std::size_t i = 0; i < std::size(signals); ++i) sigaction(signals[i], nullptr, &saved[i]);
  MPI_Init(nullptr, nullptr);
  for (std::size_t i = 0; i < std::size(signals); ++i) sigaction(signals[i], &saved[i], nullptr);
}

// Samples of each problem, for RunConfig::resolve: the paper's sizes (include/paraflow/problems/
// paper.hpp); for --problem data a stand-in, since the fuzz targets open no data file.
inline std::int64_t samples_of(const std::string& problem) {
  if (problem == "classification") return 10;
  if (problem == "approximation") return 30;
  if (problem == "poisson") return 1200 + 120;
  return 100;
}

// What run_training/make_problem check before reading any file (src/driver/run.cpp).
inline void resolve_like_the_cli(RunConfig& config) {
  if (!config.resume.empty()) return;  // the options then come from the run file
  config.resolve_problem();
  if (config.problem == "data") {
    parse_widths(config.hidden, "hidden");
    parse_activation(config.activation);
    parse_names(config.targets);
    parse_reduction(config.reduction);
  }
  config.resolve(samples_of(config.problem));
}

struct NumericOption {
  const char* name;
  enum Kind { real, integer, count } kind;
  double (*field)(const RunConfig&);
};

// Every numeric option of `paraflow run` and the RunConfig member it sets.
inline const std::vector<NumericOption>& numeric_options() {
  using K = NumericOption;
  static const std::vector<NumericOption> all = {
      {"batch-size", K::count, [](const RunConfig& c) { return double(c.batch_size); }},
      {"eta", K::real, [](const RunConfig& c) { return c.eta; }},
      {"nf", K::count, [](const RunConfig& c) { return double(c.nf); }},
      {"ng", K::count, [](const RunConfig& c) { return double(c.ng); }},
      {"eta-coarse", K::real, [](const RunConfig& c) { return c.eta_coarse; }},
      {"budget", K::count, [](const RunConfig& c) { return double(c.budget); }},
      {"seed", K::count, [](const RunConfig& c) { return double(c.seed); }},
      {"data-ranks", K::count, [](const RunConfig& c) { return double(c.data_ranks); }},
      {"max-iterations", K::integer, [](const RunConfig& c) { return double(c.max_iterations); }},
      {"wall-time", K::real, [](const RunConfig& c) { return c.wall_time; }},
      {"history-every", K::count, [](const RunConfig& c) { return double(c.history_every); }},
      {"checkpoint-every", K::real, [](const RunConfig& c) { return c.checkpoint_every; }},
      {"log-interval", K::real, [](const RunConfig& c) { return c.log_interval; }},
  };
  return all;
}

inline bool given(const po::variables_map& values, const char* name) {
  return values.count(name) && !values[name].defaulted();
}

// A number accepted from the text `text` for option `o`, parsed into `parsed` (the RunConfig
// before resolve): the checks of the header comment.
inline void check_number(const NumericOption& o, const std::string& text, double parsed) {
  const std::string at = std::string("--") + o.name + " '" + text + "'";
  if (!is_strict_decimal(text)) silent_accept(at + " accepted, but it is not a decimal number");
  const double value = c_value(text);
  if (!std::isfinite(value)) silent_accept(at + " accepted, but it is not finite");
  if (o.kind == NumericOption::count && text[0] == '-')
    silent_accept(at + " accepted as a count, but it has a minus sign");
  if (o.kind != NumericOption::real) {
    if (value != std::floor(value) || std::abs(value) > 9e15)
      silent_accept(at + " accepted as an integer, but it is not a whole number in range");
  }
  if (!(parsed == value)) silent_accept(at + " read as " + std::to_string(parsed));
  // The canonical printed form re-parses to the same value.
  char printed[64];
  if (o.kind == NumericOption::real)
    std::snprintf(printed, sizeof printed, "%.17g", parsed);
  else
    std::snprintf(printed, sizeof printed, "%lld", (long long)parsed);
  double again = 0;
  try {
    again = o.kind == NumericOption::real      ? cli::finite_real(o.name, printed)
            : o.kind == NumericOption::integer ? double(cli::integer(o.name, printed))
                                               : double(cli::count(o.name, printed));
  } catch (const std::exception& e) {
    silent_accept(at + " accepted, but its canonical form '" + printed +
                  "' is refused: " + e.what());
  }
  if (!(again == parsed)) silent_accept(at + ": canonical form '" + printed + "' reads otherwise");
}

inline void require_in(const std::string& value, const std::set<std::string>& allowed,
                       const char* option) {
  if (!allowed.count(value))
    silent_accept(std::string("--") + option + " '" + value + "' accepted, not a documented value");
}

inline void require(bool ok, const std::string& what) {
  if (!ok) silent_accept(what);
}

// A key set in an INI file ('name = value' outside any [section]), read independently of boost.
inline std::set<std::string> ini_keys(const std::string& path) {
  std::set<std::string> keys;
  std::ifstream in(path, std::ios::binary);
  std::string line;
  bool in_section = false;
  auto trim = [](std::string s) {
    const auto first = s.find_first_not_of(" \t\r");
    if (first == std::string::npos) return std::string();
    return s.substr(first, s.find_last_not_of(" \t\r") - first + 1);
  };
  while (std::getline(in, line)) {
    line = trim(line.substr(0, line.find('#')));
    if (line.empty()) continue;
    if (line.front() == '[') {
      in_section = true;
      continue;
    }
    const auto equals = line.find('=');
    if (equals != std::string::npos && !in_section) keys.insert(trim(line.substr(0, equals)));
  }
  return keys;
}

// The checks of the header comment on an accepted command line.
inline void check_accepted(const std::vector<std::string>& args,
                           const po::options_description& options, const po::variables_map& values,
                           const RunConfig& parsed, const RunConfig& c) {
  // Every word is an option or an option's value: boost, given no positional description, keeps
  // stray words apart (position_key >= 0) and store() drops them.
  po::command_line_parser parser(args);
  parser.options(options);
  for (const auto& option : parser.run().options)
    if (option.position_key >= 0)
      silent_accept("the stray argument '" + option.value.front() + "' was accepted and dropped");

  for (const NumericOption& o : numeric_options())
    if (given(values, o.name)) check_number(o, values[o.name].as<std::string>(), o.field(parsed));

  if (values.count("config")) {
    const std::string path = values["config"].as<std::string>();
    std::error_code ec;
    require(!std::filesystem::is_directory(path, ec),
            "--config '" + path + "' is a directory, read as an empty INI file");
    const auto keys = ini_keys(path);
    for (const char* name : {"config", "help"})
      require(!keys.count(name),
              std::string("the config file sets '") + name + "', which is read and then ignored");
  }

  // Options that mean nothing for the method are errors (config_from's only_for).
  auto only_for = [&](const char* name, std::set<std::string> methods) {
    require(!given(values, name) || methods.count(c.method),
            std::string("--") + name + " accepted with --method " + c.method);
  };
  only_for("nf", {"paraflows", "paraflow"});
  only_for("ng", {"paraflows", "paraflow"});
  only_for("eta-coarse", {"paraflows", "paraflow"});
  only_for("init-guess", {"paraflow"});
  only_for("accept-first", {"paraflows"});

  if (!c.resume.empty()) {
    for (const char* name : {"problem", "data",       "hidden",     "activation",    "loss",
                             "targets", "method",     "batch-size", "eta",           "nf",
                             "ng",      "eta-coarse", "reduction",  "init-guess",    "init-scheme",
                             "seed",    "data-ranks", "data-sum",   "history-every", "init"})
      require(!given(values, name), std::string("--") + name + " accepted beside --resume");
    return;  // the rest is resolved from the run file
  }

  require_in(c.problem, {"classification", "approximation", "poisson", "data"}, "problem");
  require_in(c.method, {"sgd", "paraflows", "paraflow"}, "method");
  require_in(c.reduction, {"sum", "mean", "deepxde"}, "reduction");
  require(c.reduction != "deepxde" || c.problem == "poisson", "--reduction deepxde off poisson");
  require_in(c.init_guess, {"copy", "coarse"}, "init-guess");
  require_in(c.init_scheme, {"uniform", "glorot-uniform", "normal-half"}, "init-scheme");
  require_in(c.history_spacing, {"linear", "log"}, "history-spacing");
  require_in(c.data_sum, {"allreduce", "shared"}, "data-sum");
  if (c.problem == "data") {
    require(!c.data.empty(), "--problem data accepted without --data");
    require_in(c.loss, {"mse", "cross-entropy"}, "loss");
  } else {
    for (const std::string* s : {&c.data, &c.hidden, &c.activation, &c.loss, &c.targets})
      require(s->empty(), "a --problem data option accepted with --problem " + c.problem);
  }
  const std::int64_t n = samples_of(c.problem);
  require(std::isfinite(c.eta) && c.eta > 0, "eta not > 0");
  require(std::isfinite(c.eta_coarse) && c.eta_coarse > 0, "eta-coarse not > 0");
  require(c.nf >= 1 && c.ng >= 1, "nf or ng < 1");
  require(c.batch_size >= 1 && c.batch_size <= n, "batch-size out of [1, N]");
  require(c.data_ranks >= 1 && c.data_ranks <= c.batch_size, "data-ranks out of [1, batch]");
  require(c.budget >= 1, "budget < 1");
  require(c.history_every >= 1, "history-every < 1 after resolve");
  require(std::isfinite(c.wall_time), "wall-time not finite");
  require(std::isfinite(c.checkpoint_every) && c.checkpoint_every >= 0, "checkpoint-every < 0");
  require(std::isfinite(c.log_interval) && c.log_interval >= 0, "log-interval < 0");
}

/// One input: parse `args` as `paraflow run` would, then classify (header comment).
inline void check_run_options(const std::vector<std::string>& args) {
  Tally& tally = Tally::get();
  ++tally.tried;
  po::variables_map values;
  RunConfig parsed, resolved;
  const auto options = cli::run_options();
  try {
    if (!cli::parse(args, options, values, "usage: paraflow run [options]")) {
      tally.accept(), ++tally.notes["help"];
      return;
    }
    parsed = cli::config_from(values);
    resolved = parsed;
    resolve_like_the_cli(resolved);
  } catch (const cli::UsageError& e) {
    expect_one_line(e.what(), "a command line");
    tally.reject(e.what());
    return;
  } catch (const std::invalid_argument& e) {
    expect_one_line(e.what(), "a command line");
    tally.reject(e.what());
    return;
  } catch (const std::exception& e) {
    bug(std::string("an option error that is not a UsageError (exit 1, not 2): ") + e.what());
  }
  check_accepted(args, options, values, parsed, resolved);
  tally.accept();
}

}  // namespace paraflow::fuzz
