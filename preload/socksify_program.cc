// socksify's look at a program before exec (see socksify_program.h). Reads are bounded: the
// headers, at most kMaxTableEntries program headers and sections, kMaxBlobBytes of notes or
// section names each.
#include "socksify_program.h"

#include <elf.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

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
constexpr size_t kMaxTableEntries = 4096;  // program headers or sections looked at
constexpr size_t kMaxBlobBytes = 1 << 20;  // one note segment or section-name table
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

// Fixed-size fields of an ELF file of either class and byte order.
class ElfReader {
 public:
  ElfReader(int fd, bool wide, bool big_endian) : fd_(fd), wide_(wide), big_(big_endian) {}

  bool wide() const { return wide_; }

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
    return read_at(fd_, offset, length, out);
  }

 private:
  int fd_;
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

struct ElfFacts {
  bool interpreter = false;
  bool soname = false;                 // a shared object: the dynamic loader itself, run directly
  const char* go_mark = nullptr;       // what showed it is a Go program
  const char* own_resolver = nullptr;  // a resolver library it links (DT_NEEDED in .dynstr)
  std::vector<std::string> needed;     // the libraries it names (DT_NEEDED)
};

// Resolver libraries that query nameservers themselves, by the names .dynstr would hold.
constexpr const char* kOwnResolvers[] = {"libcares.so"};
// Where the libraries a program names are looked for (its own, not the one they call): the
// dynamic linker's default directories on Debian, after LD_LIBRARY_PATH.
constexpr const char* kLibraryDirectories[] = {"/lib/x86_64-linux-gnu",
                                               "/usr/lib/x86_64-linux-gnu",
                                               "/lib64",
                                               "/usr/lib64",
                                               "/lib",
                                               "/usr/lib"};
constexpr size_t kMaxLibraries = 64;

// The DT_NEEDED names of a .dynamic section, whose string offsets are into `strings` (.dynstr).
std::vector<std::string> needed_libraries(const ElfReader& elf,
                                          const std::vector<unsigned char>& dynamic,
                                          const std::vector<unsigned char>& strings) {
  std::vector<std::string> out;
  size_t entry_size = elf.wide() ? 16 : 8;
  for (size_t at = 0; at + entry_size <= dynamic.size() && out.size() < kMaxLibraries;
       at += entry_size) {
    uint64_t tag = elf.word(dynamic, at, at);
    if (tag == DT_NULL) break;
    if (tag != DT_NEEDED) continue;
    uint64_t offset = elf.word(dynamic, at + 8, at + 4);
    if (offset >= strings.size()) continue;
    const char* name = reinterpret_cast<const char*>(strings.data()) + offset;
    out.emplace_back(name, strnlen(name, strings.size() - offset));
  }
  return out;
}

// Whether a dynamic section names its object (DT_SONAME): shared objects do, the programs
// linked with -static-pie do not.
bool has_soname(const ElfReader& elf, const std::vector<unsigned char>& dynamic) {
  size_t entry_size = elf.wide() ? 16 : 8;
  for (size_t at = 0; at + entry_size <= dynamic.size(); at += entry_size) {
    uint64_t tag = elf.word(dynamic, at, at);
    if (tag == DT_NULL) return false;
    if (tag == DT_SONAME) return true;
  }
  return false;
}

void scan_program_headers(const ElfReader& elf, const std::vector<unsigned char>& header,
                          ElfFacts& facts) {
  uint64_t offset = elf.word(header, 32, 28);
  uint64_t entry_size = elf.field(header, elf.wide() ? 54 : 42, 2);
  uint64_t count = elf.field(header, elf.wide() ? 56 : 44, 2);
  if (count > kMaxTableEntries || entry_size < (elf.wide() ? 56u : 32u)) return;
  std::vector<unsigned char> entry;
  std::vector<unsigned char> blob;
  for (uint64_t i = 0; i < count; ++i) {
    if (!elf.read(offset + i * entry_size, entry_size, entry)) return;
    uint64_t type = elf.field(entry, 0, 4);
    if (type == PT_INTERP) facts.interpreter = true;
    if (type != PT_NOTE && type != PT_DYNAMIC) continue;
    uint64_t file_offset = elf.word(entry, 8, 4);
    uint64_t file_size = std::min<uint64_t>(elf.word(entry, 32, 16), kMaxBlobBytes);
    if (!elf.read(file_offset, file_size, blob)) continue;
    if (type == PT_DYNAMIC) {
      facts.soname = facts.soname || has_soname(elf, blob);
    } else if (!facts.go_mark && has_go_build_id(elf, blob, elf.word(entry, 48, 28) == 8 ? 8 : 4)) {
      facts.go_mark = "Go build ID note";
    }
  }
}

void scan_section_names(const ElfReader& elf, const std::vector<unsigned char>& header,
                        ElfFacts& facts) {
  uint64_t offset = elf.word(header, 40, 32);
  uint64_t entry_size = elf.field(header, elf.wide() ? 58 : 46, 2);
  uint64_t count = elf.field(header, elf.wide() ? 60 : 48, 2);
  uint64_t names_index = elf.field(header, elf.wide() ? 62 : 50, 2);
  if (offset == 0 || count > kMaxTableEntries || names_index >= count ||
      entry_size < (elf.wide() ? 64u : 40u)) {
    return;
  }
  // The whole table in one read: this runs before every socksified command, and for the
  // libraries a program names too.
  std::vector<unsigned char> table;
  if (!elf.read(offset, count * entry_size, table)) return;
  auto entry_at = [&](uint64_t i) {
    return std::vector<unsigned char>(table.begin() + static_cast<ptrdiff_t>(i * entry_size),
                                      table.begin() + static_cast<ptrdiff_t>((i + 1) * entry_size));
  };
  std::vector<unsigned char> entry = entry_at(names_index);
  std::vector<unsigned char> names;
  uint64_t names_size = std::min<uint64_t>(elf.word(entry, 32, 20), kMaxBlobBytes);
  if (!elf.read(elf.word(entry, 24, 16), names_size, names)) return;
  std::vector<unsigned char> strings;
  std::vector<unsigned char> dynamic;
  for (uint64_t i = 0; i < count && !facts.go_mark; ++i) {
    entry = entry_at(i);
    uint64_t name_at = elf.field(entry, 0, 4);
    if (name_at >= names.size()) continue;
    const char* name = reinterpret_cast<const char*>(names.data()) + name_at;
    std::string_view section(name, strnlen(name, names.size() - name_at));
    if (section == ".go.buildinfo") facts.go_mark = ".go.buildinfo section";
    if (section == ".dynamic") {
      uint64_t size = std::min<uint64_t>(elf.word(entry, 32, 20), kMaxBlobBytes);
      if (!elf.read(elf.word(entry, 24, 16), size, dynamic)) dynamic.clear();
    }
    if (section == ".dynstr" && !facts.own_resolver) {
      uint64_t size = std::min<uint64_t>(elf.word(entry, 32, 20), kMaxBlobBytes);
      if (!elf.read(elf.word(entry, 24, 16), size, strings)) continue;
      std::string_view text(reinterpret_cast<const char*>(strings.data()), strings.size());
      for (const char* library : kOwnResolvers) {
        if (text.find(library) != std::string_view::npos) facts.own_resolver = library;
      }
    }
  }
  if (!dynamic.empty() && !strings.empty()) facts.needed = needed_libraries(elf, dynamic, strings);
}

std::optional<DirectProgram> judge_elf(int fd, bool with_libraries);

// The file the dynamic linker would load for `name` (a DT_NEEDED entry), roughly: a path as
// is, else the first of LD_LIBRARY_PATH's and the default directories that has it.
std::optional<std::string> find_library(const std::string& name) {
  if (name.find('/') != std::string::npos) return name;
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
    std::string candidate = directory + "/" + name;
    if (access(candidate.c_str(), R_OK) == 0) return candidate;
  }
  return std::nullopt;
}

// A library the program links directly that has a resolver of its own (aria2c's libaria2 links
// c-ares). One level deep: what the program's libraries name themselves.
std::optional<DirectProgram> judge_libraries(const std::vector<std::string>& needed) {
  for (const std::string& name : needed) {
    std::optional<std::string> path = find_library(name);
    if (!path) continue;
    UniqueFd fd(open(path->c_str(), O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK));
    if (!fd) continue;
    std::optional<DirectProgram> judged = judge_elf(fd.get(), false);
    if (judged && judged->own_resolver_only) {
      judged->reason += " through " + name;
      return judged;
    }
  }
  return std::nullopt;
}

// The reason the preload cannot reach this ELF program (or its names); nullopt if it can or
// if `fd` is not an executable ELF file. `with_libraries`: look into the libraries it names.
std::optional<DirectProgram> judge_elf(int fd, bool with_libraries) {
  std::vector<unsigned char> header;
  if (!read_at(fd, 0, EI_NIDENT, header) || std::memcmp(header.data(), ELFMAG, SELFMAG) != 0) {
    return std::nullopt;
  }
  unsigned char elf_class = header[EI_CLASS];
  unsigned char data = header[EI_DATA];
  if ((elf_class != ELFCLASS32 && elf_class != ELFCLASS64) ||
      (data != ELFDATA2LSB && data != ELFDATA2MSB)) {
    return std::nullopt;
  }
  ElfReader elf(fd, elf_class == ELFCLASS64, data == ELFDATA2MSB);
  if (!read_at(fd, 0, elf.wide() ? sizeof(Elf64_Ehdr) : sizeof(Elf32_Ehdr), header)) {
    return std::nullopt;
  }
  uint64_t type = elf.field(header, 16, 2);
  if (type != ET_EXEC && type != ET_DYN) return std::nullopt;
  ElfFacts facts;
  scan_program_headers(elf, header, facts);
  if (!facts.go_mark) scan_section_names(elf, header, facts);
  if (facts.go_mark) return DirectProgram{{}, std::string("a Go program (") + facts.go_mark + ")"};
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

std::optional<Shebang> read_shebang(int fd) {
  char buffer[kShebangBytes];
  ssize_t n = pread(fd, buffer, sizeof buffer, 0);
  if (n < 2 || buffer[0] != '#' || buffer[1] != '!') return std::nullopt;
  std::string_view line(buffer + 2, static_cast<size_t>(n) - 2);
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
  if (std::optional<Shebang> shebang = read_shebang(fd.get())) {
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
  if (std::optional<DirectProgram> judged = judge_elf(fd.get(), with_libraries)) {
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
