// Loading: embedded defaults + an overlay (text or file) -> a validated Config.
#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string>

#include "config/config.hpp"
#include "config/config_convert.hpp"
#include "config/config_json.hpp"
#include "config/default_config.hpp"

namespace p2pd::config {
namespace {

constexpr std::size_t kMaxFileSize = 1024 * 1024;

bool is_blank(std::string_view text) {
  return text.find_first_not_of(" \t\r\n") == std::string_view::npos;
}

// The whole file, or a message naming the file and the reason.
Result<std::string> read_file(const std::string& file_path) {
  auto fail = [&](const std::string& why) {
    return make_error("not_found", file_path + ": cannot read: " + why);
  };
  int fd = ::open(file_path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return fail(std::strerror(errno));
  std::string text;
  char buf[16384];
  for (;;) {
    ssize_t n = ::read(fd, buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      int err = errno;
      ::close(fd);
      return fail(std::strerror(err));
    }
    if (n == 0) break;
    text.append(buf, static_cast<std::size_t>(n));
    if (text.size() > kMaxFileSize) {
      ::close(fd);
      return fail("larger than 1 MiB");
    }
  }
  ::close(fd);
  return text;
}

}  // namespace

std::string ConfigError::to_string() const {
  return path.empty() ? message : path + ": " + message;
}

LoadResult load_from_string(std::string_view overlay_text, std::string_view source) {
  LoadResult out;
  try {
    auto merged = detail::parse_json(default_config_json(), "embedded defaults");
    if (!merged) {
      out.errors.push_back({"", merged.error().message});
      return out;
    }
    if (!is_blank(overlay_text)) {
      auto overlay = detail::parse_json(overlay_text, source);
      if (!overlay) {
        out.errors.push_back({"", overlay.error().message});
        return out;
      }
      if (!overlay->is_object()) {
        out.errors.push_back({"", std::string(source) + ": expected a JSON object at the top"});
        return out;
      }
      detail::merge_overlay(*merged, *overlay);
    }
    out.config = detail::from_json(*merged, out.errors);
  } catch (const std::exception& e) {
    out.errors.push_back({"", std::string(source) + ": " + e.what()});
  }
  return out;
}

LoadResult load_from_file(const std::string& file_path) {
  auto text = read_file(file_path);
  if (!text) {
    LoadResult out;
    out.errors.push_back({"", text.error().message});
    return out;
  }
  return load_from_string(*text, file_path);
}

Config defaults() {
  auto loaded = load_from_string("", "defaults");
  return loaded.ok() ? loaded.config : Config{};
}

std::vector<ConfigError> validate(const Config& config) {
  std::vector<ConfigError> errors;
  try {
    (void)detail::from_json(detail::to_json(config), errors);
  } catch (const std::exception& e) {
    errors.push_back({"", e.what()});
  }
  return errors;
}

}  // namespace p2pd::config
