#pragma once
// A peeked HTTP/1.x request head (request line + headers, up to the blank line) as
// values, for the takeover hook that runs before cpp-httplib parses anything (GET
// /tunnel/<c>). Pure: bytes in, values out.
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace p2pd::rpc {

struct RequestHead {
  std::string method;
  std::string target;
  std::size_t size = 0;  // bytes up to and including the blank line
  std::vector<std::pair<std::string, std::string>> headers;  // names lower-cased, values trimmed

  // The first header of that (lower-case) name.
  std::optional<std::string_view> header(std::string_view lower_name) const;
};

// Null unless `bytes` starts with a complete, well-formed head ("METHOD target
// HTTP/1.x\r\n", "Name: value\r\n" lines, "\r\n").
std::optional<RequestHead> parse_request_head(std::string_view bytes);

}  // namespace p2pd::rpc
