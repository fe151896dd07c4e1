// A private temporary directory, removed with everything in it when the owner goes away.
#pragma once

#include <string>

namespace socks4::test {

class TempDir {
 public:
  TempDir();  // aborts the test binary if /tmp is unusable: nothing else could work then
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  const std::string& path() const { return path_; }
  // Writes `content` to path()/name and returns the full path.
  std::string write(const std::string& name, const std::string& content) const;
  std::string file(const std::string& name) const { return path_ + "/" + name; }

 private:
  std::string path_;
};

// Whole file as a string; empty if it cannot be read.
std::string read_text_file(const std::string& path);

}  // namespace socks4::test
