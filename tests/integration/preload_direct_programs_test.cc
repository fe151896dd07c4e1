// Programs the preload cannot reach: statically linked ones (no ELF interpreter, so
// LD_PRELOAD is never loaded) and Go ones (their own system calls). socksify refuses them
// before exec (exit 126, saying why), judges a script by its interpreter, finds the program
// through PATH as execvp does, and runs them anyway with --allow-direct, with a warning.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <filesystem>
#include <string>
#include <vector>

#include "../support/child_process.h"
#include "../support/temp_dir.h"
#include "preload_fixture.h"

namespace socks4::test {
namespace {

using std::chrono::milliseconds;

// <build>/tests/<name>, next to the test binary (Makefile: PROBES).
std::string probe(const std::string& name) {
  std::error_code ec;
  auto self = std::filesystem::read_symlink("/proc/self/exe", ec);
  return (self.parent_path() / name).string();
}

// Each case runs twice, both ways into socksify's judge, which must agree: with a server list
// (-s), which main() checks, and with a configuration file (-c), which leaves the program to the
// fast start first (preload/socksify_fast_start.cc), and to main() whatever it cannot run.
CommandResult socksify(const std::vector<std::string>& args,
                       const std::map<std::string, std::string>& env = {}) {
  static const TempDir dir;
  static const std::string conf = dir.write("socks.conf", "deny 0.0.0.0/0\n");
  auto run = [&](const std::string& option, const std::string& value) {
    // -m preload: the method that refuses them (auto supervises them, supervisor_test.cc).
    std::vector<std::string> command = {socksify_path(), "-m", "preload", option, value};
    command.insert(command.end(), args.begin(), args.end());
    return run_command(command, milliseconds(15000), env);
  };
  CommandResult by_main = run("-s", "127.0.0.1:1");
  CommandResult by_fast_start = run("-c", conf);
  EXPECT_EQ(by_fast_start.exit_code, by_main.exit_code) << by_fast_start.err;
  EXPECT_EQ(by_fast_start.out, by_main.out);
  EXPECT_EQ(by_fast_start.err, by_main.err);
  return by_main;
}

std::string executable(const TempDir& dir, const std::string& name, const std::string& text) {
  std::string path = dir.write(name, text);
  chmod(path.c_str(), 0755);
  return path;
}

void expect_refused(const CommandResult& r, const std::string& why) {
  EXPECT_EQ(r.exit_code, 126) << r.err;
  EXPECT_EQ(r.out.find("probe ran"), std::string::npos) << r.out;
  EXPECT_NE(r.err.find(why), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("would go direct"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("--allow-direct"), std::string::npos) << r.err;
}

TEST(SocksifyDirectPrograms, StaticProgramIsRefused) {
  expect_refused(socksify({probe("probe_static")}), "statically linked (no ELF interpreter)");
}

TEST(SocksifyDirectPrograms, StaticPieProgramIsRefused) {
  expect_refused(socksify({probe("probe_static_pie")}), "statically linked (no ELF interpreter)");
}

TEST(SocksifyDirectPrograms, GoBuildIdNoteIsRefused) {
  expect_refused(socksify({probe("probe_go_note")}), "a Go program (Go build ID note)");
}

TEST(SocksifyDirectPrograms, GoBuildinfoSectionIsRefused) {
  expect_refused(socksify({probe("probe_go_buildinfo")}), "a Go program (.go.buildinfo section)");
}

// ld.so of a 32-bit program cannot load the 64-bit preload library: it says so and runs the
// program without it. A header is all the judge reads (a 32-bit x86 executable with an
// interpreter), so the file needs nothing more.
TEST(SocksifyDirectPrograms, ThirtyTwoBitProgramIsRefused) {
  const unsigned char elf32[] = {
      0x7f, 'E', 'L', 'F', 1,  1, 1,  0, 0, 0, 0, 0, 0, 0, 0, 0,  // ELFCLASS32, LSB
      2,    0,   3,   0,   1,  0, 0,  0,                          // ET_EXEC, EM_386, version
      0,    0,   0,   0,   52, 0, 0,  0, 0, 0, 0, 0, 0, 0, 0, 0,  // entry, phoff, shoff, flags
      52,   0,   32,  0,   1,  0, 40, 0, 0, 0, 0, 0,              // sizes, one program header
      3,    0,   0,   0,   0,  0, 0,  0, 0, 0, 0, 0, 0, 0, 0, 0,  // PT_INTERP
      0,    0,   0,   0,   0,  0, 0,  0, 0, 0, 0, 0, 0, 0, 0, 0};
  TempDir dir;
  std::string program =
      executable(dir, "program32", std::string(reinterpret_cast<const char*>(elf32), sizeof elf32));
  expect_refused(socksify({program}), "a 32-bit program");
}

TEST(SocksifyDirectPrograms, ProgramIsFoundThroughPath) {
  TempDir dir;
  std::filesystem::copy_file(probe("probe_static"), dir.file("found-static"));
  CommandResult r = socksify({"found-static"}, {{"PATH", dir.path() + ":/usr/bin:/bin"}});
  expect_refused(r, dir.file("found-static") + ": statically linked");
}

TEST(SocksifyDirectPrograms, ScriptIsJudgedByItsInterpreter) {
  TempDir dir;
  std::string direct = executable(dir, "direct.sh", "#!" + probe("probe_static") + "\n");
  expect_refused(socksify({direct}), probe("probe_static") + ": statically linked");
  std::string chained = executable(dir, "chained.sh", "#!" + direct + "\n");
  expect_refused(socksify({chained}), "statically linked");
  std::filesystem::copy_file(probe("probe_go_note"), dir.file("go-tool"));
  std::string env_script = executable(dir, "env.sh", "#!/usr/bin/env go-tool\n");
  expect_refused(socksify({env_script}, {{"PATH", dir.path() + ":/usr/bin:/bin"}}), "Go build ID");
}

TEST(SocksifyDirectPrograms, AllowDirectRunsThemWithAWarning) {
  for (const char* option : {"--allow-direct", "-D"}) {
    for (const char* name :
         {"probe_static", "probe_static_pie", "probe_go_note", "probe_go_buildinfo"}) {
      CommandResult r = socksify({option, probe(name)});
      EXPECT_EQ(r.exit_code, 0) << name << r.err;
      EXPECT_EQ(r.out, "probe ran\n") << name;
      EXPECT_NE(r.err.find("socksify: warning: " + probe(name)), std::string::npos) << r.err;
      EXPECT_NE(r.err.find("go direct (--allow-direct)"), std::string::npos) << r.err;
    }
  }
}

TEST(SocksifyDirectPrograms, OrdinaryProgramsStillRun) {
  TempDir dir;
  // No #! line: execvp hands it to /bin/sh, and socksify leaves that to exec.
  std::string plain = executable(dir, "plain", "echo plain script\n");
  std::string shebang = executable(dir, "shebang.sh", "#!/bin/sh\necho shebang script\n");
  std::string looping = executable(dir, "loop.sh", "#!" + dir.file("loop.sh") + "\n");
  EXPECT_EQ(socksify({plain}).out, "plain script\n");
  EXPECT_EQ(socksify({shebang}).out, "shebang script\n");
  EXPECT_EQ(socksify({"sh", "-c", "echo via path"}).out, "via path\n");
  CommandResult r = socksify({probe("probe_go_note") + "-missing"});
  EXPECT_EQ(r.exit_code, 127) << r.err;
  // A script that names itself: the kernel refuses it (ELOOP); socksify stops following.
  CommandResult loop = socksify({looping});
  EXPECT_EQ(loop.exit_code, 126) << loop.err;
  EXPECT_EQ(loop.err.find("would go direct"), std::string::npos) << loop.err;
}

}  // namespace
}  // namespace socks4::test
