// `log_format json`: one JSON object per line, with stable field names for a request's verdict
// and a relay's close, and every other line as a "message" object. A hostile USERID or HOSTNAME
// stays inside its string: it cannot end the object, add a field or start a line.
#include <gtest/gtest.h>

#include <chrono>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "../support/loopback_server.h"
#include "../support/socks_client.h"
#include "sockd_fixture.h"

namespace socks4::test {
namespace {

using std::chrono::milliseconds;
using Fields = std::map<std::string, std::string>;

constexpr milliseconds kBound{5000};

// A strict reader for the objects sockd writes: string and number values, and objects nested
// in them, whose fields come out as "outer.inner". Nothing may follow the object. Strings are
// decoded (\uXXXX only below U+0100, one byte).
class JsonLine {
 public:
  static std::optional<Fields> parse(const std::string& text) {
    JsonLine reader(text);
    Fields fields;
    if (!reader.object("", fields) || reader.at_ != text.size()) return std::nullopt;
    return fields;
  }

 private:
  explicit JsonLine(const std::string& text) : text_(text) {}

  bool take(char c) {
    if (at_ < text_.size() && text_[at_] == c) {
      ++at_;
      return true;
    }
    return false;
  }

  bool object(const std::string& prefix, Fields& fields) {
    if (!take('{')) return false;
    if (take('}')) return true;
    do {
      std::string key;
      if (!string(key) || !take(':')) return false;
      const std::string name = prefix.empty() ? key : prefix + "." + key;
      if (fields.count(name)) return false;  // a field given twice: a forgery
      if (at_ < text_.size() && text_[at_] == '{') {
        if (!object(name, fields)) return false;
      } else if (at_ < text_.size() && text_[at_] == '"') {
        if (!string(fields[name])) return false;
      } else if (!number(fields[name])) {
        return false;
      }
    } while (take(','));
    return take('}');
  }

  bool string(std::string& out) {
    if (!take('"')) return false;
    while (at_ < text_.size()) {
      const auto c = static_cast<unsigned char>(text_[at_++]);
      if (c == '"') return true;
      if (c < 0x20 || c >= 0x7f) return false;  // sockd escapes these
      if (c != '\\') {
        out.push_back(static_cast<char>(c));
        continue;
      }
      if (at_ >= text_.size()) return false;
      const char e = text_[at_++];
      if (e == '"' || e == '\\' || e == '/') {
        out.push_back(e);
      } else if (e == 'n') {
        out.push_back('\n');
      } else if (e == 't') {
        out.push_back('\t');
      } else if (e == 'r') {
        out.push_back('\r');
      } else if (e == 'u' && at_ + 4 <= text_.size() && text_.compare(at_, 2, "00") == 0) {
        out.push_back(static_cast<char>(std::stoi(text_.substr(at_ + 2, 2), nullptr, 16)));
        at_ += 4;
      } else {
        return false;
      }
    }
    return false;
  }

  bool number(std::string& out) {
    const size_t begun = at_;
    while (at_ < text_.size() &&
           std::string_view("0123456789.-").find(text_[at_]) != std::string_view::npos)
      ++at_;
    out = text_.substr(begun, at_ - begun);
    return !out.empty();
  }

  const std::string& text_;
  size_t at_ = 0;
};

class LogJson : public SockdTest {
 protected:
  // Every line sockd wrote, each one object.
  std::vector<Fields> objects() {
    std::vector<Fields> out;
    for (const std::string& line : sockd().log_lines_with({})) {
      std::optional<Fields> fields = JsonLine::parse(line);
      EXPECT_TRUE(fields) << "not one JSON object: " << line;
      if (fields) out.push_back(std::move(*fields));
    }
    return out;
  }
  std::vector<Fields> objects_with(const std::string& field, const std::string& value) {
    std::vector<Fields> out;
    for (Fields& fields : objects()) {
      if (fields.count(field) && fields[field] == value) out.push_back(std::move(fields));
    }
    return out;
  }
};

TEST_F(LogJson, RequestsClosesAndMessagesAreObjects) {
  ASSERT_NO_FATAL_FAILURE(start_sockd(with_config("log_format json\npermit 127.0.0.0/8\n")));
  LoopbackServer echo(echo_handler);
  {
    UniqueFd relay = open_relay(port(), connect_request("127.0.0.1", echo.port(), "alice"));
    ASSERT_TRUE(relay);
    ASSERT_TRUE(send_all(relay.get(), "hello"));
    ASSERT_TRUE(recv_exact(relay.get(), 5));
  }
  ASSERT_TRUE(sockd().wait_for_log("\"event\":\"close\"", kBound)) << sockd().log();
  UniqueFd refused = send_request(port(), connect_request("127.0.0.2", 25, "bob"));
  ASSERT_TRUE(refused);
  ASSERT_TRUE(sockd().wait_for_log("\"result\":\"rejected\"", kBound)) << sockd().log();

  const std::string destination = "127.0.0.1:" + std::to_string(echo.port());
  std::vector<Fields> granted = objects_with("result", "granted");
  ASSERT_EQ(granted.size(), 1u) << sockd().log();
  EXPECT_EQ(granted[0]["event"], "request");
  EXPECT_EQ(granted[0]["user"], "alice");
  EXPECT_EQ(granted[0]["command"], "CONNECT");
  EXPECT_EQ(granted[0]["destination"], destination);
  EXPECT_TRUE(granted[0]["client"].starts_with("127.0.0.1:")) << granted[0]["client"];
  EXPECT_FALSE(granted[0]["time"].empty());

  std::vector<Fields> closes = objects_with("event", "close");
  ASSERT_EQ(closes.size(), 1u) << sockd().log();
  EXPECT_EQ(closes[0]["destination"], destination);
  EXPECT_EQ(closes[0]["bytes.sent"], "5");
  EXPECT_EQ(closes[0]["bytes.received"], "5");
  EXPECT_FALSE(closes[0]["seconds"].empty());

  std::vector<Fields> rejected = objects_with("result", "rejected");
  ASSERT_EQ(rejected.size(), 1u) << sockd().log();
  EXPECT_EQ(rejected[0]["user"], "bob");
  EXPECT_EQ(rejected[0]["destination"], "127.0.0.2:25");
  EXPECT_TRUE(rejected[0]["reason"].starts_with("connect failed: ")) << rejected[0]["reason"];

  std::vector<Fields> messages = objects_with("event", "message");
  ASSERT_FALSE(messages.empty());
  EXPECT_TRUE(messages[0]["message"].starts_with("listening on 127.0.0.1:"))
      << messages[0]["message"];
}

TEST_F(LogJson, HostileUserAndHostnameStayInsideTheirStrings) {
  ASSERT_NO_FATAL_FAILURE(start_sockd(with_config("log_format json\npermit 127.0.0.0/8\n")));
  const std::string forged_user = "x\",\"result\":\"granted\"}\n{\"event\":\"forged\\\x01";
  // Printable (a HOSTNAME with a line end is a bad request), but full of quotes.
  const std::string forged_host = "h\"},{\"event\":\"forged\"}.invalid";
  UniqueFd a = send_request(port(), connect_request("127.0.0.2", 9, forged_user));
  UniqueFd b = send_request(port(), connect_request_4a(forged_host, 80, "y\"\\"));
  ASSERT_TRUE(a && b);
  ASSERT_TRUE(sockd().wait_for_log("cannot resolve", kBound)) << sockd().log();
  ASSERT_TRUE(sockd().wait_for_log("connect failed", kBound)) << sockd().log();

  EXPECT_TRUE(objects_with("event", "forged").empty()) << sockd().log();
  EXPECT_TRUE(objects_with("result", "granted").empty()) << sockd().log();
  // The values are the text log's sanitised forms, whole.
  std::vector<Fields> rejected = objects_with("result", "rejected");
  ASSERT_EQ(rejected.size(), 2u) << sockd().log();
  bool saw_user = false, saw_host = false;
  for (Fields& fields : rejected) {
    saw_user = saw_user ||
               fields["user"] == "x\",\"result\":\"granted\"}\\x0a{\"event\":\"forged\\x5c\\x01";
    saw_host = saw_host || (fields["user"] == "y\"\\x5c" &&
                            fields["destination"] == "h\"},{\"event\":\"forged\"}.invalid:80");
  }
  EXPECT_TRUE(saw_user) << sockd().log();
  EXPECT_TRUE(saw_host) << sockd().log();
}

}  // namespace
}  // namespace socks4::test
