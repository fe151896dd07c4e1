// Judging an exec's target without allocating (see preload_exec_target.h).
#include "preload_exec_target.h"

#include <elf.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>

namespace socks4::preload {
namespace {

constexpr int kMaxScriptDepth = 4;     // interpreters of interpreters, as the kernel allows
constexpr size_t kShebangBytes = 256;  // the kernel reads no more of a #! line
constexpr size_t kPage = 4096;         // read at once: header, program headers, notes
constexpr unsigned kMaxProgramHeaders = 256;
constexpr const char* kDefaultPath = "/bin:/usr/bin";  // glibc's execvp without PATH

// Closes the descriptor and restores errno: the caller's exec must see its own error only.
class QuietFd {
 public:
  explicit QuietFd(int fd) : fd_(fd), saved_errno_(errno) {}
  ~QuietFd() {
    if (fd_ >= 0) ::close(fd_);
    errno = saved_errno_;
  }
  QuietFd(const QuietFd&) = delete;
  QuietFd& operator=(const QuietFd&) = delete;
  int get() const { return fd_; }

 private:
  int fd_;
  int saved_errno_;
};

// The first page of the file, and reads past it.
struct FileStart {
  int fd;
  unsigned char bytes[kPage];
  size_t size;

  bool read(uint64_t offset, void* out, size_t length) const {
    if (offset + length <= size) {
      std::memcpy(out, bytes + offset, length);
      return true;
    }
    size_t done = 0;
    while (done < length) {
      ssize_t n = pread(fd, static_cast<char*>(out) + done, length - done,
                        static_cast<off_t>(offset + done));
      if (n <= 0) return false;
      done += static_cast<size_t>(n);
    }
    return true;
  }
};

size_t align_up(size_t value, size_t alignment) {
  return (value + alignment - 1) / alignment * alignment;
}

template <typename Note>
bool has_go_build_id(const unsigned char* notes, size_t size, size_t alignment) {
  size_t at = 0;
  while (at + sizeof(Note) <= size) {
    Note note;
    std::memcpy(&note, notes + at, sizeof note);
    size_t name_at = at + sizeof note;
    if (note.n_namesz > size || note.n_descsz > size) return false;
    size_t desc_at = align_up(name_at + note.n_namesz, alignment);
    if (desc_at > size) return false;
    if (note.n_type == 4 && note.n_namesz >= 2 && std::memcmp(notes + name_at, "Go", 2) == 0 &&
        (note.n_namesz == 2 || notes[name_at + 2] == '\0')) {
      return true;
    }
    at = align_up(desc_at + note.n_descsz, alignment);
  }
  return false;
}

template <typename Dyn>
bool has_soname(const FileStart& file, uint64_t offset, uint64_t size) {
  for (uint64_t at = 0; at + sizeof(Dyn) <= size && at < kPage; at += sizeof(Dyn)) {
    Dyn entry;
    if (!file.read(offset + at, &entry, sizeof entry)) return false;
    if (entry.d_tag == DT_NULL) return false;
    if (entry.d_tag == DT_SONAME) return true;
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
  const size_t size = names.sh_size < sizeof table ? names.sh_size : sizeof table;
  if (!file.read(names.sh_offset, table, size)) return false;
  static constexpr char kName[] = ".go.buildinfo";  // with its '\0'
  return memmem(table, size, kName, sizeof kName) != nullptr;
}

template <typename Ehdr, typename Phdr, typename Shdr, typename Dyn, typename Note>
const char* judge_elf(const FileStart& file) {
  Ehdr header;
  if (file.size < sizeof header) return nullptr;
  std::memcpy(&header, file.bytes, sizeof header);
  if (header.e_phentsize < sizeof(Phdr) || header.e_phnum > kMaxProgramHeaders) return nullptr;
  bool interpreter = false;
  bool go_note = false;
  uint64_t dynamic_offset = 0;
  uint64_t dynamic_size = 0;
  for (unsigned i = 0; i < header.e_phnum; ++i) {
    Phdr entry;
    if (!file.read(header.e_phoff + uint64_t{i} * header.e_phentsize, &entry, sizeof entry)) {
      return nullptr;
    }
    if (entry.p_type == PT_INTERP) interpreter = true;
    if (entry.p_type == PT_DYNAMIC) {
      dynamic_offset = entry.p_offset;
      dynamic_size = entry.p_filesz;
    }
    if (entry.p_type == PT_NOTE && !go_note) {
      unsigned char notes[kPage];
      const size_t size = entry.p_filesz < sizeof notes ? entry.p_filesz : sizeof notes;
      go_note = file.read(entry.p_offset, notes, size) &&
                has_go_build_id<Note>(notes, size, entry.p_align == 8 ? 8 : 4);
    }
  }
  if (!interpreter) {
    // The dynamic loader run as a program has no interpreter, but a soname; it loads the preload.
    if (dynamic_size != 0 && has_soname<Dyn>(file, dynamic_offset, dynamic_size)) return nullptr;
    return "statically linked (no ELF interpreter)";
  }
  if (go_note) return "a Go program (Go build ID note)";
  if (names_go_buildinfo<Ehdr, Shdr>(file, header)) return "a Go program (.go.buildinfo section)";
  return nullptr;
}

const char* judge_elf_of(const FileStart& file) {
  const unsigned char* ident = file.bytes;
  if (file.size < EI_NIDENT || std::memcmp(ident, ELFMAG, SELFMAG) != 0) return nullptr;
  const unsigned char native =
      __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__ ? ELFDATA2LSB : ELFDATA2MSB;
  if (ident[EI_DATA] != native) return nullptr;  // not for this machine: exec says so
  if (ident[EI_CLASS] == ELFCLASS64) {
    return judge_elf<Elf64_Ehdr, Elf64_Phdr, Elf64_Shdr, Elf64_Dyn, Elf64_Nhdr>(file);
  }
  if (ident[EI_CLASS] == ELFCLASS32) {
    return judge_elf<Elf32_Ehdr, Elf32_Phdr, Elf32_Shdr, Elf32_Dyn, Elf32_Nhdr>(file);
  }
  return nullptr;
}

bool copy_path(const char* from, size_t length, char (&out)[PATH_MAX]) {
  if (length >= PATH_MAX) return false;
  std::memcpy(out, from, length);
  out[length] = '\0';
  return true;
}

// The interpreter a "#!" line names, into `out`, "#!/usr/bin/env NAME" followed to NAME.
bool script_interpreter(const FileStart& file, char (&out)[PATH_MAX]) {
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
  const char* base = std::strrchr(out, '/');
  if (std::strcmp(base ? base + 1 : out, "env") != 0) return true;
  while (at < limit && blank(at)) ++at;
  start = at;
  while (!end_of_word(at)) ++at;
  if (at == start || line[start] == '-') return true;  // env's own options: judge env
  char name[PATH_MAX];
  if (!copy_path(line + start, at - start, name)) return true;
  // Not found: judged as unknown; env reports it when it runs.
  return find_like_execvp(name, getenv("PATH"), out);
}

}  // namespace

bool find_like_execvp(const char* name, const char* search_path, char (&out)[PATH_MAX]) {
  const size_t name_length = std::strlen(name);
  if (name_length == 0) return false;
  if (std::strchr(name, '/')) return copy_path(name, name_length, out);
  const char* rest = search_path && *search_path ? search_path : kDefaultPath;
  const int saved_errno = errno;
  bool found = false;
  while (!found) {
    const char* colon = std::strchr(rest, ':');
    const size_t length = colon ? static_cast<size_t>(colon - rest) : std::strlen(rest);
    const char* directory = length == 0 ? "." : rest;  // an empty entry is the current directory
    const size_t directory_length = length == 0 ? 1 : length;
    if (directory_length + 1 + name_length < PATH_MAX) {
      std::memcpy(out, directory, directory_length);
      out[directory_length] = '/';
      std::memcpy(out + directory_length + 1, name, name_length + 1);
      struct stat status;
      found = stat(out, &status) == 0 && S_ISREG(status.st_mode) && access(out, X_OK) == 0;
    }
    if (!colon) break;
    rest = colon + 1;
  }
  errno = saved_errno;
  return found;
}

void judge_exec_target(const char* path, ExecTarget& out) {
  out.uncoverable = nullptr;
  if (path == nullptr || !copy_path(path, std::strlen(path), out.judged)) return;
  for (int depth = 0; depth <= kMaxScriptDepth; ++depth) {
    QuietFd fd(open(out.judged, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK));
    if (fd.get() < 0) return;
    FileStart file{fd.get(), {}, 0};
    ssize_t n = pread(fd.get(), file.bytes, sizeof file.bytes, 0);
    if (n <= 0) return;
    file.size = static_cast<size_t>(n);
    if (file.size > 2 && file.bytes[0] == '#' && file.bytes[1] == '!') {
      char interpreter[PATH_MAX];
      if (!script_interpreter(file, interpreter)) return;
      std::memcpy(out.judged, interpreter, sizeof interpreter);
      continue;
    }
    out.uncoverable = judge_elf_of(file);
    return;
  }
}

}  // namespace socks4::preload
