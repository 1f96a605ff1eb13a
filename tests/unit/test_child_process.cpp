// run_in_child (private to the library, behind read_run_file): what the check did in the child
// (returned, threw, crashed, hung) comes back to the parent, which carries on unharmed.
#include <gtest/gtest.h>

#include <chrono>
#include <csignal>
#include <cstdio>
#include <stdexcept>
#include <string>

#include "../../src/child_process.hpp"

namespace paraflow {
namespace {

TEST(RunInChild, ReportsACheckThatReturns) {
  const ChildOutcome outcome = run_in_child([] {}, 10);
  EXPECT_EQ(outcome.kind, ChildOutcome::passed);
  EXPECT_EQ(outcome.message, "");
}

TEST(RunInChild, ReportsTheMessageOfACheckThatThrows) {
  const ChildOutcome outcome =
      run_in_child([] { throw std::runtime_error("run.h5: /weights/W2: missing"); }, 10);
  EXPECT_EQ(outcome.kind, ChildOutcome::threw);
  EXPECT_EQ(outcome.message, "run.h5: /weights/W2: missing");
}

TEST(RunInChild, SurvivesACheckThatCrashes) {
  const ChildOutcome outcome = run_in_child([] { std::raise(SIGSEGV); }, 10);
  EXPECT_EQ(outcome.kind, ChildOutcome::died);
  EXPECT_EQ(outcome.message.rfind("was killed by signal " + std::to_string(SIGSEGV) + ": ", 0), 0u)
      << outcome.message;
}

TEST(RunInChild, StopsACheckThatHangs) {
  const auto start = std::chrono::steady_clock::now();
  const ChildOutcome outcome = run_in_child(
      [] {
        for (;;) pause();
      },
      0.3);
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  EXPECT_EQ(outcome.kind, ChildOutcome::died);
  EXPECT_EQ(outcome.message, "gave no result within 0.3 s");
  EXPECT_LT(seconds, 5);
}

TEST(RunInChild, ReportsAChildThatExitsWithoutAResult) {
  const ChildOutcome outcome = run_in_child([] { _exit(7); }, 10);
  EXPECT_EQ(outcome.kind, ChildOutcome::died);
  EXPECT_EQ(outcome.message, "exited with status 7 and no result");
}

TEST(RunInChild, LeavesTheParentsStdioBuffersAlone) {
  std::FILE* out = std::tmpfile();
  ASSERT_NE(out, nullptr);
  std::fputs("parent", out);  // still in the buffer when the child starts; _exit must not flush it
  EXPECT_EQ(run_in_child([] {}, 10).kind, ChildOutcome::passed);
  std::fflush(out);
  std::rewind(out);
  char text[32] = {};
  const std::size_t n = std::fread(text, 1, sizeof text - 1, out);
  std::fclose(out);
  EXPECT_EQ(std::string(text, n), "parent");
}

extern "C" void noisy_crash_handler(int) {  // like Open MPI's: prints a backtrace, then exits
  const char line[] = "[host:123] backtrace\n";
  if (write(STDERR_FILENO, line, sizeof line - 1) < 0) _exit(98);
  _exit(99);
}

TEST(RunInChild, KeepsACrashingChildQuiet) {
  // The parent's crash handler is not run in the child, and the child's stderr goes nowhere.
  const auto previous = std::signal(SIGSEGV, noisy_crash_handler);
  testing::internal::CaptureStderr();
  const ChildOutcome outcome = run_in_child(
      [] {
        std::fprintf(stderr, "HDF5-DIAG: error\n");
        std::raise(SIGSEGV);
      },
      10);
  const std::string printed = testing::internal::GetCapturedStderr();
  std::signal(SIGSEGV, previous);
  EXPECT_EQ(outcome.kind, ChildOutcome::died);
  EXPECT_EQ(outcome.message.rfind("was killed by signal", 0), 0u) << outcome.message;
  EXPECT_EQ(printed, "");
}

}  // namespace
}  // namespace paraflow
