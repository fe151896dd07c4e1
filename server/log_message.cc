#include "log_message.h"

#include <cstdint>
#include <cstdio>
#include <cstring>

namespace sockd::log {
namespace {

// Bounded writer: keeps what fits before the last byte (for the NUL), counts nothing beyond.
class Output {
 public:
  Output(char* out, size_t size) : next_(out), end_(out + size - 1) {}
  void put(char c) {
    if (next_ < end_) *next_++ = c;
  }
  void put(const char* text, size_t length) {
    const size_t room = static_cast<size_t>(end_ - next_);
    if (length > room) length = room;
    std::memcpy(next_, text, length);
    next_ += length;
  }
  char* finish() {
    *next_ = '\0';
    return next_;
  }

 private:
  char* next_;
  char* end_;
};

// `magnitude` in decimal with a '-' if `negative`, padded to `width` with zeros or spaces
// (printf's "%0Nd" and "%Nd").
void put_integer(Output& output, uint64_t magnitude, bool negative, bool zero_pad, int width) {
  char digits[20];
  int count = 0;
  do {
    digits[count++] = static_cast<char>('0' + magnitude % 10);
    magnitude /= 10;
  } while (magnitude != 0);
  int padding = width - count - (negative ? 1 : 0);
  if (!zero_pad)
    for (; padding > 0; --padding) output.put(' ');
  if (negative) output.put('-');
  for (; padding > 0; --padding) output.put('0');
  while (count > 0) output.put(digits[--count]);
}

}  // namespace

int format_message(char* out, size_t size, const char* format, va_list args) {
  va_list original;
  va_copy(original, args);
  Output output(out, size);
  for (const char* p = format; *p;) {
    const char* percent = std::strchr(p, '%');
    if (!percent) {
      output.put(p, std::strlen(p));
      break;
    }
    output.put(p, static_cast<size_t>(percent - p));
    p = percent + 1;
    bool zero_pad = false;
    int width = 0;
    if (*p == '0') {
      zero_pad = true;
      ++p;
    }
    while (*p >= '0' && *p <= '9' && width < 100) width = width * 10 + (*p++ - '0');
    enum { kInt, kLong, kLongLong, kSize } length = kInt;
    if (p[0] == 'l' && p[1] == 'l') {
      length = kLongLong;
      p += 2;
    } else if (*p == 'l') {
      length = kLong;
      ++p;
    } else if (*p == 'z') {
      length = kSize;
      ++p;
    }
    const char conversion = *p++;
    const bool plain = !zero_pad && width == 0 && length == kInt;
    if (conversion == '%' && plain) {
      output.put('%');
    } else if (conversion == 's' && plain) {
      const char* text = va_arg(args, const char*);
      if (!text) text = "(null)";
      output.put(text, std::strlen(text));
    } else if (conversion == 'c' && plain) {
      output.put(static_cast<char>(va_arg(args, int)));
    } else if (conversion == 'd' || conversion == 'i') {
      int64_t value;
      switch (length) {
        case kInt:
          value = va_arg(args, int);
          break;
        case kLong:
          value = va_arg(args, long);
          break;
        case kLongLong:
          value = va_arg(args, long long);
          break;
        case kSize:
          value = va_arg(args, ssize_t);
          break;
      }
      const uint64_t magnitude = value < 0 ? 0 - static_cast<uint64_t>(value) : value;
      put_integer(output, magnitude, value < 0, zero_pad, width);
    } else if (conversion == 'u') {
      uint64_t value;
      switch (length) {
        case kInt:
          value = va_arg(args, unsigned);
          break;
        case kLong:
          value = va_arg(args, unsigned long);
          break;
        case kLongLong:
          value = va_arg(args, unsigned long long);
          break;
        case kSize:
          value = va_arg(args, size_t);
          break;
      }
      put_integer(output, value, false, zero_pad, width);
    } else {
      // Not one of ours (or a format that ends in '%'): stdio does the whole message.
      const int written = vsnprintf(out, size, format, original);
      va_end(original);
      if (written < 0) return -1;
      return static_cast<size_t>(written) < size ? written : static_cast<int>(size - 1);
    }
  }
  va_end(original);
  return static_cast<int>(output.finish() - out);
}

}  // namespace sockd::log
