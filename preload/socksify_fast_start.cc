// socksify's fast start: the common case, decided and exec'd before socksify's own C library
// is set up. Setting up glibc costs ~90 CPUID instructions, and on a virtual machine each one
// traps to the hypervisor: 0.7 ms here, more than all else socksify does before exec
// (docs/BENCHMARKS.md). socksify is linked with its entry point here (Makefile); this code
// looks at the command line, the environment and the program, and when it has nothing to say
// and nothing to refuse (options it can apply, no server list to parse, the program one the
// preload reaches) it execs the program with the preload at once. Anything else (-s,
// SOCKS_SERVER, -h, -m seccomp, an unknown option, a program that is not found or not
// reachable, a failed exec) returns to glibc's _start, and socksify's main() decides as it
// always does: with its messages and exit statuses, from the unchanged command line.
//
// What runs here may not touch the C library nor thread-local storage (bare_syscalls.h,
// bare_text.h; the Makefile checks the object for calls to anything), and allocates nothing:
// the new environment is built in static arrays, bounded.
#include <unistd.h>

#include <climits>

#include "bare_syscalls.h"
#include "bare_text.h"
#include "preload_exec_target.h"

// socksify.cc's: the preload library's path, built in.
extern "C" const char socksify_preload_library[];

namespace socks4::socksify {
namespace {

namespace bare = socks4::bare;

constexpr size_t kMaxVariables = 4096;  // more: main() copes
constexpr size_t kTextBytes = 3 * PATH_MAX;

// The environment the program gets: the caller's, with socksify's settings.
class Environment {
 public:
  // False when the caller's has more than kMaxVariables entries.
  bool take(char** caller) {
    for (count_ = 0; caller[count_] != nullptr; ++count_) {
      if (count_ == kMaxVariables) return false;
      entries_[count_] = caller[count_];
    }
    entries_[count_] = nullptr;
    return true;
  }

  const char* get(const char* name) const { return bare::find_variable(entries_, name); }
  bool is_set(const char* name) const {
    const char* value = get(name);
    return value != nullptr && *value != '\0';
  }

  // setenv(name, value, 1), the value in up to three parts; false when out of room.
  bool set(const char* name, const char* value, const char* more = "", const char* rest = "") {
    const char* parts[] = {name, "=", value, more, rest};
    size_t size = 1;
    for (const char* part : parts) size += bare::length(part);
    if (used_ + size > sizeof text_ || count_ + 1 > kMaxVariables + kOwnVariables) return false;
    char* const entry = text_ + used_;
    used_ += size;
    char* end = entry;
    for (const char* part : parts) {
      const size_t n = bare::length(part);
      bare::copy(end, part, n);
      end += n;
    }
    *end = '\0';
    const size_t name_length = bare::length(name);
    for (size_t i = 0; i < count_; ++i) {
      if (bare::starts_with(entries_[i], name) && entries_[i][name_length] == '=') {
        entries_[i] = entry;
        return true;
      }
    }
    entries_[count_++] = entry;
    entries_[count_] = nullptr;
    return true;
  }

  char* const* entries() const { return entries_; }

 private:
  static constexpr size_t kOwnVariables = 8;  // LD_PRELOAD and the SOCKS_* options set
  char* entries_[kMaxVariables + kOwnVariables + 1]{};
  size_t count_ = 0;
  char text_[kTextBytes]{};
  size_t used_ = 0;
};

// Static, not on the stack: the stack is the program's to come. constinit: no code of ours runs
// before the fast start, so nothing could set it up at run time.
constinit Environment g_environment;

bool valid_resolve_mode(const char* mode) {
  return bare::equal(mode, "fallback") || bare::equal(mode, "remote") || bare::equal(mode, "local");
}

// The options main() would take, applied to the environment; false for any it would not, or
// would complain about. `command` is set to the first argument after them.
bool apply_options(int argc, char** argv, bool& with_resolvers, int& command) {
  Environment& environment = g_environment;
  int i = 1;
  for (; i < argc; ++i) {
    const char* arg = argv[i];
    const char* value = i + 1 < argc ? argv[i + 1] : nullptr;
    if (bare::equal(arg, "-c")) {
      if (value == nullptr || !bare::accessible(value, R_OK)) return false;
      if (!environment.set("SOCKS_CONF", value)) return false;
      ++i;
    } else if (bare::equal(arg, "-u")) {
      if (value == nullptr || !environment.set("SOCKS_USERNAME", value)) return false;
      ++i;
    } else if (bare::equal(arg, "-r")) {
      if (value == nullptr || !valid_resolve_mode(value)) return false;
      if (!environment.set("SOCKS_RESOLVE", value)) return false;
      ++i;
    } else if (bare::equal(arg, "-q")) {
      if (!environment.set("SOCKS_QUIET", "1")) return false;
    } else if (bare::equal(arg, "-d")) {
      if (!environment.set("SOCKS_DEBUG", "1")) return false;
    } else if (bare::equal(arg, "-m")) {
      if (value == nullptr) return false;
      // As in main(), the last -m counts.
      if (bare::equal(value, "preload")) {
        with_resolvers = false;
      } else if (bare::equal(value, "auto")) {
        with_resolvers = true;
      } else {
        return false;  // seccomp: the supervisor is main()'s
      }
      ++i;
    } else if (bare::equal(arg, "-D") || bare::equal(arg, "--allow-direct")) {
      // Matters only for a program the preload cannot reach, which main() judges again.
    } else if (bare::equal(arg, "--")) {
      ++i;
      break;
    } else if (arg[0] == '-' && arg[1] != '\0') {
      return false;  // -s (a list to parse), -h, -V, or unknown
    } else {
      break;
    }
  }
  command = i;
  return i < argc;
}

void fast_start(int argc, char** argv, char** caller_environment) {
  Environment& environment = g_environment;
  if (!environment.take(caller_environment)) return;
  bool with_resolvers = true;
  int command = 0;
  if (!apply_options(argc, argv, with_resolvers, command)) return;
  // A server list to check with the library's grammar, a missing library, or the warning that
  // there is no configuration at all: main() says so.
  if (environment.is_set("SOCKS_SERVER")) return;
  if (!bare::accessible(socksify_preload_library, R_OK)) return;
  if (!environment.is_set("SOCKS_CONF") && !bare::accessible("/etc/socks.conf", F_OK)) return;

  char program[PATH_MAX];
  if (!preload::find_like_execvp(argv[command], environment.get("PATH"), program)) return;
  preload::JudgeSettings settings;
  settings.search_path = environment.get("PATH");
  settings.library_path = environment.get("LD_LIBRARY_PATH");
  settings.with_resolvers = with_resolvers;
  static preload::ExecTarget target;
  preload::judge_exec_target(program, settings, target);
  if (target.uncoverable != nullptr) return;  // supervised, refused or let go direct: main()'s

  // Ours first; whatever was preloaded already stays.
  const char* preloaded = environment.get("LD_PRELOAD");
  const bool more = preloaded != nullptr && *preloaded != '\0';
  if (!environment.set("LD_PRELOAD", socksify_preload_library, more ? " " : "",
                       more ? preloaded : "")) {
    return;
  }
  bare::execve(program, argv + command, environment.entries());
  // Failed (a script without #!, which execvp hands to /bin/sh): main() does all it does.
}

}  // namespace
}  // namespace socks4::socksify

extern "C" void socksify_fast_start(long* stack) {
  const int argc = static_cast<int>(stack[0]);
  char** argv = reinterpret_cast<char**>(stack + 1);
  socks4::socksify::fast_start(argc, argv, argv + argc + 1);
}

// The entry point: the kernel's stack as it is (argc, argv, envp, auxv) goes to the fast start;
// if that returns, it is handed to glibc's _start unchanged, %rdx (the exit function a dynamic
// loader would pass) included.
asm(R"(
    .text
    .globl socksify_entry
    .type socksify_entry, @function
socksify_entry:
    xor %ebp, %ebp
    mov %rsp, %rdi
    push %rdx
    push %rdx
    call socksify_fast_start
    pop %rdx
    pop %rdx
    jmp _start
    .size socksify_entry, .-socksify_entry
)");
