#pragma once
// The address book's file in the state directory: <state>/peers.json, read once at
// start (before the loop runs) and rewritten atomically (0600) on every change.
#include <string>

#include "core/peer/address_book.hpp"
#include "core/result.hpp"

namespace p2pd::daemon {

// The persist function that writes <state_dir>/peers.json.
peer::AddressBook::Persist book_writer(const std::string& state_dir);

// Loads <state_dir>/peers.json into `book` when it exists. An unreadable or malformed
// file is an error naming the file and the entry; the file is left as it is.
Status load_book_file(const std::string& state_dir, peer::AddressBook& book);

}  // namespace p2pd::daemon
