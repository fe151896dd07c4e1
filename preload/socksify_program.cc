// socksify's look at a program before exec (see socksify_program.h). It runs before every
// socksified command, so it reads little: the first kHeadBytes of a file in one read (the ELF
// header, the program headers and the notes are nearly always there), then the dynamic
// section and the library names it points to; the section headers only for the program itself
// (.go.buildinfo). Reads are bounded: at most kMaxTableEntries program headers and sections,
// kMaxBlobBytes of notes, dynamic section, names or section names each.
#include "socksify_program.h"

#include <elf.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <string_view>
#include <vector>

#include "socks4/unique_fd.h"

namespace socks4::socksify {
namespace {

constexpr int kMaxScriptDepth = 4;         // interpreters of interpreters, as the kernel allows
constexpr size_t kShebangBytes = 256;      // the kernel reads no more of a #! line
constexpr size_t kHeadBytes = 4096;        // read at once: headers, program headers, notes
constexpr size_t kMaxTableEntries = 4096;  // program headers or sections looked at
constexpr size_t kMaxBlobBytes = 1 << 20;  // one note segment, dynamic section or name table
constexpr size_t kMaxNameBytes = 256;      // one library name in .dynstr
constexpr const char* kDefaultPath = "/bin:/usr/bin";  // glibc's execvp without PATH

bool read_at(int fd, uint64_t offset, size_t length, std::vector<unsigned char>& out) {
  out.assign(length, 0);
  size_t done = 0;
  while (done < length) {
    ssize_t n = pread(fd, out.data() + done, length - done, static_cast<off_t>(offset + done));
    if (n <= 0) return false;
    done += static_cast<size_t>(n);
  }
  return true;
}

// Fixed-size fields of an ELF file of either class and byte order, and reads from it that the
// first kHeadBytes (read once) answer when they can.
class ElfReader {
 public:
  ElfReader(int fd, std::vector<unsigned char> head, bool wide, bool big_endian)
      : fd_(fd), head_(std::move(head)), wide_(wide), big_(big_endian) {}

  bool wide() const { return wide_; }
  const std::vector<unsigned char>& head() const { return head_; }

  uint64_t field(const std::vector<unsigned char>& bytes, size_t offset, size_t size) const {
    if (offset + size > bytes.size()) return 0;
    uint64_t value = 0;
    for (size_t i = 0; i < size; ++i) {
      size_t at = big_ ? offset + i : offset + size - 1 - i;
      value = (value << 8) | bytes[at];
    }
    return value;
  }
  // An address-sized field: 8 bytes at `wide_offset` in ELF64, 4 at `narrow_offset` in ELF32.
  uint64_t word(const std::vector<unsigned char>& bytes, size_t wide_offset,
                size_t narrow_offset) const {
    return wide_ ? field(bytes, wide_offset, 8) : field(bytes, narrow_offset, 4);
  }

  bool read(uint64_t offset, size_t length, std::vector<unsigned char>& out) const {
    if (offset <= head_.size() && length <= head_.size() - offset) {
      out.assign(head_.begin() + static_cast<ptrdiff_t>(offset),
                 head_.begin() + static_cast<ptrdiff_t>(offset + length));
      return true;
    }
    return read_at(fd_, offset, length, out);
  }

 private:
  int fd_;
  std::vector<unsigned char> head_;
  bool wide_;
  bool big_;
};

size_t align_up(size_t value, size_t alignment) {
  return (value + alignment - 1) / alignment * alignment;
}

// Whether a block of ELF notes holds the Go build ID ("Go", type 4).
bool has_go_build_id(const ElfReader& elf, const std::vector<unsigned char>& notes,
                     size_t alignment) {
  size_t at = 0;
  while (at + 12 <= notes.size()) {
    uint64_t name_size = elf.field(notes, at, 4);
    uint64_t desc_size = elf.field(notes, at + 4, 4);
    uint64_t type = elf.field(notes, at + 8, 4);
    size_t name_at = at + 12;
    if (name_size > notes.size() || desc_size > notes.size()) return false;
    size_t desc_at = align_up(name_at + name_size, alignment);
    if (desc_at > notes.size()) return false;
    std::string_view name(reinterpret_cast<const char*>(notes.data()) + name_at, name_size);
    name = name.substr(0, name.find('\0'));
    if (type == 4 && name == "Go") return true;
    at = align_up(desc_at + desc_size, alignment);
  }
  return false;
}

struct Segment {
  uint64_t address;
  uint64_t offset;
  uint64_t size;  // in the file
};

struct ElfFacts {
  bool interpreter = false;
  bool soname = false;                 // a shared object: the dynamic loader itself, run directly
  const char* go_mark = nullptr;       // what showed it is a Go program
  const char* own_resolver = nullptr;  // a resolver library it links (DT_NEEDED)
  std::vector<std::string> needed;     // the libraries it names (DT_NEEDED)
  std::vector<Segment> loads;          // PT_LOAD: where .dynstr's address is in the file
  std::vector<unsigned char> dynamic;  // PT_DYNAMIC
};

// Resolver libraries that query nameservers themselves, by the names DT_NEEDED would hold.
constexpr const char* kOwnResolvers[] = {"libcares.so"};
// Libraries of the C library and the compiler's runtime, built from glibc's and GCC's own
// sources: none links a resolver library, so a program's look into its libraries skips them
// (libc.so.6's names alone are 32 KiB).
constexpr std::string_view kToolchainLibraries[] = {
    "libc.so.6",     "libm.so.6",      "libpthread.so.0",     "libdl.so.2",
    "librt.so.1",    "libresolv.so.2", "libutil.so.1",        "libanl.so.1",
    "libgcc_s.so.1", "libstdc++.so.6", "ld-linux-x86-64.so.2"};
// Where the libraries a program names are looked for (its own, not the one they call): the
// dynamic linker's default directories on Debian, after LD_LIBRARY_PATH.
constexpr const char* kLibraryDirectories[] = {"/lib/x86_64-linux-gnu",
                                               "/usr/lib/x86_64-linux-gnu",
                                               "/lib64",
                                               "/usr/lib64",
                                               "/lib",
                                               "/usr/lib"};
constexpr size_t kMaxLibraries = 64;

// The program headers: the interpreter, the loaded segments, the dynamic section and, with
// `notes`, a Go build ID note.
void scan_program_headers(const ElfReader& elf, bool notes, ElfFacts& facts) {
  const std::vector<unsigned char>& header = elf.head();
  uint64_t offset = elf.word(header, 32, 28);
  uint64_t entry_size = elf.field(header, elf.wide() ? 54 : 42, 2);
  uint64_t count = elf.field(header, elf.wide() ? 56 : 44, 2);
  if (count > kMaxTableEntries || entry_size < (elf.wide() ? 56u : 32u)) return;
  std::vector<unsigned char> table;
  if (!elf.read(offset, count * entry_size, table)) return;
  std::vector<unsigned char> blob;
  for (uint64_t i = 0; i < count; ++i) {
    size_t at = i * entry_size;
    uint64_t type = elf.field(table, at, 4);
    uint64_t file_offset = elf.word(table, at + 8, at + 4);
    uint64_t file_size = elf.word(table, at + 32, at + 16);
    if (type == PT_INTERP) facts.interpreter = true;
    if (type == PT_LOAD)
      facts.loads.push_back({elf.word(table, at + 16, at + 8), file_offset, file_size});
    if (type == PT_DYNAMIC && facts.dynamic.empty()) {
      if (!elf.read(file_offset, std::min<uint64_t>(file_size, kMaxBlobBytes), facts.dynamic)) {
        facts.dynamic.clear();
      }
    }
    if (type == PT_NOTE && notes && !facts.go_mark &&
        elf.read(file_offset, std::min<uint64_t>(file_size, kMaxBlobBytes), blob) &&
        has_go_build_id(elf, blob, elf.word(table, at + 48, at + 28) == 8 ? 8 : 4)) {
      facts.go_mark = "Go build ID note";
    }
  }
}

// The dynamic section: whether it names its object (DT_SONAME: shared objects do, the
// programs linked with -static-pie do not), and the libraries it names (DT_NEEDED), read
// from .dynstr with one read of the part that holds them.
void scan_dynamic(const ElfReader& elf, ElfFacts& facts) {
  const std::vector<unsigned char>& dynamic = facts.dynamic;
  size_t entry_size = elf.wide() ? 16 : 8;
  uint64_t strings_address = 0;
  uint64_t strings_size = 0;
  std::vector<uint64_t> names;
  for (size_t at = 0; at + entry_size <= dynamic.size(); at += entry_size) {
    uint64_t tag = elf.word(dynamic, at, at);
    uint64_t value = elf.word(dynamic, at + 8, at + 4);
    if (tag == DT_NULL) break;
    if (tag == DT_SONAME) facts.soname = true;
    if (tag == DT_STRTAB) strings_address = value;
    if (tag == DT_STRSZ) strings_size = value;
    if (tag == DT_NEEDED && names.size() < kMaxLibraries) names.push_back(value);
  }
  if (names.empty() || strings_size == 0) return;
  uint64_t strings_offset = 0;
  bool mapped = false;
  for (const Segment& load : facts.loads) {
    if (strings_address >= load.address && strings_address - load.address < load.size) {
      strings_offset = load.offset + (strings_address - load.address);
      mapped = true;
      break;
    }
  }
  if (!mapped) return;
  uint64_t first = *std::min_element(names.begin(), names.end());
  uint64_t last = *std::max_element(names.begin(), names.end());
  if (first >= strings_size) return;
  uint64_t end = std::min<uint64_t>(strings_size, last + kMaxNameBytes);
  std::vector<unsigned char> strings;
  if (!elf.read(strings_offset + first, std::min<uint64_t>(end - first, kMaxBlobBytes), strings)) {
    return;
  }
  for (uint64_t name_at : names) {
    if (name_at < first || name_at - first >= strings.size()) continue;
    const char* name = reinterpret_cast<const char*>(strings.data()) + (name_at - first);
    std::string_view library(name, strnlen(name, strings.size() - (name_at - first)));
    for (const char* resolver : kOwnResolvers) {
      if (library.find(resolver) != std::string_view::npos) facts.own_resolver = resolver;
    }
    facts.needed.emplace_back(library);
  }
}

// A .go.buildinfo section (a Go program without the build ID note): the section headers and
// their names, two reads.
void scan_section_names(const ElfReader& elf, ElfFacts& facts) {
  const std::vector<unsigned char>& header = elf.head();
  uint64_t offset = elf.word(header, 40, 32);
  uint64_t entry_size = elf.field(header, elf.wide() ? 58 : 46, 2);
  uint64_t count = elf.field(header, elf.wide() ? 60 : 48, 2);
  uint64_t names_index = elf.field(header, elf.wide() ? 62 : 50, 2);
  if (offset == 0 || count > kMaxTableEntries || names_index >= count ||
      entry_size < (elf.wide() ? 64u : 40u)) {
    return;
  }
  std::vector<unsigned char> table;
  if (!elf.read(offset, count * entry_size, table)) return;
  size_t names_entry = names_index * entry_size;
  std::vector<unsigned char> names;
  uint64_t names_size =
      std::min<uint64_t>(elf.word(table, names_entry + 32, names_entry + 20), kMaxBlobBytes);
  if (!elf.read(elf.word(table, names_entry + 24, names_entry + 16), names_size, names)) return;
  for (uint64_t i = 0; i < count; ++i) {
    uint64_t name_at = elf.field(table, i * entry_size, 4);
    if (name_at >= names.size()) continue;
    const char* name = reinterpret_cast<const char*>(names.data()) + name_at;
    if (std::string_view(name, strnlen(name, names.size() - name_at)) == ".go.buildinfo") {
      facts.go_mark = ".go.buildinfo section";
      return;
    }
  }
}

// The first kHeadBytes of a file (fewer if it is shorter), in one read; empty on an error.
std::vector<unsigned char> read_head(int fd) {
  std::vector<unsigned char> head(kHeadBytes);
  ssize_t n = pread(fd, head.data(), head.size(), 0);
  head.resize(n > 0 ? static_cast<size_t>(n) : 0);
  return head;
}

// An ELF file's reader, from its first bytes (read_head); nullopt if `fd` is not an
// executable or shared ELF file of a class and byte order we know.
std::optional<ElfReader> open_elf(int fd, std::vector<unsigned char> head) {
  if (head.size() < sizeof(Elf32_Ehdr)) return std::nullopt;
  if (std::memcmp(head.data(), ELFMAG, SELFMAG) != 0) return std::nullopt;
  unsigned char elf_class = head[EI_CLASS];
  unsigned char data = head[EI_DATA];
  if ((elf_class != ELFCLASS32 && elf_class != ELFCLASS64) ||
      (data != ELFDATA2LSB && data != ELFDATA2MSB)) {
    return std::nullopt;
  }
  if (elf_class == ELFCLASS64 && head.size() < sizeof(Elf64_Ehdr)) return std::nullopt;
  ElfReader elf(fd, std::move(head), elf_class == ELFCLASS64, data == ELFDATA2MSB);
  uint64_t type = elf.field(elf.head(), 16, 2);
  if (type != ET_EXEC && type != ET_DYN) return std::nullopt;
  return elf;
}

// The file the dynamic linker would load for `name` (a DT_NEEDED entry), roughly: a path as
// is, else the first of LD_LIBRARY_PATH's and the default directories that has it; opened.
UniqueFd open_library(const std::string& name) {
  constexpr int kFlags = O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK;
  if (name.find('/') != std::string::npos) return UniqueFd(open(name.c_str(), kFlags));
  std::vector<std::string> directories;
  if (const char* path = std::getenv("LD_LIBRARY_PATH")) {
    std::string_view rest(path);
    while (!rest.empty()) {
      size_t colon = rest.find(':');
      if (colon != 0) directories.emplace_back(rest.substr(0, colon));
      if (colon == std::string_view::npos) break;
      rest.remove_prefix(colon + 1);
    }
  }
  directories.insert(directories.end(), std::begin(kLibraryDirectories),
                     std::end(kLibraryDirectories));
  for (const std::string& directory : directories) {
    UniqueFd fd(open((directory + "/" + name).c_str(), kFlags));
    if (fd) return fd;
  }
  return UniqueFd();
}

// The resolver library a shared library names itself, if any.
const char* library_resolver(int fd) {
  std::optional<ElfReader> elf = open_elf(fd, read_head(fd));
  if (!elf) return nullptr;
  ElfFacts facts;
  scan_program_headers(*elf, false, facts);
  scan_dynamic(*elf, facts);
  return facts.own_resolver;
}

// A library the program links directly that has a resolver of its own (aria2c's libaria2 links
// c-ares). One level deep: what the program's libraries name themselves.
std::optional<DirectProgram> judge_libraries(const std::vector<std::string>& needed) {
  for (const std::string& name : needed) {
    if (std::find(std::begin(kToolchainLibraries), std::end(kToolchainLibraries), name) !=
        std::end(kToolchainLibraries)) {
      continue;
    }
    UniqueFd fd = open_library(name);
    if (!fd) continue;
    if (const char* resolver = library_resolver(fd.get())) {
      return DirectProgram{
          {}, std::string("its own DNS resolver (") + resolver + ") through " + name, true};
    }
  }
  return std::nullopt;
}

// The reason the preload cannot reach this ELF program (or its names); nullopt if it can or
// if `fd` is not an executable ELF file. `head`: its first bytes (read_head).
// `with_libraries`: look into the libraries it names.
std::optional<DirectProgram> judge_elf(int fd, std::vector<unsigned char> head,
                                       bool with_libraries) {
  std::optional<ElfReader> elf = open_elf(fd, std::move(head));
  if (!elf) return std::nullopt;
  ElfFacts facts;
  scan_program_headers(*elf, true, facts);
  if (!facts.go_mark) scan_section_names(*elf, facts);
  if (facts.go_mark) return DirectProgram{{}, std::string("a Go program (") + facts.go_mark + ")"};
  scan_dynamic(*elf, facts);
  if (!facts.interpreter && !facts.soname) {
    return DirectProgram{{}, "statically linked (no ELF interpreter)"};
  }
  if (facts.own_resolver) {
    return DirectProgram{
        {}, std::string("its own DNS resolver (") + facts.own_resolver + ")", true};
  }
  if (with_libraries) return judge_libraries(facts.needed);
  return std::nullopt;
}

struct Shebang {
  std::string interpreter;
  std::string argument;  // the rest of the line, one argument as the kernel passes it
};

// The #! line at the start of a file's first bytes (read_head).
std::optional<Shebang> read_shebang(const std::vector<unsigned char>& head) {
  size_t n = std::min(head.size(), kShebangBytes);
  if (n < 2 || head[0] != '#' || head[1] != '!') return std::nullopt;
  std::string_view line(reinterpret_cast<const char*>(head.data()) + 2, n - 2);
  line = line.substr(0, line.find('\n'));
  auto blank = [](char c) { return c == ' ' || c == '\t'; };
  while (!line.empty() && blank(line.front())) line.remove_prefix(1);
  while (!line.empty() && (blank(line.back()) || line.back() == '\r')) line.remove_suffix(1);
  size_t end = 0;
  while (end < line.size() && !blank(line[end])) ++end;
  Shebang out{std::string(line.substr(0, end)), {}};
  line.remove_prefix(end);
  while (!line.empty() && blank(line.front())) line.remove_prefix(1);
  out.argument.assign(line);
  if (out.interpreter.empty()) return std::nullopt;
  return out;
}

bool is_executable_file(const std::string& path) {
  struct stat st {};
  return stat(path.c_str(), &st) == 0 && S_ISREG(st.st_mode) && access(path.c_str(), X_OK) == 0;
}

std::optional<DirectProgram> judge(const std::string& path, int depth, bool with_libraries) {
  if (depth > kMaxScriptDepth) return std::nullopt;  // exec will say ELOOP
  UniqueFd fd(open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK));
  if (!fd) return std::nullopt;
  struct stat st {};
  if (fstat(fd.get(), &st) != 0 || !S_ISREG(st.st_mode)) return std::nullopt;
  std::vector<unsigned char> head = read_head(fd.get());  // a #! line or the ELF headers
  if (std::optional<Shebang> shebang = read_shebang(head)) {
    // "#!/usr/bin/env NAME": env execs NAME from PATH; judge that rather than env.
    std::string_view base(shebang->interpreter);
    base.remove_prefix(base.rfind('/') == std::string_view::npos ? 0 : base.rfind('/') + 1);
    if (base == "env" && !shebang->argument.empty() && shebang->argument[0] != '-' &&
        shebang->argument.find_first_of(" \t") == std::string::npos) {
      std::optional<std::string> named = resolve_like_execvp(shebang->argument);
      if (!named) return std::nullopt;
      return judge(*named, depth + 1, with_libraries);
    }
    return judge(shebang->interpreter, depth + 1, with_libraries);
  }
  if (std::optional<DirectProgram> judged = judge_elf(fd.get(), std::move(head), with_libraries)) {
    judged->path = path;
    return judged;
  }
  return std::nullopt;
}

}  // namespace

std::optional<std::string> resolve_like_execvp(const std::string& name) {
  if (name.empty()) return std::nullopt;
  if (name.find('/') != std::string::npos) return name;
  const char* path = std::getenv("PATH");
  std::string_view directories = path != nullptr ? path : kDefaultPath;
  while (true) {
    size_t colon = directories.find(':');
    std::string directory(directories.substr(0, colon));
    std::string candidate = (directory.empty() ? "." : directory) + "/" + name;
    if (is_executable_file(candidate)) return candidate;
    if (colon == std::string_view::npos) return std::nullopt;
    directories.remove_prefix(colon + 1);
  }
}

std::optional<DirectProgram> find_direct_program(const std::string& name, bool with_libraries) {
  std::optional<std::string> path = resolve_like_execvp(name);
  if (!path) return std::nullopt;
  return judge_program(*path, with_libraries);
}

std::optional<DirectProgram> judge_program(const std::string& path, bool with_libraries) {
  return judge(path, 0, with_libraries);
}

}  // namespace socks4::socksify
