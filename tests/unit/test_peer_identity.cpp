#include <sys/stat.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "core/peer/identity.hpp"
#include "core/peer/identity_file.hpp"

using namespace p2pd::peer;

namespace {

struct TempDir {
  std::string path;
  TempDir() {
    char tmpl[] = "/tmp/p2pd-identity-XXXXXX";
    REQUIRE(::mkdtemp(tmpl) != nullptr);
    path = tmpl;
  }
  ~TempDir() { std::filesystem::remove_all(path); }
};

std::string slurp(const std::string& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

void spit(const std::string& path, const std::string& text) {
  std::ofstream out(path, std::ios::trunc);
  out << text;
}

Seed seed_of(std::uint8_t b) {
  Seed s{};
  s.fill(b);
  return s;
}

}  // namespace

TEST_CASE("identity: keys sign and verify, peer id is short base32", "[identity]") {
  REQUIRE(sodium_init() >= 0);
  Identity id = Identity::generate();
  const std::string& pid = id.peer_id();
  CHECK(pid.size() == 16);
  for (char c : pid) CHECK(((c >= 'a' && c <= 'z') || (c >= '2' && c <= '7')));
  CHECK(pid == peer_id_of(id.public_key()));
  CHECK(public_key_text(id.public_key()).size() == 52);
  CHECK(public_key_text(id.public_key()).find(pid) == std::string::npos);  // a hash, not a prefix

  unsigned char msg[] = "hello";
  std::array<unsigned char, crypto_sign_BYTES> sig{};
  REQUIRE(crypto_sign_detached(sig.data(), nullptr, msg, sizeof msg, id.secret_key().data()) == 0);
  CHECK(crypto_sign_verify_detached(sig.data(), msg, sizeof msg, id.public_key().data()) == 0);

  // The seed determines the pair, and secret_key() carries the public key in its tail.
  Identity again = Identity::from_seed(id.seed());
  CHECK(again.public_key() == id.public_key());
  CHECK(again.secret_key() == id.secret_key());
  CHECK(std::equal(id.public_key().begin(), id.public_key().end(), id.secret_key().begin() + 32));

  CHECK(Identity::generate().peer_id() != pid);
}

TEST_CASE("identity: a fixed seed gives a fixed id (the format is stable)", "[identity]") {
  REQUIRE(sodium_init() >= 0);
  Identity a = Identity::from_seed(seed_of(7));
  Identity b = Identity::from_seed(seed_of(7));
  CHECK(a.peer_id() == b.peer_id());
  CHECK(a.peer_id() != Identity::from_seed(seed_of(8)).peer_id());
  // RFC 8032 test 1: this seed has this public key; the id is BLAKE2b-256 of the key in
  // base32, first 16 characters. Changing either breaks every saved id: do not.
  Seed rfc{};
  REQUIRE(sodium_hex2bin(rfc.data(), rfc.size(), "9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60",
                         64, nullptr, nullptr, nullptr) == 0);
  Identity r = Identity::from_seed(rfc);
  PublicKey expected{};
  REQUIRE(sodium_hex2bin(expected.data(), expected.size(),
                         "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a", 64, nullptr, nullptr,
                         nullptr) == 0);
  CHECK(r.public_key() == expected);
  CHECK(r.peer_id() == "pbe2ymcjnaf6d33w");  // python: blake2b(key, digest_size=32), base32
  CHECK(public_key_text(r.public_key()) == "25njqamcweflpvkl73j4szahhihoc4xt3ktcgjnpaingr5yhkena");
}

TEST_CASE("identity file: round trip and strict parsing", "[identity]") {
  REQUIRE(sodium_init() >= 0);
  Identity id = Identity::from_seed(seed_of(0xab));
  std::string text = encode_identity_file(id);
  std::string hex;
  for (int i = 0; i < 32; ++i) hex += "ab";
  CHECK(text == "p2pd-ed25519-v1\n" + hex + "\n");
  auto back = decode_identity_file(text);
  REQUIRE(back.ok());
  CHECK(back->public_key() == id.public_key());

  CHECK_FALSE(decode_identity_file("").ok());
  CHECK_FALSE(decode_identity_file("garbage\n").ok());
  CHECK_FALSE(decode_identity_file(text.substr(0, text.size() - 1)).ok());  // no newline
  CHECK_FALSE(decode_identity_file(text + "x").ok());                       // trailing bytes
  std::string upper = text;
  upper[20] = 'A';
  CHECK_FALSE(decode_identity_file(upper).ok());
  std::string bad = text;
  bad[30] = 'g';
  auto e = decode_identity_file(bad);
  REQUIRE_FALSE(e.ok());
  CHECK(e.error().message.find("hex") != std::string::npos);
  CHECK_FALSE(decode_identity_file(text.substr(0, 40) + "\n").ok());  // short key
}

TEST_CASE("identity in the state dir: created 0600 once, then loaded", "[identity]") {
  REQUIRE(sodium_init() >= 0);
  TempDir dir;
  auto first = load_or_create_identity(dir.path);
  REQUIRE(first.ok());
  const std::string path = dir.path + "/identity.key";
  struct stat st{};
  REQUIRE(::stat(path.c_str(), &st) == 0);
  CHECK((st.st_mode & 0777) == 0600);
  CHECK(st.st_nlink == 1);  // the temporary name is gone
  std::size_t entries = 0;
  for ([[maybe_unused]] const auto& e : std::filesystem::directory_iterator(dir.path)) ++entries;
  CHECK(entries == 1);

  auto second = load_or_create_identity(dir.path);
  REQUIRE(second.ok());
  CHECK(second->peer_id() == first->peer_id());
  CHECK(second->secret_key() == first->secret_key());
}

TEST_CASE("identity in the state dir: a corrupt file is an error and is kept", "[identity]") {
  REQUIRE(sodium_init() >= 0);
  TempDir dir;
  const std::string path = dir.path + "/identity.key";
  spit(path, "p2pd-ed25519-v1\nnot hex at all\n");
  auto r = load_or_create_identity(dir.path);
  REQUIRE_FALSE(r.ok());
  CHECK(r.error().message.find(path) != std::string::npos);
  CHECK(slurp(path) == "p2pd-ed25519-v1\nnot hex at all\n");

  spit(path, "");
  CHECK_FALSE(load_or_create_identity(dir.path).ok());
  CHECK(slurp(path).empty());

  spit(path, std::string(10000, 'x'));
  auto big = load_or_create_identity(dir.path);
  REQUIRE_FALSE(big.ok());
  CHECK(big.error().message.find("too large") != std::string::npos);
}

TEST_CASE("identity in the state dir: a stale temporary file does not matter", "[identity]") {
  REQUIRE(sodium_init() >= 0);
  TempDir dir;
  spit(dir.path + "/identity.key.tmp." + std::to_string(::getpid()), "half written");
  auto r = load_or_create_identity(dir.path);
  REQUIRE(r.ok());
  CHECK(load_or_create_identity(dir.path)->peer_id() == r->peer_id());
  CHECK_FALSE(std::filesystem::exists(dir.path + "/identity.key.tmp." + std::to_string(::getpid())));
}

TEST_CASE("identity in the state dir: an unreadable file or directory is an error", "[identity]") {
  REQUIRE(sodium_init() >= 0);
  TempDir dir;
  const std::string path = dir.path + "/identity.key";
  REQUIRE(load_or_create_identity(dir.path).ok());
  if (::geteuid() != 0) {  // root reads any file
    ::chmod(path.c_str(), 0);
    auto r = load_or_create_identity(dir.path);
    REQUIRE_FALSE(r.ok());
    CHECK(r.error().message.find("cannot read") != std::string::npos);
    ::chmod(path.c_str(), 0600);
  }
  // A directory where the file should be: read fails, nothing is replaced.
  TempDir other;
  std::filesystem::create_directory(other.path + "/identity.key");
  CHECK_FALSE(load_or_create_identity(other.path).ok());
  CHECK(std::filesystem::is_directory(other.path + "/identity.key"));
  // A directory that does not exist: creation fails with a clear error.
  auto r = load_or_create_identity(dir.path + "/missing");
  REQUIRE_FALSE(r.ok());
  CHECK(r.error().message.find("identity.key") != std::string::npos);
}
