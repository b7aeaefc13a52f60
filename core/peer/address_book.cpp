#include "core/peer/address_book.hpp"

#include "core/pipe/names.hpp"

namespace p2pd::peer {

Status check_book_name(std::string_view name) {
  if (!pipe::valid_name(name))
    return Error{"bad_request", "a peer name must match [A-Za-z0-9_.-]{1,64}: \"" + std::string(name.substr(0, 80)) + "\""};
  if (name == "self") return Error{"bad_request", "\"self\" is reserved (it means this daemon)"};
  if (proto::peer::looks_like_address(name))
    return Error{"bad_request", "a peer name must not be spelled like a peer address: \"" + std::string(name) + "\""};
  return {};
}

AddressBook::AddressBook(Persist persist) : persist_(std::move(persist)) {}

Status AddressBook::load(std::string_view file_text) {
  auto entries = decode_book(file_text);
  if (!entries) return entries.error();
  std::lock_guard lock(mu_);
  entries_.clear();
  for (auto& e : *entries) {
    std::string name = e.name;
    entries_.emplace(std::move(name), std::move(e));
  }
  return {};
}

std::vector<BookEntry> AddressBook::list() const {
  std::lock_guard lock(mu_);
  std::vector<BookEntry> out;
  out.reserve(entries_.size());
  for (const auto& [name, e] : entries_) out.push_back(e);
  return out;
}

std::optional<BookEntry> AddressBook::get(std::string_view name) const {
  std::lock_guard lock(mu_);
  auto it = entries_.find(name);
  if (it == entries_.end()) return std::nullopt;
  return it->second;
}

std::size_t AddressBook::size() const {
  std::lock_guard lock(mu_);
  return entries_.size();
}

// Called with mu_ held: writes `next`, then makes it the book.
Status AddressBook::commit(std::map<std::string, BookEntry, std::less<>> next) {
  if (persist_) {
    std::vector<BookEntry> all;
    all.reserve(next.size());
    for (const auto& [name, e] : next) all.push_back(e);
    auto st = persist_(encode_book(all));
    if (!st) return Error{"io", "the address book was not saved: " + st.error().message};
  }
  entries_ = std::move(next);
  return {};
}

Result<bool> AddressBook::put(std::string_view name, std::string_view address, std::int64_t now_unix_s) {
  if (auto st = check_book_name(name); !st) return st.error();
  auto parsed = proto::peer::parse(address);
  if (!parsed) return Error{"bad_request", parsed.error().message};
  BookEntry entry{std::string(name), proto::peer::serialize(*parsed), std::move(*parsed), now_unix_s};
  std::lock_guard lock(mu_);
  const bool fresh = entries_.find(name) == entries_.end();
  if (fresh && entries_.size() >= kMaxBookEntries)
    return Error{"conflict", "the address book is full (" + std::to_string(kMaxBookEntries) + " peers)"};
  auto next = entries_;
  next.insert_or_assign(std::string(name), std::move(entry));
  if (auto st = commit(std::move(next)); !st) return st.error();
  return fresh;
}

Result<AddressBook::Refreshed> AddressBook::replace_address(std::string_view name, const proto::peer::Key& key,
                                                            std::string_view address, std::int64_t now_unix_s) {
  auto parsed = proto::peer::parse(address);
  if (!parsed) return Error{"bad_request", parsed.error().message};
  if (parsed->key != key) return Error{"bad_request", "the refreshed address is another peer's"};
  std::lock_guard lock(mu_);
  auto it = entries_.find(name);
  if (it == entries_.end())
    return Error{"not_found", "no peer named \"" + std::string(name) + "\" in the address book (removed meanwhile?)"};
  if (it->second.parsed.key != key)
    return Error{"conflict", "\"" + std::string(name) + "\" was given another peer's address meanwhile; not refreshed"};
  std::string text = proto::peer::serialize(*parsed);
  if (text == it->second.address) return Refreshed{it->second, false};
  BookEntry entry{std::string(name), std::move(text), std::move(*parsed), now_unix_s};
  auto next = entries_;
  next.insert_or_assign(std::string(name), entry);
  if (auto st = commit(std::move(next)); !st) return st.error();
  return Refreshed{std::move(entry), true};
}

Status AddressBook::remove(std::string_view name) {
  std::lock_guard lock(mu_);
  auto it = entries_.find(name);
  if (it == entries_.end()) return Error{"not_found", "no peer named \"" + std::string(name) + "\" in the address book"};
  auto next = entries_;
  next.erase(std::string(name));
  return commit(std::move(next));
}

Result<proto::peer::PeerAddress> AddressBook::resolve(std::string_view address_or_name) const {
  if (proto::peer::looks_like_address(address_or_name)) return proto::peer::parse(address_or_name);
  if (!pipe::valid_name(address_or_name))
    return Error{"bad_request", "neither a peer address nor an address-book name: \"" +
                                    std::string(address_or_name.substr(0, 80)) + "\""};
  auto e = get(address_or_name);
  if (!e) return Error{"not_found", "no peer named \"" + std::string(address_or_name) + "\" in the address book"};
  return e->parsed;
}

}  // namespace p2pd::peer
