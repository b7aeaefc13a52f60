#pragma once
// The address book: names people choose for peer addresses (docs/API.md, "Address
// book"), kept in <state>/peers.json. Usable from any thread (one mutex; the HTTP
// threads call it directly). A change is persisted before it takes effect: when the
// write fails, the book is unchanged and the caller gets the error. The persist
// function blocks on the disk, so loop-thread code reads the book (get, resolve) but
// does not change it.
#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/proto/peer_address.hpp"
#include "core/result.hpp"

namespace p2pd::peer {

inline constexpr std::size_t kMaxBookEntries = 1024;

struct BookEntry {
  std::string name;
  std::string address;           // canonical peer address text
  proto::peer::PeerAddress parsed;
  std::int64_t updated_at = 0;   // unix seconds of the last PUT
};

// A name the book accepts: [A-Za-z0-9_.-]{1,64}, not "self", not spelled like an
// address (so "name or address" arguments are never ambiguous). Errors are bad_request.
Status check_book_name(std::string_view name);

class AddressBook {
 public:
  // Receives the whole file text of the book after a change; empty: nothing persisted.
  using Persist = std::function<Status(const std::string& file_text)>;
  explicit AddressBook(Persist persist = {});

  // Replaces the contents with a saved file's text (decode_book). Nothing is persisted.
  Status load(std::string_view file_text);

  std::vector<BookEntry> list() const;  // by name
  std::optional<BookEntry> get(std::string_view name) const;
  std::size_t size() const;

  // Adds or replaces `name`. True when it was new. Errors: bad_request (name or
  // address), conflict (book full), io (the write failed).
  Result<bool> put(std::string_view name, std::string_view address, std::int64_t now_unix_s);
  // not_found when absent, io when the write failed.
  Status remove(std::string_view name);

  // What a refresh found: the entry as it is now, and whether its address changed.
  struct Refreshed {
    BookEntry entry;
    bool changed = false;
  };
  // A refresh's write: replaces the address of the entry `name` only if it still exists
  // and still names `key`, checked under the same lock as the write. A refresh that
  // waited on the brokers therefore never re-creates a name removed meanwhile, nor
  // overwrites an entry that a PUT gave to another peer. An unchanged address writes
  // nothing. Errors: not_found (the name is gone), conflict (it names another key now),
  // bad_request (the address does not parse or is not `key`'s), io.
  Result<Refreshed> replace_address(std::string_view name, const proto::peer::Key& key, std::string_view address,
                                    std::int64_t now_unix_s);

  // What every "peer address or book name" argument goes through: text spelled like an
  // address is parsed; anything else is looked up. Errors: bad_address, bad_request
  // (neither an address nor a valid name), not_found (no such name).
  Result<proto::peer::PeerAddress> resolve(std::string_view address_or_name) const;

 private:
  Status commit(std::map<std::string, BookEntry, std::less<>> next);

  Persist persist_;
  mutable std::mutex mu_;
  std::map<std::string, BookEntry, std::less<>> entries_;
};

// The file text: {"version":1,"peers":[{"name":..,"address":..,"updated_at":N},...]}.
std::string encode_book(const std::vector<BookEntry>& entries);
// Strict: unknown keys, a bad or duplicate name, an address that does not parse or more
// than kMaxBookEntries entries are errors (code "malformed") naming the entry.
Result<std::vector<BookEntry>> decode_book(std::string_view text);

}  // namespace p2pd::peer
