// The judge of programs (preload/preload_exec_target.cc) on ELF headers written byte by byte:
// what makes a program one the preload cannot reach, and offsets chosen by a hostile file,
// which must not carry a read outside the judge's buffers (the ASan tree checks).
#include <elf.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdint>
#include <cstdlib>
#include <fstream>
#include <string>
#include <vector>

#include "../../preload/preload_exec_target.h"

namespace socks4::preload {
namespace {

// A little-endian x86-64 executable: the ELF header, then `headers` program headers of 56
// bytes each right after it (p_type, p_offset, p_filesz and p_align set).
struct Phdr {
  uint32_t type;
  uint64_t offset = 0;
  uint64_t size = 0;
};

void put(std::vector<uint8_t>& bytes, size_t at, uint64_t value, int width) {
  if (bytes.size() < at + width) bytes.resize(at + width);
  for (int i = 0; i < width; ++i) bytes[at + i] = static_cast<uint8_t>(value >> (8 * i));
}

std::vector<uint8_t> elf64(const std::vector<Phdr>& headers, uint64_t section_headers = 0,
                           uint16_t sections = 0, uint16_t names_index = 0) {
  std::vector<uint8_t> bytes = {0x7f, 'E', 'L', 'F', 2, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0};
  put(bytes, 16, 2, 2);   // ET_EXEC
  put(bytes, 18, 62, 2);  // EM_X86_64
  put(bytes, 20, 1, 4);
  put(bytes, 32, 64, 8);  // e_phoff
  put(bytes, 40, section_headers, 8);
  put(bytes, 52, 64, 2);
  put(bytes, 54, 56, 2);
  put(bytes, 56, headers.size(), 2);
  put(bytes, 58, 64, 2);  // e_shentsize
  put(bytes, 60, sections, 2);
  put(bytes, 62, names_index, 2);
  for (size_t i = 0; i < headers.size(); ++i) {
    const size_t at = 64 + 56 * i;
    put(bytes, at, headers[i].type, 4);
    put(bytes, at + 8, headers[i].offset, 8);
    put(bytes, at + 32, headers[i].size, 8);
    put(bytes, at + 48, 8, 8);  // p_align
  }
  return bytes;
}

class ExecTargetTest : public ::testing::Test {
 protected:
  const char* judge(const std::vector<uint8_t>& bytes) {
    std::ofstream(path_, std::ios::binary)
        .write(reinterpret_cast<const char*>(bytes.data()),
               static_cast<std::streamsize>(bytes.size()));
    chmod(path_.c_str(), 0755);
    judge_exec_target(path_.c_str(), JudgeSettings{}, target_);
    return target_.uncoverable;
  }
  void TearDown() override { unlink(path_.c_str()); }

  std::string path_ = std::string(P_tmpdir) + "/exec_target_test." + std::to_string(getpid());
  ExecTarget target_;
};

TEST_F(ExecTargetTest, NoInterpreterIsStatic) {
  EXPECT_STREQ(judge(elf64({{PT_LOAD}})), "statically linked (no ELF interpreter)");
}

TEST_F(ExecTargetTest, AnInterpreterIsReachable) {
  EXPECT_EQ(judge(elf64({{PT_INTERP}, {PT_LOAD}})), nullptr);
}

TEST_F(ExecTargetTest, ThirtyTwoBitsIsNotReachable) {
  std::vector<uint8_t> bytes = elf64({{PT_INTERP}});
  bytes[4] = 1;  // ELFCLASS32
  EXPECT_STREQ(judge(bytes), "a 32-bit program (the preload library is 64-bit)");
}

// Offsets near 2^64: an offset plus a length wraps around, past a bounds check written as
// `offset + length <= size`.
TEST_F(ExecTargetTest, AProgramHeaderOffsetNearTheTopIsNotRead) {
  std::vector<uint8_t> bytes = elf64({{PT_INTERP}});
  put(bytes, 32, ~uint64_t{0} - 15, 8);  // e_phoff
  EXPECT_EQ(judge(bytes), nullptr);      // unknown: exec says what it is
}

TEST_F(ExecTargetTest, ANoteOffsetNearTheTopIsNotRead) {
  EXPECT_EQ(judge(elf64({{PT_INTERP}, {PT_NOTE, ~uint64_t{0} - 1000, 4096}})), nullptr);
}

TEST_F(ExecTargetTest, ASectionNameTableNearTheTopIsNotRead) {
  // One section header at 256, the name table's, whose sh_offset is near 2^64.
  std::vector<uint8_t> bytes = elf64({{PT_INTERP}}, 256, 1, 0);
  put(bytes, 256 + 24, ~uint64_t{0} - 1000, 8);  // sh_offset
  put(bytes, 256 + 32, 4096, 8);                 // sh_size
  EXPECT_EQ(judge(bytes), nullptr);
}

}  // namespace
}  // namespace socks4::preload
