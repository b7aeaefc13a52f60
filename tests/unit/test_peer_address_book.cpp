#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>
#include <string>

#include "core/peer/address_book.hpp"

using namespace p2pd;
using namespace p2pd::peer;

namespace {

// A valid address whose key is `fill` repeated and node port `port`.
std::string address_text(std::uint8_t fill, std::uint16_t port = 40123) {
  proto::peer::PeerAddress a;
  a.key.fill(fill);
  a.ports = {port};
  proto::peer::Group g;
  g.ifindex = 2;
  g.family = proto::peer::Family::v4;
  g.nics = {*proto::peer::Ip::parse("192.168.1.20")};
  a.groups = {g};
  REQUIRE(proto::peer::validate(a).ok());
  return proto::peer::serialize(a);
}

struct Disk {
  std::string text;
  int writes = 0;
  bool fail = false;
  AddressBook::Persist fn() {
    return [this](const std::string& t) -> Status {
      if (fail) return Error{"io", "disk full"};
      text = t;
      ++writes;
      return {};
    };
  }
};

}  // namespace

TEST_CASE("address book: names", "[address_book]") {
  CHECK(check_book_name("alice").ok());
  CHECK(check_book_name("a.b-c_D9").ok());
  CHECK(check_book_name(std::string(64, 'x')).ok());
  CHECK_FALSE(check_book_name("").ok());
  CHECK_FALSE(check_book_name(std::string(65, 'x')).ok());
  CHECK_FALSE(check_book_name("a b").ok());
  CHECK_FALSE(check_book_name("a/b").ok());
  CHECK_FALSE(check_book_name("self").ok());
  auto e = check_book_name("p2pd1_abc");
  REQUIRE_FALSE(e.ok());
  CHECK(e.error().code == "bad_request");
  CHECK(e.error().message.find("spelled like a peer address") != std::string::npos);
}

TEST_CASE("address book: put, get, replace, remove, persisted each time", "[address_book]") {
  Disk disk;
  AddressBook book(disk.fn());
  const std::string a1 = address_text(1), a2 = address_text(2);

  auto r = book.put("alice", a1, 100);
  REQUIRE(r.ok());
  CHECK(*r);  // new
  CHECK(disk.writes == 1);
  auto got = book.get("alice");
  REQUIRE(got);
  CHECK(got->address == a1);
  CHECK(got->updated_at == 100);
  CHECK(got->parsed.ports == std::vector<std::uint16_t>{40123});

  r = book.put("alice", a2, 200);
  REQUIRE(r.ok());
  CHECK_FALSE(*r);  // replaced
  CHECK(book.get("alice")->address == a2);
  REQUIRE(book.put("bob", a1, 300).ok());
  CHECK(book.size() == 2);
  CHECK(disk.writes == 3);

  // The file text is what load() reads back.
  AddressBook reloaded;
  REQUIRE(reloaded.load(disk.text).ok());
  auto all = reloaded.list();
  REQUIRE(all.size() == 2);
  CHECK(all[0].name == "alice");
  CHECK(all[0].address == a2);
  CHECK(all[0].updated_at == 200);
  CHECK(all[1].name == "bob");

  REQUIRE(book.remove("alice").ok());
  CHECK_FALSE(book.get("alice"));
  CHECK(disk.writes == 4);
  auto gone = book.remove("alice");
  REQUIRE_FALSE(gone.ok());
  CHECK(gone.error().code == "not_found");
  CHECK(disk.writes == 4);
}

TEST_CASE("address book: bad input changes nothing", "[address_book]") {
  Disk disk;
  AddressBook book(disk.fn());
  auto bad = book.put("alice", "p2pd1_nonsense", 1);
  REQUIRE_FALSE(bad.ok());
  CHECK(bad.error().code == "bad_request");
  CHECK_FALSE(book.put("alice", "", 1).ok());
  CHECK_FALSE(book.put("bad name", address_text(1), 1).ok());
  CHECK_FALSE(book.put("self", address_text(1), 1).ok());
  CHECK(book.size() == 0);
  CHECK(disk.writes == 0);
}

TEST_CASE("address book: a failed write leaves the book as it was", "[address_book]") {
  Disk disk;
  AddressBook book(disk.fn());
  REQUIRE(book.put("alice", address_text(1), 1).ok());
  disk.fail = true;
  auto r = book.put("alice", address_text(2), 2);
  REQUIRE_FALSE(r.ok());
  CHECK(r.error().code == "io");
  CHECK(r.error().message.find("disk full") != std::string::npos);
  CHECK(book.get("alice")->address == address_text(1));
  CHECK_FALSE(book.put("bob", address_text(2), 2).ok());
  CHECK_FALSE(book.get("bob"));
  CHECK_FALSE(book.remove("alice").ok());
  CHECK(book.get("alice"));
}

TEST_CASE("address book: full at kMaxBookEntries", "[address_book]") {
  AddressBook book;
  for (std::size_t i = 0; i < kMaxBookEntries; ++i) REQUIRE(book.put("p" + std::to_string(i), address_text(1), 1).ok());
  auto r = book.put("one-more", address_text(1), 1);
  REQUIRE_FALSE(r.ok());
  CHECK(r.error().code == "conflict");
  CHECK(book.put("p0", address_text(2), 2).ok());  // replacing is still fine
}

TEST_CASE("address book: resolve takes an address or a name", "[address_book]") {
  AddressBook book;
  const std::string a1 = address_text(1), a2 = address_text(2, 5000);
  REQUIRE(book.put("alice", a1, 1).ok());
  auto by_name = book.resolve("alice");
  REQUIRE(by_name.ok());
  CHECK(proto::peer::serialize(*by_name) == a1);
  auto by_address = book.resolve(a2);
  REQUIRE(by_address.ok());
  CHECK(by_address->ports == std::vector<std::uint16_t>{5000});
  auto missing = book.resolve("carol");
  REQUIRE_FALSE(missing.ok());
  CHECK(missing.error().code == "not_found");
  auto broken = book.resolve("p2pd1_broken");
  REQUIRE_FALSE(broken.ok());
  CHECK(broken.error().code == "bad_address");
  CHECK(book.resolve("no such/name").error().code == "bad_request");
}

TEST_CASE("address book file: strict decoding", "[address_book]") {
  const std::string a1 = address_text(1);
  auto entry = [&](const std::string& name) {
    return nlohmann::json{{"name", name}, {"address", a1}, {"updated_at", 5}};
  };
  auto file = [](nlohmann::json peers) { return nlohmann::json{{"version", 1}, {"peers", peers}}.dump(); };

  auto ok = decode_book(file({entry("alice"), entry("bob")}));
  REQUIRE(ok.ok());
  CHECK(ok->size() == 2);
  CHECK(decode_book(file(nlohmann::json::array()))->empty());

  auto message_of = [](const std::string& text) {
    auto r = decode_book(text);
    REQUIRE_FALSE(r.ok());
    CHECK(r.error().code == "malformed");
    return r.error().message;
  };
  CHECK(message_of("") == "not a JSON object");
  CHECK(message_of("[]") == "not a JSON object");
  CHECK(message_of(R"({"version":2,"peers":[]})").find("version") != std::string::npos);
  CHECK(message_of(R"({"version":1,"peers":[],"x":1})").find("unknown key") != std::string::npos);
  CHECK(message_of(R"({"version":1})").find("\"peers\"") != std::string::npos);
  CHECK(message_of(file({entry("alice"), entry("alice")})).find("appears twice") != std::string::npos);
  CHECK(message_of(file({entry("bad name")})).find("peers[0]") != std::string::npos);
  auto bad_address = entry("alice");
  bad_address["address"] = "p2pd1_x";
  CHECK(message_of(file({entry("bob"), bad_address})).find("peers[1] (\"alice\")") != std::string::npos);
  auto extra = entry("alice");
  extra["note"] = "x";
  CHECK(message_of(file({extra})).find("unknown key \"note\"") != std::string::npos);
  auto no_time = entry("alice");
  no_time.erase("updated_at");
  CHECK(message_of(file({no_time})).find("updated_at") != std::string::npos);
}

TEST_CASE("address book: a refresh replaces only the entry it read", "[address_book]") {
  Disk disk;
  AddressBook book(disk.fn());
  proto::peer::Key k1, k2;
  k1.fill(1);
  k2.fill(2);
  REQUIRE(book.put("bob", address_text(1, 1000), 10).ok());
  const int writes = disk.writes;

  // The same address: unchanged, nothing written.
  auto same = book.replace_address("bob", k1, address_text(1, 1000), 20);
  REQUIRE(same.ok());
  CHECK_FALSE(same->changed);
  CHECK(same->entry.updated_at == 10);
  CHECK(disk.writes == writes);

  // A new address of the same key: replaced and persisted.
  auto moved = book.replace_address("bob", k1, address_text(1, 2000), 30);
  REQUIRE(moved.ok());
  CHECK(moved->changed);
  CHECK(moved->entry.address == address_text(1, 2000));
  CHECK(book.get("bob")->address == address_text(1, 2000));
  CHECK(disk.writes == writes + 1);

  // Removed while the refresh waited: the name is not re-created.
  REQUIRE(book.remove("bob").ok());
  auto gone = book.replace_address("bob", k1, address_text(1, 3000), 40);
  REQUIRE_FALSE(gone.ok());
  CHECK(gone.error().code == "not_found");
  CHECK_FALSE(book.get("bob"));
  CHECK(book.size() == 0);

  // Given to another peer meanwhile: left alone.
  REQUIRE(book.put("bob", address_text(2, 1000), 50).ok());
  auto other = book.replace_address("bob", k1, address_text(1, 3000), 60);
  REQUIRE_FALSE(other.ok());
  CHECK(other.error().code == "conflict");
  CHECK(book.get("bob")->address == address_text(2, 1000));

  // An address of another key than the one asked for, or one that does not parse.
  auto wrong = book.replace_address("bob", k2, address_text(1, 3000), 70);
  REQUIRE_FALSE(wrong.ok());
  CHECK(wrong.error().code == "bad_request");
  CHECK(book.replace_address("bob", k2, "p2pd1_nope", 70).error().code == "bad_request");
  CHECK(book.get("bob")->address == address_text(2, 1000));
}
