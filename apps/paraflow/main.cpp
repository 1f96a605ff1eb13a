// paraflow: train with ParaFlow, ParaFlowS or SGD, and inspect run files.
//   paraflow run --problem classification --method paraflows --budget 1e5
//   mpirun -n 4 paraflow run --method paraflow --ng 4 ...
#include <mpi.h>

#include <iostream>
#include <new>
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

// Every rank ends with the same status: the highest any rank reached. The error line comes from
// one rank, the lowest that failed (usually rank 0, which checks and writes everything).
int agree_on_status(int status, const std::string& error) {
  int size = 1, rank = paraflow::cli::rank_of_world();
  MPI_Comm_size(MPI_COMM_WORLD, &size);
  int agreed = status, first_failed = error.empty() ? size : rank;
  MPI_Allreduce(MPI_IN_PLACE, &agreed, 1, MPI_INT, MPI_MAX, MPI_COMM_WORLD);
  MPI_Allreduce(MPI_IN_PLACE, &first_failed, 1, MPI_INT, MPI_MIN, MPI_COMM_WORLD);
  if (rank == first_failed) std::cerr << "paraflow: error: " << error << std::endl;
  return agreed;
}

}  // namespace

int main(int argc, char** argv) {
  MPI_Init(&argc, &argv);
  int status = 0;
  std::string error;
  try {
    status = dispatch(argc, argv);
  } catch (const paraflow::cli::UsageError& e) {
    error = e.what(), status = 2;
  } catch (const std::invalid_argument& e) {  // bad option values
    error = e.what(), status = 2;
  } catch (const std::bad_alloc&) {  // what() would say only "std::bad_alloc"
    error = "out of memory (a network, batch or data set too large for this machine?)", status = 1;
  } catch (const std::exception& e) {
    error = e.what(), status = 1;
  }
  status = agree_on_status(status, error);
  MPI_Finalize();
  return status;
}
