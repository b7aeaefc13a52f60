#include "daemon/peer_book.hpp"

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

#include "daemon/state_dir.hpp"

namespace p2pd::daemon {

namespace {
std::string book_path(const std::string& state_dir) { return state_dir + "/peers.json"; }
constexpr std::size_t kMaxBookFile = 4 << 20;  // far above 1024 entries of ~250 bytes
}  // namespace

peer::AddressBook::Persist book_writer(const std::string& state_dir) {
  return [path = book_path(state_dir)](const std::string& text) { return write_file_atomically(path, text, 0600); };
}

Status load_book_file(const std::string& state_dir, peer::AddressBook& book) {
  const std::string path = book_path(state_dir);
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    if (errno == ENOENT) return {};
    return Error{"io", path + ": cannot read: " + std::strerror(errno)};
  }
  std::ostringstream text;
  text << in.rdbuf();
  if (in.bad()) return Error{"io", path + ": cannot read"};
  if (text.str().size() > kMaxBookFile) return Error{"malformed", path + ": too large to be an address book"};
  if (auto st = book.load(text.str()); !st)
    return Error{st.error().code, path + ": " + st.error().message + " (the file is kept; fix or move it away)"};
  return {};
}

}  // namespace p2pd::daemon
