#include "deploy/engine_process.h"

#include <fcntl.h>
#include <poll.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>

#include "base/error.h"

extern char** environ;

namespace nanoforge::deploy {

namespace fs = std::filesystem;

namespace {

std::vector<char*> c_argv(const std::vector<std::string>& argv) {
  std::vector<char*> pointers;
  for (const auto& word : argv) pointers.push_back(const_cast<char*>(word.c_str()));
  pointers.push_back(nullptr);
  return pointers;
}

int wait_for(pid_t pid) {
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0) {
    if (errno != EINTR) return -1;
  }
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

pid_t spawn(const std::vector<std::string>& argv, const fs::path& directory,
            posix_spawn_file_actions_t* actions) {
  if (argv.empty()) throw Error("internal: empty command");
  // posix_spawn has no portable chdir action in glibc 2.36's headers; the child changes
  // directory through a tiny `sh -c 'cd DIR && exec "$@"'` trampoline instead.
  std::vector<std::string> full;
  if (!directory.empty()) {
    full = {"/bin/sh", "-c", "cd \"$0\" && exec \"$@\"", directory.string()};
    full.insert(full.end(), argv.begin(), argv.end());
  } else {
    full = argv;
  }
  auto pointers = c_argv(full);
  pid_t pid = 0;
  int error = ::posix_spawnp(&pid, pointers[0], actions, nullptr, pointers.data(), environ);
  if (error != 0) throw Error("cannot run " + argv[0] + ": " + std::strerror(error));
  return pid;
}

}  // namespace

ProcessResult run_captured(const std::vector<std::string>& argv, const fs::path& directory) {
  int out_pipe[2], err_pipe[2];
  if (::pipe2(out_pipe, O_CLOEXEC) != 0 || ::pipe2(err_pipe, O_CLOEXEC) != 0)
    throw Error(std::string("cannot create a pipe: ") + std::strerror(errno));
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, out_pipe[1], 1);
  posix_spawn_file_actions_adddup2(&actions, err_pipe[1], 2);
  posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
  pid_t pid;
  try {
    pid = spawn(argv, directory, &actions);
  } catch (...) {
    posix_spawn_file_actions_destroy(&actions);
    for (int fd : {out_pipe[0], out_pipe[1], err_pipe[0], err_pipe[1]}) ::close(fd);
    throw;
  }
  posix_spawn_file_actions_destroy(&actions);
  ::close(out_pipe[1]);
  ::close(err_pipe[1]);

  ProcessResult result;
  pollfd fds[2] = {{out_pipe[0], POLLIN, 0}, {err_pipe[0], POLLIN, 0}};
  std::string* sinks[2] = {&result.out, &result.err};
  int open_count = 2;
  char buffer[16384];
  while (open_count > 0) {
    if (::poll(fds, 2, -1) < 0) {
      if (errno == EINTR) continue;
      break;
    }
    for (int i = 0; i < 2; ++i) {
      if (fds[i].fd < 0 || !(fds[i].revents & (POLLIN | POLLHUP | POLLERR))) continue;
      ssize_t got = ::read(fds[i].fd, buffer, sizeof buffer);
      if (got > 0) {
        sinks[i]->append(buffer, static_cast<std::size_t>(got));
      } else if (got == 0 || errno != EINTR) {
        ::close(fds[i].fd);
        fds[i].fd = -1;
        --open_count;
      }
    }
  }
  result.exit_code = wait_for(pid);
  return result;
}

int run_attached(const std::vector<std::string>& argv, const fs::path& directory) {
  pid_t pid = spawn(argv, directory, nullptr);
  return wait_for(pid);
}

bool program_in_path(const std::string& program) {
  const char* path = std::getenv("PATH");
  std::string remaining = path ? path : "/usr/local/bin:/usr/bin:/bin";
  std::size_t start = 0;
  while (start <= remaining.size()) {
    auto end = remaining.find(':', start);
    if (end == std::string::npos) end = remaining.size();
    fs::path candidate = fs::path(remaining.substr(start, end - start)) / program;
    if (::access(candidate.c_str(), X_OK) == 0) return true;
    start = end + 1;
  }
  return false;
}

std::string join_command(const std::vector<std::string>& argv) {
  std::string text;
  for (const auto& word : argv) {
    if (!text.empty()) text += ' ';
    bool plain = !word.empty() && word.find_first_of(" \t'\"$\\") == std::string::npos;
    text += plain ? word : "'" + word + "'";
  }
  return text;
}

}  // namespace nanoforge::deploy
