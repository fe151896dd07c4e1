// socksify: runs a program with the SOCKS preload library in front of LD_PRELOAD, or under the
// seccomp supervisor (supervisor/) for the programs the preload cannot reach; options become
// the SOCKS_* environment variables the library reads. See socksify(1).
//
// A small compiled program rather than a shell script: it runs before every socksified
// command, and starting a shell cost about 8% of a short curl fetch (docs/BENCHMARKS.md).
// Linked statically, so starting it needs no dynamic loader and no shared library; and in the
// common case main() does not run at all: the fast start (socksify_fast_start.cc), socksify's
// entry point, execs the program before the C library is even set up. main() is for all that
// needs saying, parsing or supervising.
#include <unistd.h>

#include <cerrno>
#include <climits>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <optional>
#include <string>

#include "preload_exec_target.h"
#include "socks4/socks_conf_servers.h"
#include "supervised_launch.h"

#ifndef SOCKSIFY_PRELOAD_LIB
#error "build with -DSOCKSIFY_PRELOAD_LIB=\"/path/to/libsocksify.so\""
#endif

// Read by the fast start too (socksify_fast_start.cc), before the C library is set up.
extern "C" const char socksify_preload_library[] = SOCKSIFY_PRELOAD_LIB;

namespace {

constexpr const char* kMe = "socksify";
constexpr int kOwnFailure = 125;  // like env(1) and chroot(1): 126/127 stay the command's
constexpr int kCannotRun = 126;   // the shell's "found but cannot run", for a program the
                                  // preload cannot reach too

void usage(FILE* out) {
  std::fprintf(out,
               "Usage: %s [options] COMMAND [ARGS...]\n"
               "Runs COMMAND with the SOCKS preload library or under a seccomp supervisor (-m), "
               "so its\n"
               "connections follow socks.conf(5) and the SOCKS_* environment variables.\n"
               "\n"
               "  -s HOST:PORT[,HOST:PORT...]  SOCKS servers, tried in order (sets SOCKS_SERVER)\n"
               "  -c FILE                      client configuration file (sets SOCKS_CONF)\n"
               "  -u USER                      user name sent to the server (sets "
               "SOCKS_USERNAME)\n"
               "  -r MODE                      remote name resolution: fallback (default), "
               "remote, local\n"
               "                               (sets SOCKS_RESOLVE)\n"
               "  -q                           do not say why a connection was refused (sets "
               "SOCKS_QUIET=1)\n"
               "  -d                           trace every decision on stderr (sets "
               "SOCKS_DEBUG=1)\n"
               "  -m METHOD                    auto (default), preload or seccomp: auto runs "
               "statically\n"
               "                               linked, Go and 32-bit programs, and those with "
               "their own DNS\n"
               "                               resolver, under the seccomp supervisor, the "
               "others with the preload\n"
               "  -D, --allow-direct           with -m preload: run COMMAND even if it is "
               "statically linked,\n"
               "                               a Go or a 32-bit program, whose connections go "
               "direct (with a warning)\n"
               "  -h, --help                   show this help and exit\n"
               "  -V, --version                show the version and exit\n"
               "\n"
               "Exit status: COMMAND's; 125 if socksify fails (bad usage, malformed server "
               "list);\n"
               "126 if COMMAND cannot be run, or would go direct (-m preload with a static, Go "
               "or 32-bit program;\n"
               "seccomp user notification unavailable);\n"
               "127 if COMMAND is not found.\n",
               kMe);
}

[[noreturn]] void fail(const std::string& message) {
  std::fprintf(stderr, "%s: %s\nTry '%s --help' for more information.\n", kMe, message.c_str(),
               kMe);
  std::exit(kOwnFailure);
}

bool is_set(const char* name) {
  const char* value = std::getenv(name);
  return value && *value;
}

// The value of option argv[i] (which needs one), or a usage failure saying what it needs.
const char* option_value(int argc, char** argv, int i, const char* what) {
  if (i + 1 >= argc) fail(std::string("option ") + argv[i] + " needs " + what);
  return argv[i + 1];
}

// A list the library would refuse (and then refuse every connection): stop before running
// anything. The grammar is the library's own (socks_conf_servers.cc is compiled in).
void check_server_list(const char* list, const char* origin) {
  std::string error;
  if (!socks4::client::parse_server_list(list, &error)) {
    fail("bad SOCKS server list " + socks4::client::quote_for_message(list) + " (" + origin +
         "): " + error);
  }
}

enum class Method { kAuto, kPreload, kSeccomp };

std::optional<Method> parse_method(const char* text) {
  if (!std::strcmp(text, "auto")) return Method::kAuto;
  if (!std::strcmp(text, "preload")) return Method::kPreload;
  if (!std::strcmp(text, "seccomp")) return Method::kSeccomp;
  return std::nullopt;
}

bool valid_resolve_mode(const char* mode) {
  return !std::strcmp(mode, "fallback") || !std::strcmp(mode, "remote") ||
         !std::strcmp(mode, "local");
}

}  // namespace

int main(int argc, char** argv) {
  bool server_from_option = false;
  bool allow_direct = false;
  Method method = Method::kAuto;
  int i = 1;
  for (; i < argc; ++i) {
    const char* arg = argv[i];
    if (!std::strcmp(arg, "-s")) {
      const char* servers = option_value(argc, argv, i++, "HOST:PORT");
      check_server_list(servers, "-s");
      setenv("SOCKS_SERVER", servers, 1);
      server_from_option = true;
    } else if (!std::strcmp(arg, "-c")) {
      const char* file = option_value(argc, argv, i++, "a file");
      if (access(file, R_OK) != 0)
        fail(std::string("cannot read configuration file '") + file + "'");
      setenv("SOCKS_CONF", file, 1);
    } else if (!std::strcmp(arg, "-u")) {
      setenv("SOCKS_USERNAME", option_value(argc, argv, i++, "a user name"), 1);
    } else if (!std::strcmp(arg, "-r")) {
      const char* mode = option_value(argc, argv, i++, "a mode");
      if (!valid_resolve_mode(mode))
        fail(std::string("remote name mode must be fallback, remote or local, not '") + mode + "'");
      setenv("SOCKS_RESOLVE", mode, 1);
    } else if (!std::strcmp(arg, "-q")) {
      setenv("SOCKS_QUIET", "1", 1);
    } else if (!std::strcmp(arg, "-d")) {
      setenv("SOCKS_DEBUG", "1", 1);
    } else if (!std::strcmp(arg, "-m")) {
      const char* text = option_value(argc, argv, i++, "a method");
      std::optional<Method> chosen = parse_method(text);
      if (!chosen) fail(std::string("method must be auto, preload or seccomp, not '") + text + "'");
      method = *chosen;
    } else if (!std::strcmp(arg, "-D") || !std::strcmp(arg, "--allow-direct")) {
      allow_direct = true;
    } else if (!std::strcmp(arg, "-h") || !std::strcmp(arg, "--help")) {
      usage(stdout);
      return 0;
    } else if (!std::strcmp(arg, "-V") || !std::strcmp(arg, "--version")) {
      std::printf("%s (socks4) %s\n", kMe, SOCKS4_VERSION);
      return 0;
    } else if (!std::strcmp(arg, "--")) {
      ++i;
      break;
    } else if (arg[0] == '-' && arg[1] != '\0') {
      fail(std::string("unknown option '") + arg + "'");
    } else {
      break;
    }
  }
  if (i >= argc) {
    usage(stderr);
    return kOwnFailure;
  }
  if (!server_from_option && is_set("SOCKS_SERVER")) {
    check_server_list(std::getenv("SOCKS_SERVER"), "SOCKS_SERVER");
  }
  const char* library = socksify_preload_library;
  if (access(library, R_OK) != 0) fail(std::string("preload library ") + library + " is missing");
  if (!is_set("SOCKS_SERVER") && !is_set("SOCKS_CONF") && access("/etc/socks.conf", F_OK) != 0)
    std::fprintf(stderr, "%s: warning: no SOCKS_SERVER and no socks.conf: connections go direct\n",
                 kMe);

  // The file execvp would run, found once, and whether the preload can reach it.
  char program[PATH_MAX];
  bool found = false;
  socks4::preload::ExecTarget target{};
  if (method != Method::kSeccomp) {
    found = socks4::preload::find_like_execvp(argv[i], std::getenv("PATH"), program);
    socks4::preload::JudgeSettings settings;
    settings.search_path = std::getenv("PATH");
    settings.library_path = std::getenv("LD_LIBRARY_PATH");
    settings.with_resolvers = method == Method::kAuto;
    if (found) socks4::preload::judge_exec_target(program, settings, target);
  }
  const bool uncoverable = target.uncoverable != nullptr;
  // auto: the supervisor for what the preload cannot reach (or whose names it cannot).
  if (method == Method::kSeccomp || (method == Method::kAuto && uncoverable)) {
    return socks4::supervisor::run_supervised(argv + i);
  }
  // The preload cannot reach such a program: refuse it rather than let it go direct unseen.
  if (uncoverable && !target.own_resolver_only) {
    std::string what = std::strcmp(target.judged, argv[i]) == 0
                           ? std::string(target.judged)
                           : std::string(argv[i]) + ": " + target.judged;
    if (!allow_direct) {
      std::fprintf(stderr,
                   "%s: %s: %s: the preload library cannot reach it, so its connections would "
                   "go direct; not running it (-m auto or -m seccomp supervises it, "
                   "--allow-direct runs it anyway)\n",
                   kMe, what.c_str(), target.uncoverable);
      return kCannotRun;
    }
    std::fprintf(stderr, "%s: warning: %s: %s: its connections go direct (--allow-direct)\n", kMe,
                 what.c_str(), target.uncoverable);
  }

  // Ours first; whatever was preloaded already stays.
  std::string preload = library;
  if (is_set("LD_PRELOAD")) preload += std::string(" ") + std::getenv("LD_PRELOAD");
  setenv("LD_PRELOAD", preload.c_str(), 1);

  // The file found above, without execvp's second walk along PATH (one failed execve per
  // directory before it). Should that fail (a script without #!, which execvp hands to
  // /bin/sh; the file gone since), execvp does all it did before and reports its own error.
  if (found) execv(program, argv + i);
  execvp(argv[i], argv + i);
  const int error = errno;
  std::fprintf(stderr, "%s: %s: %s\n", kMe, argv[i], std::strerror(error));
  return error == ENOENT ? 127 : kCannotRun;  // the shell's conventions: not found, cannot run
}
