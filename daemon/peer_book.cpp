#include "daemon/peer_book.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "daemon/state_dir.hpp"

namespace p2pd::daemon {

namespace {
std::string book_path(const std::string& state_dir) { return state_dir + "/peers.json"; }
constexpr std::size_t kMaxBookFile = 4 << 20;  // far above 1024 entries of ~1 KiB
}  // namespace

peer::AddressBook::Persist book_writer(const std::string& state_dir) {
  return [path = book_path(state_dir)](const std::string& text) { return write_file_atomically(path, text, 0600); };
}

Status load_book_file(const std::string& state_dir, peer::AddressBook& book) {
  const std::string path = book_path(state_dir);
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    if (errno == ENOENT) return {};
    return Error{"io", path + ": cannot read: " + std::strerror(errno)};
  }
  std::string text;
  char buf[65536];
  for (;;) {
    ssize_t n = ::read(fd, buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      int err = errno;
      ::close(fd);
      return Error{"io", path + ": cannot read: " + std::strerror(err)};
    }
    if (n == 0) break;
    text.append(buf, static_cast<std::size_t>(n));
    if (text.size() > kMaxBookFile) {
      ::close(fd);
      return Error{"malformed", path + ": larger than " + std::to_string(kMaxBookFile) +
                                    " bytes, too large to be an address book (the file is kept; fix or move it away)"};
    }
  }
  ::close(fd);
  if (auto st = book.load(text); !st)
    return Error{st.error().code, path + ": " + st.error().message + " (the file is kept; fix or move it away)"};
  return {};
}

}  // namespace p2pd::daemon
