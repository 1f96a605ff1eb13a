// paraflow: train with ParaFlow, ParaFlowS or SGD, and inspect run files.
//   paraflow run --problem classification --method paraflows --budget 1e5
//   mpirun -n 4 paraflow run --method paraflow --ng 4 ...
#include <mpi.h>

#include <iostream>
#include <stdexcept>
#include <string>
#include <vector>

#include "cli.hpp"
#include "commands.hpp"

namespace {

const char* kUsage =
    "usage: paraflow COMMAND [options]\n"
    "commands:\n"
    "  run        train a problem with sgd, paraflows or paraflow; write a run file\n"
    "  evaluate   loss and full-batch gradient at the weights of a run file\n"
    "  info       a short summary of a run file\n"
    "  table      sweep a table of the paper: SGD vs ParaFlowS, CSV + Markdown\n"
    "run 'paraflow COMMAND --help' for its options";

int dispatch(int argc, char** argv) {
  using namespace paraflow::cli;
  if (argc < 2 || std::string(argv[1]) == "--help" || std::string(argv[1]) == "-h") {
    if (rank_of_world() == 0) std::cout << kUsage << std::endl;
    return argc < 2 ? 2 : 0;
  }
  const std::string command = argv[1];
  const std::vector<std::string> args(argv + 2, argv + argc);
  if (command == "run") return command_run(args, joined(argc, argv));
  if (command == "evaluate") return command_evaluate(args);
  if (command == "info") return command_info(args);
  if (command == "table") return command_table(args);
  throw UsageError("unknown command '" + command + "' (run, evaluate, info, table)");
}

}  // namespace

int main(int argc, char** argv) {
  MPI_Init(&argc, &argv);
  int status = 0;
  try {
    status = dispatch(argc, argv);
  } catch (const paraflow::cli::UsageError& e) {
    if (paraflow::cli::rank_of_world() == 0)
      std::cerr << "paraflow: error: " << e.what() << std::endl;
    status = 2;
  } catch (const std::invalid_argument& e) {  // bad option values: raised on every rank
    if (paraflow::cli::rank_of_world() == 0)
      std::cerr << "paraflow: error: " << e.what() << std::endl;
    status = 2;
  } catch (const std::exception& e) {
    if (paraflow::cli::rank_of_world() == 0)
      std::cerr << "paraflow: error: " << e.what() << std::endl;
    status = 1;
  }
  MPI_Finalize();
  return status;
}
