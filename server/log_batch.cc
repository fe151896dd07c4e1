#include "log_batch.h"

#include <unistd.h>

#include <cstring>

namespace sockd::log {
namespace {

thread_local LineBatch* t_batch = nullptr;

void write_all(const char* bytes, size_t length) {
  ssize_t ignored = write(STDERR_FILENO, bytes, length);
  (void)ignored;  // nowhere to report a failing log
}

}  // namespace

LineBatch::LineBatch(event_base* base)
    : flush_event_(event_new(base, -1, 0, &LineBatch::on_end_of_pass, this)) {
  // Without the event (out of memory) lines are simply written one by one.
  if (flush_event_) t_batch = this;
}

LineBatch::~LineBatch() {
  flush();
  if (t_batch == this) t_batch = nullptr;
}

LineBatch* LineBatch::current() {
  return t_batch;
}

void LineBatch::add(std::string_view line) {
  if (line.size() > sizeof buffer_ - used_) flush();
  if (line.size() > sizeof buffer_) {
    write_all(line.data(), line.size());
    return;
  }
  // The first line of a pass schedules the flush: an activated event runs after the
  // callbacks already queued in this pass, before the loop waits again.
  if (used_ == 0) event_active(flush_event_.get(), EV_TIMEOUT, 1);
  std::memcpy(buffer_ + used_, line.data(), line.size());
  used_ += line.size();
}

void LineBatch::flush() {
  if (used_ == 0) return;
  write_all(buffer_, used_);
  used_ = 0;
}

void LineBatch::on_end_of_pass(evutil_socket_t, short, void* arg) {
  static_cast<LineBatch*>(arg)->flush();
}

}  // namespace sockd::log
