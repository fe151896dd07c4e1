// Whether a program about to be executed can carry the preload library: a statically linked
// program never loads it (no ELF interpreter), a Go program makes its own system calls, and a
// program that links a DNS resolver of its own (c-ares) asks nameservers itself, so the
// preload reaches its connections but not its names. The one judge of programs: socksify asks
// it before exec (its fast start too, before its C library is set up), the preload before
// each exec and spawn.
//
// Hence it allocates nothing, takes no lock, calls nothing of the C library and leaves errno
// alone (bare_syscalls.h): exec may run in a vfork child, sharing the parent's memory. One
// open and, for an ordinary dynamic program, a few preads into stack buffers; with resolvers,
// also the libraries the program names.
#pragma once

#include <climits>
#include <cstddef>

namespace socks4::preload {

struct ExecTarget {
  // Why the preload cannot reach it ("statically linked (no ELF interpreter)"); nullptr when it
  // can, and whenever the answer is unknown (unreadable, not ELF): exec then does what it does.
  const char* uncoverable;
  // The preload reaches its connections, not its names: it has a resolver of its own.
  bool own_resolver_only;
  // The file judged: the program, or the interpreter of a script.
  char judged[PATH_MAX];
  char reason[160];  // where a reason naming a library is written
};

struct JudgeSettings {
  const char* search_path = nullptr;   // PATH, for "#!/usr/bin/env NAME"; nullptr: the default
  const char* library_path = nullptr;  // LD_LIBRARY_PATH, where the libraries are looked for
  // Also look for a resolver of its own, in the program and in the libraries it names
  // directly (a few more files read).
  bool with_resolvers = false;
};

// Judges `path` (a script by its interpreter, #! followed at most 4 levels deep, and through
// "#!/usr/bin/env NAME" to NAME along the search path).
void judge_exec_target(const char* path, const JudgeSettings& settings, ExecTarget& out);

// The file execvp(3) would run for `name`, written to `out`: `name` itself when it holds a
// '/', else the first executable regular file along `search_path` (PATH, default
// "/bin:/usr/bin"). False when there is none.
bool find_like_execvp(const char* name, const char* search_path, char (&out)[PATH_MAX]);

}  // namespace socks4::preload
