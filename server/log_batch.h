// Log lines of one event-loop thread, written together at the end of each loop pass: one
// write() for all the lines a pass produced instead of one per line (a connection logs two).
// A batch holds at most PIPE_BUF bytes and is written with one write(), so lines stay whole
// even when stderr is a pipe shared with other threads. Only for stderr; syslog takes a line
// at a time.
#pragma once

#include <limits.h>

#include <cstddef>
#include <string_view>

#include "libevent_ptr.h"

namespace sockd::log {

class LineBatch {
 public:
  // Collects this thread's stderr lines until destroyed (which writes what is left).
  explicit LineBatch(event_base* base);
  ~LineBatch();
  LineBatch(const LineBatch&) = delete;
  LineBatch& operator=(const LineBatch&) = delete;

  // The batch of the calling thread, or nullptr: then lines are written at once.
  static LineBatch* current();

  // `line` ends with its newline.
  void add(std::string_view line);
  void flush();

 private:
  static void on_end_of_pass(evutil_socket_t, short, void* arg);

  EventPtr flush_event_;
  size_t used_ = 0;
  char buffer_[PIPE_BUF];
};

}  // namespace sockd::log
