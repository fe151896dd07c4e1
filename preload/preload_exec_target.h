// Whether a program about to be executed can carry the preload library: a statically linked
// program never loads it (no ELF interpreter), a Go program makes its own system calls. The
// same marks socksify looks for (socksify_program.h), judged without allocating, taking a lock
// or touching errno visibly: exec may run in a vfork child, sharing the parent's memory.
// One open and, for an ordinary dynamic program, a few preads into stack buffers.
#pragma once

#include <climits>

namespace socks4::preload {

struct ExecTarget {
  // Why the preload cannot reach it ("statically linked (no ELF interpreter)"); nullptr when it
  // can, and whenever the answer is unknown (unreadable, not ELF): exec then does what it does.
  const char* uncoverable = nullptr;
  // The file judged: the program, or the interpreter of a script.
  char judged[PATH_MAX] = "";
};

// Judges `path` (a script by its interpreter, #! followed at most 4 levels deep, and through
// "#!/usr/bin/env NAME" to NAME along PATH).
void judge_exec_target(const char* path, ExecTarget& out);

// The file execvp(3) would run for `name`, written to `out`: `name` itself when it holds a
// '/', else the first executable regular file along `search_path` (PATH, default
// "/bin:/usr/bin"). False when there is none.
bool find_like_execvp(const char* name, const char* search_path, char (&out)[PATH_MAX]);

}  // namespace socks4::preload
