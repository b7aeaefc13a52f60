#include "daemon/state_dir.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>

#include <sodium.h>

namespace p2pd::daemon {

namespace {

std::string first_path(const char* env) {
  if (env == nullptr || *env == '\0') return {};
  std::string value(env);
  return value.substr(0, value.find(':'));
}

std::string errno_text(const std::string& what) { return what + ": " + std::strerror(errno); }

bool is_hex_token(const std::string& s) {
  if (s.size() != 64) return false;
  for (char c : s)
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  return true;
}

}  // namespace

std::string default_state_dir() {
  if (::geteuid() == 0) return "/var/lib/p2pd";
  std::string xdg = first_path(std::getenv("XDG_STATE_HOME"));
  if (!xdg.empty()) return xdg + "/p2pd";
  const char* home = std::getenv("HOME");
  return std::string(home && *home ? home : "/tmp") + "/.local/state/p2pd";
}

std::string resolve_state_dir(const std::string& flag_value) {
  if (!flag_value.empty()) return flag_value;
  std::string systemd = first_path(std::getenv("STATE_DIRECTORY"));
  if (!systemd.empty()) return systemd;
  return default_state_dir();
}

std::string runtime_dir_or(const std::string& state_dir) {
  std::string runtime = first_path(std::getenv("RUNTIME_DIRECTORY"));
  return runtime.empty() ? state_dir : runtime;
}

Status ensure_private_dir(const std::string& dir) {
  if (dir.empty()) return Error{"state_dir", "state directory path is empty"};
  // Parents with the default mode, the directory itself 0700.
  for (std::size_t pos = dir.find('/', 1); pos != std::string::npos; pos = dir.find('/', pos + 1)) {
    std::string parent = dir.substr(0, pos);
    if (::mkdir(parent.c_str(), 0755) != 0 && errno != EEXIST)
      return Error{"state_dir", errno_text("cannot create " + parent)};
  }
  if (::mkdir(dir.c_str(), 0700) != 0 && errno != EEXIST)
    return Error{"state_dir", errno_text("cannot create state directory " + dir)};
  struct stat st {};
  if (::stat(dir.c_str(), &st) != 0) return Error{"state_dir", errno_text("cannot stat " + dir)};
  if (!S_ISDIR(st.st_mode)) return Error{"state_dir", dir + " is not a directory"};
  if (::access(dir.c_str(), W_OK | X_OK) != 0)
    return Error{"state_dir", errno_text("state directory " + dir + " is not writable")};
  return {};
}

Result<std::string> read_token(const std::string& dir) {
  std::string path = dir + "/api.token";
  std::ifstream in(path);
  if (!in) return Error{"token", errno_text("cannot read " + path)};
  std::string token;
  std::getline(in, token);
  if (!is_hex_token(token)) return Error{"token", path + " is corrupt (expected 64 hex characters)"};
  return token;
}

Result<std::string> load_or_create_token(const std::string& dir) {
  std::string path = dir + "/api.token";
  unsigned char raw[32];
  randombytes_buf(raw, sizeof(raw));
  char hex[65];
  sodium_bin2hex(hex, sizeof(hex), raw, sizeof(raw));
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0) {
    if (errno == EEXIST) return read_token(dir);
    return Error{"token", errno_text("cannot create " + path)};
  }
  std::string line = std::string(hex) + "\n";
  bool ok = ::write(fd, line.data(), line.size()) == static_cast<ssize_t>(line.size()) && ::fsync(fd) == 0;
  ::close(fd);
  if (!ok) {
    ::unlink(path.c_str());
    return Error{"token", errno_text("cannot write " + path)};
  }
  return std::string(hex);
}

Status write_file_atomically(const std::string& path, const std::string& content, unsigned mode) {
  std::string tmp = path + ".tmp." + std::to_string(::getpid());
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
  if (fd < 0) return Error{"io", errno_text("cannot create " + tmp)};
  bool ok = ::write(fd, content.data(), content.size()) == static_cast<ssize_t>(content.size());
  ok = ok && ::fsync(fd) == 0;
  ::close(fd);
  if (!ok || ::rename(tmp.c_str(), path.c_str()) != 0) {
    auto err = errno_text("cannot write " + path);
    ::unlink(tmp.c_str());
    return Error{"io", err};
  }
  return {};
}

}  // namespace p2pd::daemon
