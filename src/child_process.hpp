// Runs a check in a forked child process, so that a crash or a hang inside it (HDF5 1.10 can
// SIGSEGV or loop forever on a corrupt file) becomes an error in the parent instead of its end.
// POSIX; private to the library.
#pragma once

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>
#ifdef __linux__
#include <sys/prctl.h>
#endif

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <string>

namespace paraflow {

/// How a check run by run_in_child() ended.
struct ChildOutcome {
  enum Kind {
    passed,   ///< returned normally
    threw,    ///< threw; `message` is its what()
    died,     ///< killed by a signal, exited without a result, or ran past the time limit;
              ///< `message` says which ("was killed by signal 11: Segmentation fault")
    not_run,  ///< no child could be started (pipe or fork failed); `message` says why
  };
  Kind kind = not_run;
  std::string message;
};

namespace child_process_detail {

inline void write_all(int fd, const std::string& bytes) {
  for (std::size_t done = 0; done < bytes.size();) {
    const ssize_t n = ::write(fd, bytes.data() + done, bytes.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return;
    done += std::size_t(n);
  }
}

// In the child: run `check` and report on the pipe ('0', or '1' and the message), then _exit.
// Only _exit: no atexit handlers, no stdio flush of the parent's buffers, no MPI finalisation.
template <class Check>
[[noreturn]] void child_main(int report_fd, const Check& check) {
#ifdef __linux__
  ::prctl(PR_SET_DUMPABLE, 0);         // a crash here is expected: no core dump
  ::prctl(PR_SET_PDEATHSIG, SIGKILL);  // nor an orphan if the parent dies
#endif
  const rlimit no_core{0, 0};
  ::setrlimit(RLIMIT_CORE, &no_core);
  // The parent's crash handlers (Open MPI prints a backtrace) would write to the user's terminal:
  // a crash here just ends the child, and nothing it prints reaches stdout or stderr.
  for (int signal : {SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGABRT}) ::signal(signal, SIG_DFL);
  const int null = ::open("/dev/null", O_WRONLY);
  if (null >= 0) ::dup2(null, STDOUT_FILENO), ::dup2(null, STDERR_FILENO);
  std::string report = "0";
  try {
    check();
  } catch (const std::exception& e) {
    report = std::string("1") + e.what();
  } catch (...) {
    report = "1unknown error";
  }
  write_all(report_fd, report);
  ::_exit(0);
}

}  // namespace child_process_detail

/// How long a trial read of a file in a child may take before the file is called unreadable:
/// `default_seconds`, or PARAFLOW_TRIAL_READ_SECONDS when set to a positive number (a slow
/// shared file system may need more; the fuzz targets set 2 s, since HDF5 1.10 loops until the
/// limit on some corrupt files and the default would make each such input cost 30 s or more).
inline double trial_read_limit(double default_seconds) {
  const char* text = std::getenv("PARAFLOW_TRIAL_READ_SECONDS");
  if (text == nullptr || *text == '\0') return default_seconds;
  char* end = nullptr;
  const double seconds = std::strtod(text, &end);
  return *end == '\0' && seconds > 0 && seconds < 1e6 ? seconds : default_seconds;
}

/// Runs `check()` in a child made by fork() and waits for it, at most `timeout_seconds` (then it
/// is killed). The child must touch nothing shared with the parent (no MPI, no writes to the
/// parent's files): it runs `check`, writes its outcome to a pipe and calls _exit. Crashes there
/// leave no core file. Costs a fork and a wait (0.2 ms in a small process with a free core; more
/// with a large heap or busy cores) plus the check, slowed a little by copy-on-write faults.
template <class Check>
ChildOutcome run_in_child(const Check& check, double timeout_seconds) {
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) != 0) return {ChildOutcome::not_run, std::strerror(errno)};
  const pid_t pid = ::fork();
  if (pid < 0) {
    const int saved = errno;
    ::close(fds[0]), ::close(fds[1]);
    return {ChildOutcome::not_run, std::strerror(saved)};
  }
  if (pid == 0) {
    ::close(fds[0]);
    child_process_detail::child_main(fds[1], check);
  }
  ::close(fds[1]);

  // Read the report until the child closes the pipe (it exited or died) or time runs out.
  using Clock = std::chrono::steady_clock;
  const auto deadline = Clock::now() + std::chrono::duration_cast<Clock::duration>(
                                           std::chrono::duration<double>(timeout_seconds));
  std::string report;
  bool timed_out = false;
  for (;;) {
    const auto left =
        std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
    if (left.count() <= 0) {
      timed_out = true;
      break;
    }
    pollfd ready{fds[0], POLLIN, 0};
    const int n = ::poll(&ready, 1, int(std::min<long long>(left.count(), 1000 * 1000)));
    if (n < 0 && errno != EINTR) break;
    if (n <= 0) continue;
    char buffer[4096];
    const ssize_t got = ::read(fds[0], buffer, sizeof buffer);
    if (got < 0 && errno == EINTR) continue;
    if (got <= 0) break;
    report.append(buffer, std::size_t(got));
  }
  ::close(fds[0]);
  if (timed_out) ::kill(pid, SIGKILL);
  int status = 0;
  pid_t waited;
  do waited = ::waitpid(pid, &status, 0);
  while (waited < 0 && errno == EINTR);

  if (timed_out) {
    char seconds[32];
    std::snprintf(seconds, sizeof seconds, "%.3g", timeout_seconds);
    return {ChildOutcome::died, std::string("gave no result within ") + seconds + " s"};
  }
  if (waited == pid && WIFSIGNALED(status)) {
    const int signal = WTERMSIG(status);
    return {ChildOutcome::died,
            "was killed by signal " + std::to_string(signal) + ": " + ::strsignal(signal)};
  }
  if (!report.empty() && report[0] == '0') return {ChildOutcome::passed, ""};
  if (!report.empty() && report[0] == '1') return {ChildOutcome::threw, report.substr(1)};
  // No report: the child exited some other way (waited != pid if SIGCHLD is ignored).
  return {ChildOutcome::died,
          waited == pid && WIFEXITED(status)
              ? "exited with status " + std::to_string(WEXITSTATUS(status)) + " and no result"
              : "ended without a result"};
}

}  // namespace paraflow
