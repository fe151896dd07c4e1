// What socksify checks before exec: whether the program it is about to run is one the preload
// library cannot reach, so that its connections would silently go direct. Statically linked
// programs have no ELF interpreter, so LD_PRELOAD is never loaded; Go programs make their
// own system calls (cgo ones too, for their network code).
#pragma once

#include <optional>
#include <string>

namespace socks4::socksify {

struct DirectProgram {
  std::string path;    // the ELF file judged: the program, or the interpreter of a script
  std::string reason;  // e.g. "statically linked (no ELF interpreter)"
  // The preload reaches it, but not its names: it links a DNS resolver of its own (c-ares),
  // which asks the nameserver itself instead of calling getaddrinfo.
  bool own_resolver_only = false;
};

// The file execvp(3) would run for `name`: `name` itself when it holds a '/', else the first
// executable regular file along PATH (default "/bin:/usr/bin"); nullopt when there is none.
std::optional<std::string> resolve_like_execvp(const std::string& name);

// Judges the file execvp would run for `name`: a script by its interpreter (#!, followed at
// most 4 levels deep, as the kernel does, and through "#!/usr/bin/env NAME" to NAME), an ELF
// file by its program headers, notes and section names. nullopt when the preload can reach
// the program, and whenever the answer is unknown (not found, unreadable, not ELF, a loop of
// scripts): exec then reports its own error, or runs what it runs (busybox, sh -c ...).
// A dynamically linked program with its own resolver comes back with own_resolver_only.
// `with_libraries`: also look for a resolver of its own in the libraries the ELF file names
// directly (a few more files read).
std::optional<DirectProgram> find_direct_program(const std::string& name,
                                                 bool with_libraries = true);

// find_direct_program for a file already found (resolve_like_execvp's answer), so that the
// caller can exec that file without a second walk along PATH.
std::optional<DirectProgram> judge_program(const std::string& path, bool with_libraries = true);

}  // namespace socks4::socksify
