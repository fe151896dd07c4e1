// The one judge of programs (see preload_exec_target.h). Reads are bounded: the first page of
// a file, at most kMaxProgramHeaders program headers, a page of notes, of the dynamic section,
// of section names, kMaxLibraries library names of kMaxNameBytes each.
#include "preload_exec_target.h"

#include <elf.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdint>

#include "bare_syscalls.h"
#include "bare_text.h"

namespace socks4::preload {
namespace {

namespace bare = socks4::bare;

constexpr int kMaxScriptDepth = 4;     // interpreters of interpreters, as the kernel allows
constexpr size_t kShebangBytes = 256;  // the kernel reads no more of a #! line
constexpr size_t kPage = 4096;         // read at once: header, program headers, notes
constexpr unsigned kMaxProgramHeaders = 256;
constexpr unsigned kMaxLoads = 16;      // PT_LOAD segments remembered, to find .dynstr
constexpr unsigned kMaxLibraries = 64;  // DT_NEEDED names looked at
constexpr size_t kMaxNameBytes = 256;   // one library name
constexpr const char* kDefaultPath = "/bin:/usr/bin";  // glibc's execvp without PATH

// Resolver libraries that query nameservers themselves, by the names DT_NEEDED holds.
constexpr const char* kOwnResolvers[] = {"libcares.so"};
// Libraries of the C library and the compiler's runtime, built from glibc's and GCC's own
// sources: none links a resolver library, so a look into a program's libraries skips them.
constexpr const char* kToolchainLibraries[] = {
    "libc.so.6",     "libm.so.6",      "libpthread.so.0",     "libdl.so.2",
    "librt.so.1",    "libresolv.so.2", "libutil.so.1",        "libanl.so.1",
    "libgcc_s.so.1", "libstdc++.so.6", "ld-linux-x86-64.so.2"};
// Where the dynamic linker looks after LD_LIBRARY_PATH (its cache names files in these).
constexpr const char* kLibraryDirectories[] = {"/lib/x86_64-linux-gnu",
                                               "/usr/lib/x86_64-linux-gnu",
                                               "/lib64",
                                               "/usr/lib64",
                                               "/lib",
                                               "/usr/lib"};

// The first page of a file, and reads past it.
struct FileStart {
  int fd;
  unsigned char bytes[kPage];
  size_t size;

  bool load(int descriptor) {
    fd = descriptor;
    const long n = bare::pread(fd, bytes, sizeof bytes, 0);
    size = n > 0 ? static_cast<size_t>(n) : 0;
    return n > 0;
  }

  bool read(uint64_t offset, void* out, size_t length) const {
    // Not `offset + length <= size`: the file chooses offsets, and one near 2^64 wraps.
    if (offset <= size && length <= size - offset) {
      bare::copy(out, bytes + offset, length);
      return true;
    }
    size_t done = 0;
    while (done < length) {
      const long n = bare::pread(fd, static_cast<char*>(out) + done, length - done, offset + done);
      if (n <= 0) return false;
      done += static_cast<size_t>(n);
    }
    return true;
  }
};

size_t align_up(size_t value, size_t alignment) {
  return (value + alignment - 1) / alignment * alignment;
}

size_t at_most(uint64_t value, size_t limit) {
  return value < limit ? static_cast<size_t>(value) : limit;
}

template <typename Note>
bool has_go_build_id(const unsigned char* notes, size_t size, size_t alignment) {
  size_t at = 0;
  while (at + sizeof(Note) <= size) {
    Note note;
    bare::copy(&note, notes + at, sizeof note);
    size_t name_at = at + sizeof note;
    if (note.n_namesz > size || note.n_descsz > size) return false;
    size_t desc_at = align_up(name_at + note.n_namesz, alignment);
    if (desc_at > size) return false;
    if (note.n_type == 4 && note.n_namesz >= 2 && bare::same(notes + name_at, "Go", 2) &&
        (note.n_namesz == 2 || notes[name_at + 2] == '\0')) {
      return true;
    }
    at = align_up(desc_at + note.n_descsz, alignment);
  }
  return false;
}

// Whether the section-name table names .go.buildinfo (two reads: its header, the table).
template <typename Ehdr, typename Shdr>
bool names_go_buildinfo(const FileStart& file, const Ehdr& header) {
  if (header.e_shoff == 0 || header.e_shstrndx >= header.e_shnum ||
      header.e_shentsize < sizeof(Shdr)) {
    return false;
  }
  Shdr names;
  if (!file.read(header.e_shoff + uint64_t{header.e_shstrndx} * header.e_shentsize, &names,
                 sizeof names)) {
    return false;
  }
  char table[kPage];
  const size_t size = at_most(names.sh_size, sizeof table);
  if (!file.read(names.sh_offset, table, size)) return false;
  static constexpr char kName[] = ".go.buildinfo";  // with its '\0'
  return bare::contains(table, size, kName, sizeof kName);
}

struct Segment {
  uint64_t address;
  uint64_t offset;
  uint64_t size;  // in the file
};

// What the program headers say.
struct ElfLayout {
  bool interpreter = false;
  bool go_note = false;
  uint64_t dynamic_offset = 0;
  uint64_t dynamic_size = 0;
  Segment loads[kMaxLoads];
  unsigned load_count = 0;
};

// The library names a dynamic section holds (DT_NEEDED), one after another with their '\0'.
struct NeededNames {
  char text[kPage];
  size_t used = 0;
  bool soname = false;  // DT_SONAME: a shared object (the dynamic loader run as a program)
};

template <typename Ehdr, typename Phdr, typename Note>
bool read_layout(const FileStart& file, const Ehdr& header, bool notes, ElfLayout& out) {
  if (header.e_phentsize < sizeof(Phdr) || header.e_phnum > kMaxProgramHeaders) return false;
  for (unsigned i = 0; i < header.e_phnum; ++i) {
    Phdr entry;
    if (!file.read(header.e_phoff + uint64_t{i} * header.e_phentsize, &entry, sizeof entry)) {
      return false;
    }
    if (entry.p_type == PT_INTERP) out.interpreter = true;
    if (entry.p_type == PT_DYNAMIC) {
      out.dynamic_offset = entry.p_offset;
      out.dynamic_size = entry.p_filesz;
    }
    if (entry.p_type == PT_LOAD && out.load_count < kMaxLoads) {
      out.loads[out.load_count++] = Segment{entry.p_vaddr, entry.p_offset, entry.p_filesz};
    }
    if (notes && entry.p_type == PT_NOTE && !out.go_note) {
      unsigned char block[kPage];
      const size_t size = at_most(entry.p_filesz, sizeof block);
      out.go_note = file.read(entry.p_offset, block, size) &&
                    has_go_build_id<Note>(block, size, entry.p_align == 8 ? 8 : 4);
    }
  }
  return true;
}

// The dynamic section's DT_SONAME and, with `names`, its DT_NEEDED names (read from .dynstr,
// found through the PT_LOAD segments).
template <typename Dyn>
void read_dynamic(const FileStart& file, const ElfLayout& layout, bool names, NeededNames& out) {
  Dyn entries[kPage / sizeof(Dyn)];
  const size_t size = at_most(layout.dynamic_size, sizeof entries);
  if (size == 0 || !file.read(layout.dynamic_offset, entries, size)) return;
  uint64_t strings_address = 0;
  uint64_t strings_size = 0;
  uint64_t needed[kMaxLibraries];
  unsigned needed_count = 0;
  for (size_t i = 0; i < size / sizeof(Dyn); ++i) {
    const Dyn& entry = entries[i];
    if (entry.d_tag == DT_NULL) break;
    if (entry.d_tag == DT_SONAME) out.soname = true;
    if (entry.d_tag == DT_STRTAB) strings_address = entry.d_un.d_val;
    if (entry.d_tag == DT_STRSZ) strings_size = entry.d_un.d_val;
    if (entry.d_tag == DT_NEEDED && needed_count < kMaxLibraries) {
      needed[needed_count++] = entry.d_un.d_val;
    }
  }
  if (!names) return;
  uint64_t strings_offset = 0;
  bool mapped = false;
  for (unsigned i = 0; i < layout.load_count && !mapped; ++i) {
    const Segment& load = layout.loads[i];
    if (strings_address >= load.address && strings_address - load.address < load.size) {
      strings_offset = load.offset + (strings_address - load.address);
      mapped = true;
    }
  }
  if (!mapped || needed_count == 0) return;
  // The names usually lie together: one read of the span that holds them all when it fits.
  uint64_t first = needed[0];
  uint64_t last = needed[0];
  for (unsigned i = 1; i < needed_count; ++i) {
    if (needed[i] < first) first = needed[i];
    if (needed[i] > last) last = needed[i];
  }
  char span[kPage];
  const uint64_t span_end =
      last + kMaxNameBytes < strings_size ? last + kMaxNameBytes : strings_size;
  const bool together = first < span_end && span_end - first <= sizeof span &&
                        file.read(strings_offset + first, span, span_end - first);
  for (unsigned i = 0; i < needed_count; ++i) {
    if (needed[i] >= strings_size) continue;
    char own[kMaxNameBytes];
    const char* name = own;
    size_t wanted = at_most(strings_size - needed[i], sizeof own);
    if (together) {
      name = span + (needed[i] - first);
      wanted = at_most(span_end - needed[i], kMaxNameBytes);
    } else if (!file.read(strings_offset + needed[i], own, wanted)) {
      continue;
    }
    size_t n = 0;
    while (n < wanted && name[n] != '\0') ++n;
    if (n == 0 || n == wanted || out.used + n + 1 > sizeof out.text) continue;
    bare::copy(out.text + out.used, name, n + 1);
    out.used += n + 1;
  }
}

// The resolver library `name` is, if it is one.
const char* resolver_named(const char* name) {
  for (const char* resolver : kOwnResolvers) {
    if (bare::contains(name, bare::length(name), resolver, bare::length(resolver))) {
      return resolver;
    }
  }
  return nullptr;
}

bool is_toolchain_library(const char* name) {
  for (const char* library : kToolchainLibraries) {
    if (bare::equal(name, library)) return true;
  }
  return false;
}

// The file the dynamic linker would load for `name`, roughly: a path as is, else the first of
// LD_LIBRARY_PATH's and the default directories that has it; opened, or -1.
int open_library(const char* name, const char* library_path) {
  if (bare::find(name, '/')) return bare::open_read(name);
  const size_t name_length = bare::length(name);
  char path[PATH_MAX];
  auto open_in = [&](const char* directory, size_t length) {
    if (length == 0 || length + 1 + name_length >= sizeof path) return -1;
    bare::copy(path, directory, length);
    path[length] = '/';
    bare::copy(path + length + 1, name, name_length + 1);
    return bare::open_read(path);
  };
  for (const char* rest = library_path; rest != nullptr && *rest != '\0';) {
    const char* colon = bare::find(rest, ':');
    const size_t length = colon ? static_cast<size_t>(colon - rest) : bare::length(rest);
    const int fd = open_in(rest, length);
    if (fd >= 0) return fd;
    rest = colon ? colon + 1 : nullptr;
  }
  for (const char* directory : kLibraryDirectories) {
    const int fd = open_in(directory, bare::length(directory));
    if (fd >= 0) return fd;
  }
  return -1;
}

template <typename Ehdr, typename Phdr, typename Dyn, typename Note>
const char* library_resolver(const char* name, const char* library_path,
                             const unsigned char* program_ident) {
  bare::Fd fd(open_library(name, library_path));
  if (!fd.ok()) return nullptr;
  FileStart file;
  if (!file.load(fd.get()) || file.size < sizeof(Ehdr) ||
      !bare::same(file.bytes, program_ident, EI_DATA + 1)) {
    return nullptr;  // not an ELF object of the program's class and byte order
  }
  Ehdr header;
  bare::copy(&header, file.bytes, sizeof header);
  ElfLayout layout;
  NeededNames names;
  if (!read_layout<Ehdr, Phdr, Note>(file, header, false, layout)) return nullptr;
  read_dynamic<Dyn>(file, layout, true, names);
  for (size_t at = 0; at < names.used; at += bare::length(names.text + at) + 1) {
    if (const char* resolver = resolver_named(names.text + at)) return resolver;
  }
  return nullptr;
}

// "its own DNS resolver (R)" or "its own DNS resolver (R) through L", into `out`.
void write_resolver_reason(const char* resolver, const char* library, ExecTarget& out) {
  const char* parts[] = {"its own DNS resolver (", resolver, ")", library ? " through " : "",
                         library ? library : ""};
  size_t used = 0;
  for (const char* part : parts) {
    const size_t n = bare::length(part);
    if (used + n >= sizeof out.reason) break;
    bare::copy(out.reason + used, part, n);
    used += n;
  }
  out.reason[used] = '\0';
  out.uncoverable = out.reason;
  out.own_resolver_only = true;
}

// A resolver of the program's own: in its DT_NEEDED names, then in what its libraries name
// (aria2c's libaria2 links c-ares). One level deep. Apart from judge_elf: its buffers take
// stack space only when asked for.
template <typename Ehdr, typename Phdr, typename Dyn, typename Note>
__attribute__((noinline)) void judge_resolvers(const FileStart& file, const ElfLayout& layout,
                                               const JudgeSettings& settings, ExecTarget& out) {
  NeededNames names;
  read_dynamic<Dyn>(file, layout, true, names);
  for (size_t at = 0; at < names.used; at += bare::length(names.text + at) + 1) {
    if (const char* resolver = resolver_named(names.text + at)) {
      return write_resolver_reason(resolver, nullptr, out);
    }
  }
  for (size_t at = 0; at < names.used; at += bare::length(names.text + at) + 1) {
    const char* name = names.text + at;
    if (is_toolchain_library(name)) continue;
    if (const char* resolver =
            library_resolver<Ehdr, Phdr, Dyn, Note>(name, settings.library_path, file.bytes)) {
      return write_resolver_reason(resolver, name, out);
    }
  }
}

template <typename Ehdr, typename Phdr, typename Shdr, typename Dyn, typename Note>
void judge_elf(const FileStart& file, const JudgeSettings& settings, ExecTarget& out) {
  Ehdr header;
  if (file.size < sizeof header) return;
  bare::copy(&header, file.bytes, sizeof header);
  ElfLayout layout;
  if (!read_layout<Ehdr, Phdr, Note>(file, header, true, layout)) return;
  if (!layout.interpreter) {
    // The dynamic loader run as a program has no interpreter, but a soname; it loads the preload.
    NeededNames names;
    read_dynamic<Dyn>(file, layout, false, names);
    if (!names.soname) out.uncoverable = "statically linked (no ELF interpreter)";
    return;
  }
  if (layout.go_note) {
    out.uncoverable = "a Go program (Go build ID note)";
  } else if (names_go_buildinfo<Ehdr, Shdr>(file, header)) {
    out.uncoverable = "a Go program (.go.buildinfo section)";
  } else if (settings.with_resolvers) {
    judge_resolvers<Ehdr, Phdr, Dyn, Note>(file, layout, settings, out);
  }
}

void judge_elf_of(const FileStart& file, const JudgeSettings& settings, ExecTarget& out) {
  const unsigned char* ident = file.bytes;
  if (file.size < EI_NIDENT || !bare::same(ident, ELFMAG, SELFMAG)) return;
  const unsigned char native =
      __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__ ? ELFDATA2LSB : ELFDATA2MSB;
  if (ident[EI_DATA] != native) return;  // not for this machine: exec says so
  if (ident[EI_CLASS] == ELFCLASS64) {
    judge_elf<Elf64_Ehdr, Elf64_Phdr, Elf64_Shdr, Elf64_Dyn, Elf64_Nhdr>(file, settings, out);
  } else if (ident[EI_CLASS] == ELFCLASS32) {
    // Its dynamic loader cannot load the library (x86-64 only: bare_syscalls.h); it says so on
    // stderr and runs the program without it.
    out.uncoverable = "a 32-bit program (the preload library is 64-bit)";
  }
}

bool copy_path(const char* from, size_t length, char (&out)[PATH_MAX]) {
  if (length >= PATH_MAX) return false;
  bare::copy(out, from, length);
  out[length] = '\0';
  return true;
}

// The interpreter a "#!" line names, into `out`, "#!/usr/bin/env NAME" followed to NAME.
bool script_interpreter(const FileStart& file, const char* search_path, char (&out)[PATH_MAX]) {
  const size_t limit = file.size < kShebangBytes ? file.size : kShebangBytes;
  const char* line = reinterpret_cast<const char*>(file.bytes);
  size_t at = 2;
  auto blank = [&](size_t i) { return line[i] == ' ' || line[i] == '\t'; };
  auto end_of_word = [&](size_t i) {
    return i >= limit || blank(i) || line[i] == '\n' || line[i] == '\0';
  };
  while (at < limit && blank(at)) ++at;
  size_t start = at;
  while (!end_of_word(at)) ++at;
  if (at == start || !copy_path(line + start, at - start, out)) return false;
  const char* base = bare::find_last(out, '/');
  if (!bare::equal(base ? base + 1 : out, "env")) return true;
  while (at < limit && blank(at)) ++at;
  start = at;
  while (!end_of_word(at)) ++at;
  if (at == start || line[start] == '-') return true;  // env's own options: judge env
  char name[PATH_MAX];
  if (!copy_path(line + start, at - start, name)) return true;
  // Not found: judged as unknown; env reports it when it runs.
  return find_like_execvp(name, search_path, out);
}

}  // namespace

bool find_like_execvp(const char* name, const char* search_path, char (&out)[PATH_MAX]) {
  const size_t name_length = bare::length(name);
  if (name_length == 0) return false;
  if (bare::find(name, '/')) return copy_path(name, name_length, out);
  const char* rest = search_path && *search_path ? search_path : kDefaultPath;
  while (true) {
    const char* colon = bare::find(rest, ':');
    const size_t length = colon ? static_cast<size_t>(colon - rest) : bare::length(rest);
    const char* directory = length == 0 ? "." : rest;  // an empty entry is the current directory
    const size_t directory_length = length == 0 ? 1 : length;
    if (directory_length + 1 + name_length < PATH_MAX) {
      bare::copy(out, directory, directory_length);
      out[directory_length] = '/';
      bare::copy(out + directory_length + 1, name, name_length + 1);
      struct stat status;
      if (bare::stat_path(out, status) && S_ISREG(status.st_mode) && bare::accessible(out, X_OK)) {
        return true;
      }
    }
    if (!colon) return false;
    rest = colon + 1;
  }
}

void judge_exec_target(const char* path, const JudgeSettings& settings, ExecTarget& out) {
  out.uncoverable = nullptr;
  out.own_resolver_only = false;
  out.judged[0] = '\0';
  if (path == nullptr || !copy_path(path, bare::length(path), out.judged)) return;
  for (int depth = 0; depth <= kMaxScriptDepth; ++depth) {
    bare::Fd fd(bare::open_read(out.judged));
    if (!fd.ok()) return;
    FileStart file;
    if (!file.load(fd.get())) return;  // a directory or a FIFO does not read
    if (file.size > 2 && file.bytes[0] == '#' && file.bytes[1] == '!') {
      char interpreter[PATH_MAX];
      if (!script_interpreter(file, settings.search_path, interpreter)) return;
      bare::copy(out.judged, interpreter, bare::length(interpreter) + 1);
      continue;
    }
    judge_elf_of(file, settings, out);
    return;
  }
}

}  // namespace socks4::preload
