#include "core/peer/identity.hpp"

#include <cerrno>
#include <cstring>
#include <string>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/peer/identity_file.hpp"
#include "core/proto/peer_address.hpp"

namespace p2pd::peer {

namespace {

constexpr std::size_t kIdChars = 16;  // 80 bits of the key's hash in base32

std::string errno_text() { return std::strerror(errno); }

Result<std::string> read_whole(const std::string& path, bool& missing) {
  missing = false;
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    if (errno == ENOENT) {
      missing = true;
      return std::string{};
    }
    return Error{"identity", path + ": cannot read: " + errno_text()};
  }
  std::string text;
  text.reserve(8192);  // no reallocation below: no stray copies of the secret on the heap
  char buf[512];
  for (;;) {
    ssize_t n = ::read(fd, buf, sizeof buf);
    if (n < 0) {
      if (errno == EINTR) continue;
      std::string e = errno_text();
      ::close(fd);
      return Error{"identity", path + ": cannot read: " + e};
    }
    if (n == 0) break;
    text.append(buf, static_cast<std::size_t>(n));
    sodium_memzero(buf, sizeof buf);
    if (text.size() > 4096) {
      ::close(fd);
      return Error{"identity", path + ": too large to be an identity file"};
    }
  }
  ::close(fd);
  return text;
}

// The directory entry of a new file survives a crash only once its directory is synced.
Status sync_directory_of(const std::string& path) {
  const auto slash = path.rfind('/');
  const std::string dir = slash == std::string::npos ? "." : (slash == 0 ? "/" : path.substr(0, slash));
  int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return Error{"identity", dir + ": cannot open to sync: " + errno_text()};
  const int rc = ::fsync(fd);
  const std::string e = rc != 0 ? errno_text() : std::string{};
  ::close(fd);
  if (rc != 0) return Error{"identity", dir + ": cannot sync: " + e};
  return {};
}

// Writes <path> with mode 0600 through a temporary file in the same directory, so a
// reader sees no file or the whole file. Fails with EEXIST (in `exists`) if <path> appeared.
Status write_private_atomically(const std::string& path, const std::string& content, bool& exists) {
  exists = false;
  const std::string tmp = path + ".tmp." + std::to_string(::getpid());
  ::unlink(tmp.c_str());
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0) return Error{"identity", tmp + ": cannot create: " + errno_text()};
  std::size_t done = 0;
  while (done < content.size()) {
    ssize_t n = ::write(fd, content.data() + done, content.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      std::string e = errno_text();
      ::close(fd);
      ::unlink(tmp.c_str());
      return Error{"identity", tmp + ": cannot write: " + e};
    }
    done += static_cast<std::size_t>(n);
  }
  if (::fsync(fd) != 0 || ::close(fd) != 0) {
    ::unlink(tmp.c_str());
    return Error{"identity", tmp + ": cannot sync: " + errno_text()};
  }
  // link(2) rather than rename(2): never replaces an identity another process wrote.
  if (::link(tmp.c_str(), path.c_str()) != 0) {
    exists = errno == EEXIST;
    std::string e = errno_text();
    ::unlink(tmp.c_str());
    return Error{"identity", path + ": cannot create: " + e};
  }
  ::unlink(tmp.c_str());
  return sync_directory_of(path);
}

}  // namespace

Identity::Identity(signaling::KeyPair keys) : keys_(keys), peer_id_(peer_id_of(keys.public_key)) {}

Identity Identity::generate() { return Identity(signaling::KeyPair::generate()); }

Identity Identity::from_seed(const Seed& seed) { return Identity(signaling::KeyPair::from_seed(seed)); }

Seed Identity::seed() const {
  Seed s{};
  crypto_sign_ed25519_sk_to_seed(s.data(), keys_.secret_key.data());
  return s;
}

std::string peer_id_of(const PublicKey& key) {
  proto::peer::Key hash{};
  crypto_generichash(hash.data(), hash.size(), key.data(), key.size(), nullptr, 0);
  return proto::peer::key_to_text(hash).substr(0, kIdChars);
}

std::string public_key_text(const PublicKey& key) { return proto::peer::key_to_text(key); }

namespace {

Result<Identity> load_identity_file(const std::string& path, bool& missing) {
  auto text = read_whole(path, missing);
  if (!text.ok()) return text.error();
  if (!missing) {
    auto id = decode_identity_file(*text);
    sodium_memzero(text->data(), text->size());
    if (!id.ok())
      return Error{"identity", path + ": " + id.error().message + " (the file is kept; move it away to create a new identity)"};
    return id;
  }
  return Error{"identity", path + ": missing"};
}

}  // namespace

Result<Identity> load_or_create_identity(const std::string& state_dir) {
  const std::string path = state_dir + "/identity.key";
  bool missing = false;
  auto loaded = load_identity_file(path, missing);
  if (!missing) return loaded;
  Identity fresh = Identity::generate();
  std::string content = encode_identity_file(fresh);
  bool exists = false;
  auto w = write_private_atomically(path, content, exists);
  sodium_memzero(content.data(), content.size());
  if (exists) return load_identity_file(path, missing);  // another process created it first
  if (!w.ok()) return w.error();
  return fresh;
}

}  // namespace p2pd::peer
