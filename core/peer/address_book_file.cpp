// The text of <state>/peers.json (encode_book / decode_book in address_book.hpp).
#include <nlohmann/json.hpp>
#include <set>

#include "core/peer/address_book.hpp"

namespace p2pd::peer {

namespace {

using nlohmann::json;

Error malformed(std::string what) { return Error{"malformed", std::move(what)}; }

Result<BookEntry> decode_entry(const json& j, std::size_t index) {
  const std::string where = "peers[" + std::to_string(index) + "]";
  if (!j.is_object()) return malformed(where + " is not an object");
  for (const auto& [key, value] : j.items())
    if (key != "name" && key != "address" && key != "updated_at") return malformed(where + ": unknown key \"" + key + "\"");
  auto name = j.find("name");
  auto address = j.find("address");
  auto updated = j.find("updated_at");
  if (name == j.end() || !name->is_string()) return malformed(where + ": \"name\" must be a string");
  if (address == j.end() || !address->is_string()) return malformed(where + ": \"address\" must be a string");
  if (updated == j.end() || !updated->is_number_integer())
    return malformed(where + ": \"updated_at\" must be an integer (unix seconds)");
  BookEntry e;
  e.name = name->get<std::string>();
  if (auto st = check_book_name(e.name); !st) return malformed(where + ": " + st.error().message);
  auto parsed = proto::peer::parse(address->get<std::string>());
  if (!parsed) return malformed(where + " (\"" + e.name + "\"): " + parsed.error().message);
  e.address = proto::peer::serialize(*parsed);
  e.parsed = std::move(*parsed);
  e.updated_at = updated->get<std::int64_t>();
  return e;
}

}  // namespace

std::string encode_book(const std::vector<BookEntry>& entries) {
  json peers = json::array();
  for (const auto& e : entries) peers.push_back({{"name", e.name}, {"address", e.address}, {"updated_at", e.updated_at}});
  return json{{"version", 1}, {"peers", std::move(peers)}}.dump(1) + "\n";
}

Result<std::vector<BookEntry>> decode_book(std::string_view text) {
  json j = json::parse(text, nullptr, false);
  if (j.is_discarded() || !j.is_object()) return malformed("not a JSON object");
  for (const auto& [key, value] : j.items())
    if (key != "version" && key != "peers") return malformed("unknown key \"" + key + "\"");
  auto version = j.find("version");
  if (version == j.end() || *version != 1) return malformed("\"version\" must be 1");
  auto peers = j.find("peers");
  if (peers == j.end() || !peers->is_array()) return malformed("\"peers\" must be an array");
  if (peers->size() > kMaxBookEntries)
    return malformed("more than " + std::to_string(kMaxBookEntries) + " peers");
  std::vector<BookEntry> out;
  std::set<std::string, std::less<>> seen;
  for (std::size_t i = 0; i < peers->size(); ++i) {
    auto e = decode_entry((*peers)[i], i);
    if (!e) return e.error();
    if (!seen.insert(e->name).second) return malformed("peers[" + std::to_string(i) + "]: \"" + e->name + "\" appears twice");
    out.push_back(std::move(*e));
  }
  return out;
}

}  // namespace p2pd::peer
