// Interposers for execve, execv, execvp, execvpe, execl, execle, execlp, execveat, fexecve,
// posix_spawn and posix_spawnp. A program the preload cannot reach (statically linked, Go;
// preload_exec_target.h), started from a program the preload is in, would connect directly:
// it is run under socksify's seccomp supervisor instead ("socksify -m seccomp -- PROGRAM
// ARGS..." with the same environment, which carries socksify's settings as SOCKS_*), or,
// when no socksify is next to the library, refused with EACCES and a line naming it.
//
// Each public call is interposed, not execve alone: glibc's exec* and posix_spawn* call its
// internal __execve, which no preload can reach. posix_spawn is judged in the parent, before
// the real call, whose child shares the parent's memory. An exec may itself run in a vfork
// child: nothing here allocates, locks or leaves errno changed unless the call fails.
//
// socksify is looked for where make install and the build tree put it, relative to this
// library's own path (an absolute one, as socksify sets LD_PRELOAD): the same directory
// (build/), then ../bin (LIBDIR=PREFIX/lib, BINDIR=PREFIX/bin).
#include <dlfcn.h>
#include <fcntl.h>
#include <spawn.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <climits>
#include <cstdarg>
#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "preload_exec_target.h"
#include "preload_real.h"

namespace sp = socks4::preload;

namespace socks4::preload {
namespace {

// Paths found once, at load time, before the program runs: dladdr takes the loader's lock,
// which a vfork child must not.
char g_library[PATH_MAX] = "";
char g_socksify_candidates[2][PATH_MAX] = {"", ""};

__attribute__((constructor)) void find_socksify() {
  Dl_info info{};
  if (dladdr(reinterpret_cast<void*>(&find_socksify), &info) == 0 || info.dli_fname == nullptr ||
      info.dli_fname[0] != '/') {
    return;  // unknown: nothing can supervise, an uncoverable exec is refused
  }
  const char* slash = std::strrchr(info.dli_fname, '/');
  const int directory = static_cast<int>(slash - info.dli_fname);
  std::snprintf(g_library, sizeof g_library, "%s", info.dli_fname);
  std::snprintf(g_socksify_candidates[0], PATH_MAX, "%.*s/socksify", directory, info.dli_fname);
  std::snprintf(g_socksify_candidates[1], PATH_MAX, "%.*s/../bin/socksify", directory,
                info.dli_fname);
}

const char* supervising_socksify() {
  const int saved_errno = errno;
  const char* found = nullptr;
  for (const char* candidate : g_socksify_candidates) {
    if (candidate[0] != '\0' && access(candidate, X_OK) == 0) {
      found = candidate;
      break;
    }
  }
  errno = saved_errno;
  return found;
}

bool same_file(const char* a, const char* b) {
  const int saved_errno = errno;
  struct stat first;
  struct stat second;
  const bool same = stat(a, &first) == 0 && stat(b, &second) == 0 &&
                    first.st_dev == second.st_dev && first.st_ino == second.st_ino;
  errno = saved_errno;
  return same;
}

size_t count(char* const* list) {
  size_t n = 0;
  while (list != nullptr && list[n] != nullptr) ++n;
  return n;
}

char kMethodOption[] = "-m";
char kSeccomp[] = "seccomp";
char kEndOfOptions[] = "--";
constexpr char kPreloadVariable[] = "LD_PRELOAD=";

// "socksify -m seccomp -- PROGRAM ARGS..." and the environment without this library in
// LD_PRELOAD (the supervisor alone answers for the program and its children), in one
// anonymous mapping: no allocator in a vfork child.
class SupervisedCommand {
 public:
  SupervisedCommand() = default;
  ~SupervisedCommand() {
    if (region_ != MAP_FAILED) {
      const int saved_errno = errno;
      munmap(region_, size_);
      errno = saved_errno;
    }
  }
  SupervisedCommand(const SupervisedCommand&) = delete;
  SupervisedCommand& operator=(const SupervisedCommand&) = delete;

  bool build(const char* socksify, const char* program, char* const argv[], char* const envp[]) {
    const size_t argc = count(argv);
    const size_t envc = count(envp);
    const size_t program_size = std::strlen(program) + 3;  // "./" for a name without '/'
    size_t preload_size = 0;
    for (size_t i = 0; i < envc; ++i) {
      if (std::strncmp(envp[i], kPreloadVariable, sizeof kPreloadVariable - 1) == 0) {
        preload_size = std::strlen(envp[i]) + 1;
      }
    }
    const size_t pointers = (argc + 6) + (envc + 1);
    size_ = pointers * sizeof(char*) + program_size + preload_size;
    region_ = mmap(nullptr, size_, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (region_ == MAP_FAILED) return false;
    argv_ = static_cast<char**>(region_);
    envp_ = argv_ + argc + 6;
    char* text = reinterpret_cast<char*>(envp_ + envc + 1);

    char* program_text = text;
    std::snprintf(program_text, program_size, "%s%s", std::strchr(program, '/') ? "" : "./",
                  program);
    text += program_size;
    size_t a = 0;
    argv_[a++] = const_cast<char*>(socksify);
    argv_[a++] = kMethodOption;
    argv_[a++] = kSeccomp;
    argv_[a++] = kEndOfOptions;
    argv_[a++] = program_text;
    for (size_t i = 1; i < argc; ++i) argv_[a++] = argv[i];
    argv_[a] = nullptr;

    size_t e = 0;
    for (size_t i = 0; i < envc; ++i) {
      if (std::strncmp(envp[i], kPreloadVariable, sizeof kPreloadVariable - 1) != 0) {
        envp_[e++] = envp[i];
      } else if (without_this_library(envp[i], text)) {
        envp_[e++] = text;
      }
    }
    envp_[e] = nullptr;
    return true;
  }

  char* const* argv() const { return argv_; }
  char* const* envp() const { return envp_; }

 private:
  // LD_PRELOAD=... without this library's path (blank- or colon-separated, as ld.so reads it)
  // into `out`; false when nothing else was preloaded.
  static bool without_this_library(const char* entry, char* out) {
    std::memcpy(out, kPreloadVariable, sizeof kPreloadVariable - 1);
    char* end = out + sizeof kPreloadVariable - 1;
    bool kept = false;
    const char* at = entry + sizeof kPreloadVariable - 1;
    while (*at != '\0') {
      const size_t length = std::strcspn(at, " :");
      if (length > 0 &&
          !(length == std::strlen(g_library) && std::strncmp(at, g_library, length) == 0)) {
        if (kept) *end++ = ' ';
        std::memcpy(end, at, length);
        end += length;
        kept = true;
      }
      at += length;
      if (*at != '\0') ++at;
    }
    *end = '\0';
    return kept;
  }

  void* region_ = MAP_FAILED;
  size_t size_ = 0;
  char** argv_ = nullptr;
  char** envp_ = nullptr;
};

// The one line that says why an exec was refused (write(2): nothing to allocate).
int refuse(const char* program, const char* reason, const char* why_not) {
  char line[2 * PATH_MAX];
  const int length =
      std::snprintf(line, sizeof line,
                    "socksify: %s: %s: the preload library cannot reach it, so its connections "
                    "would go direct, and %s; not running it\n",
                    program, reason, why_not);
  if (length > 0) {
    ssize_t ignored = write(STDERR_FILENO, line, std::min<size_t>(length, sizeof line - 1));
    (void)ignored;
  }
  errno = EACCES;
  return -1;
}

// What an exec or spawn of `path` is to do.
enum class Plan { kRunAsIs, kSupervise, kRefused };

struct ExecPlan {
  Plan plan = Plan::kRunAsIs;
  const char* socksify = nullptr;
  SupervisedCommand command;
};

// `path`: the file that would run (found along PATH already); `program`: how to name it.
void plan_exec(const char* path, char* const argv[], char* const envp[], ExecPlan& out) {
  ExecTarget target;
  judge_exec_target(path, JudgeSettings{getenv("PATH")}, target);
  if (target.uncoverable == nullptr) return;
  out.socksify = supervising_socksify();
  if (out.socksify == nullptr) {
    out.plan = Plan::kRefused;
    refuse(path, target.uncoverable, "no socksify next to the library can supervise it");
    return;
  }
  // socksify itself is static: it sets up the preload or the supervisor on its own.
  if (same_file(target.judged, out.socksify)) return;
  if (!out.command.build(out.socksify, path, argv, envp)) {
    out.plan = Plan::kRefused;
    refuse(path, target.uncoverable, "there is no memory to start socksify's supervisor");
    return;
  }
  out.plan = Plan::kSupervise;
}

// An exec: the real call as made, socksify's supervisor, or -1 with EACCES.
template <typename Call>
int checked_exec(const char* path, char* const argv[], char* const envp[], Call real_call) {
  ExecPlan plan;
  plan_exec(path, argv, envp, plan);
  switch (plan.plan) {
    case Plan::kRunAsIs:
      return real_call();
    case Plan::kRefused:
      return -1;
    case Plan::kSupervise:
      break;
  }
  return real().execve(plan.socksify, plan.command.argv(), plan.command.envp());
}

// The file execvp would run for `file`, or nullptr (the real call then reports the error).
const char* along_path(const char* file, char (&found)[PATH_MAX]) {
  if (file == nullptr || !find_like_execvp(file, getenv("PATH"), found)) return nullptr;
  return found;
}

// A descriptor's program by path, for the supervisor to exec: /proc/self/fd/N, which outlives
// socksify's own exec only if the descriptor does (not close-on-exec).
const char* descriptor_path(int fd, const char* name, char (&out)[PATH_MAX]) {
  if (name != nullptr && name[0] == '/') return name;
  if (fd == AT_FDCWD) return name;
  const int saved_errno = errno;
  const int flags = fcntl(fd, F_GETFD);
  errno = saved_errno;
  if (flags < 0 || (flags & FD_CLOEXEC)) return nullptr;
  const int length = name == nullptr || name[0] == '\0'
                         ? std::snprintf(out, sizeof out, "/proc/self/fd/%d", fd)
                         : std::snprintf(out, sizeof out, "/proc/self/fd/%d/%s", fd, name);
  return length > 0 && static_cast<size_t>(length) < sizeof out ? out : nullptr;
}

// execveat/fexecve on a close-on-exec descriptor: judged all the same, refused if uncoverable
// (socksify could not reach the file after its own exec).
template <typename Call>
int checked_descriptor_exec(int fd, const char* name, char* const argv[], char* const envp[],
                            Call real_call) {
  char buffer[PATH_MAX];
  if (const char* path = descriptor_path(fd, name, buffer)) {
    return checked_exec(path, argv, envp, real_call);
  }
  std::snprintf(buffer, sizeof buffer, "/proc/self/fd/%d%s%s", fd, name && *name ? "/" : "",
                name ? name : "");
  ExecTarget target;
  judge_exec_target(buffer, JudgeSettings{getenv("PATH")}, target);
  if (target.uncoverable == nullptr) return real_call();
  return refuse(buffer, target.uncoverable, "socksify cannot open it once close-on-exec closed it");
}

template <typename Call>
int checked_spawn(pid_t* pid, const char* path, const posix_spawn_file_actions_t* actions,
                  const posix_spawnattr_t* attributes, char* const argv[], char* const envp[],
                  Call real_call) {
  ExecPlan plan;
  plan_exec(path, argv, envp, plan);
  switch (plan.plan) {
    case Plan::kRunAsIs:
      return real_call();
    case Plan::kRefused:
      return EACCES;  // posix_spawn returns its error
    case Plan::kSupervise:
      break;
  }
  return real().posix_spawn(pid, plan.socksify, actions, attributes, plan.command.argv(),
                            plan.command.envp());
}

// execl's argument list as an argv on the stack, as glibc builds it; E2BIG past kMaxListed.
constexpr size_t kMaxListed = 4096;

}  // namespace
}  // namespace socks4::preload

#define COLLECT_ARGUMENTS(first, argv, list) \
  char* argv[sp::kMaxListed + 1];            \
  {                                          \
    size_t n = 0;                            \
    argv[n++] = const_cast<char*>(first);    \
    while (argv[n - 1] != nullptr) {         \
      if (n > sp::kMaxListed) {              \
        va_end(list);                        \
        errno = E2BIG;                       \
        return -1;                           \
      }                                      \
      argv[n++] = va_arg(list, char*);       \
    }                                        \
  }

extern "C" {

int execve(const char* path, char* const argv[], char* const envp[]) {
  return sp::checked_exec(path, argv, envp, [&] { return sp::real().execve(path, argv, envp); });
}

int execv(const char* path, char* const argv[]) {
  return sp::checked_exec(path, argv, environ, [&] { return sp::real().execv(path, argv); });
}

int execvp(const char* file, char* const argv[]) {
  char found[PATH_MAX];
  const char* path = sp::along_path(file, found);
  auto real_call = [&] { return sp::real().execvp(file, argv); };
  return path ? sp::checked_exec(path, argv, environ, real_call) : real_call();
}

int execvpe(const char* file, char* const argv[], char* const envp[]) {
  char found[PATH_MAX];
  const char* path = sp::along_path(file, found);
  auto real_call = [&] { return sp::real().execvpe(file, argv, envp); };
  return path ? sp::checked_exec(path, argv, envp, real_call) : real_call();
}

int execveat(int fd, const char* name, char* const argv[], char* const envp[], int flags) {
  return sp::checked_descriptor_exec(
      fd, name, argv, envp, [&] { return sp::real().execveat(fd, name, argv, envp, flags); });
}

int fexecve(int fd, char* const argv[], char* const envp[]) {
  return sp::checked_descriptor_exec(fd, "", argv, envp,
                                     [&] { return sp::real().fexecve(fd, argv, envp); });
}

int execl(const char* path, const char* arg, ...) {
  va_list list;
  va_start(list, arg);
  COLLECT_ARGUMENTS(arg, argv, list);
  va_end(list);
  return execv(path, argv);
}

int execle(const char* path, const char* arg, ...) {
  va_list list;
  va_start(list, arg);
  COLLECT_ARGUMENTS(arg, argv, list);
  char* const* envp = va_arg(list, char* const*);
  va_end(list);
  return execve(path, argv, envp);
}

int execlp(const char* file, const char* arg, ...) {
  va_list list;
  va_start(list, arg);
  COLLECT_ARGUMENTS(arg, argv, list);
  va_end(list);
  return execvp(file, argv);
}

int posix_spawn(pid_t* pid, const char* path, const posix_spawn_file_actions_t* actions,
                const posix_spawnattr_t* attributes, char* const argv[], char* const envp[]) {
  return sp::checked_spawn(pid, path, actions, attributes, argv, envp, [&] {
    return sp::real().posix_spawn(pid, path, actions, attributes, argv, envp);
  });
}

int posix_spawnp(pid_t* pid, const char* file, const posix_spawn_file_actions_t* actions,
                 const posix_spawnattr_t* attributes, char* const argv[], char* const envp[]) {
  char found[PATH_MAX];
  const char* path = sp::along_path(file, found);
  auto real_call = [&] {
    return sp::real().posix_spawnp(pid, file, actions, attributes, argv, envp);
  };
  return path ? sp::checked_spawn(pid, path, actions, attributes, argv, envp, real_call)
              : real_call();
}

}  // extern "C"
