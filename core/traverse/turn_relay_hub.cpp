#include "core/traverse/turn_relay_hub.hpp"

#include <algorithm>

namespace p2pd::traverse::turn {

std::uint64_t RelayHub::attach(std::optional<net::Endpoint> only, Receiver receiver, EndFn on_end) {
  const std::uint64_t token = next_token_++;
  users_.push_back(User{token, only, std::move(receiver), std::move(on_end), false});
  return token;
}

void RelayHub::detach(std::uint64_t token) {
  for (auto& u : users_)
    if (u.token == token) u.detached = true;
  compact();
}

void RelayHub::compact() {
  if (delivering_ > 0) return;
  std::erase_if(users_, [](const User& u) { return u.detached; });
}

std::size_t RelayHub::users() const {
  return static_cast<std::size_t>(std::count_if(users_.begin(), users_.end(), [](const User& u) { return !u.detached; }));
}

bool RelayHub::deliver(const net::Endpoint& from, std::span<const std::uint8_t> data) {
  // A peer's own user first, else the first general one.
  std::optional<std::size_t> target;
  for (std::size_t i = 0; i < users_.size(); ++i) {
    const User& u = users_[i];
    if (u.detached) continue;
    if (u.only && *u.only == from) {
      target = i;
      break;
    }
    if (!u.only && !target) target = i;
  }
  if (!target) return false;
  ++delivering_;
  Receiver receiver = users_[*target].receiver;  // small (a pointer): the vector may change under the call
  receiver(from, data);
  --delivering_;
  compact();
  return true;
}

void RelayHub::end(Status why) {
  if (ended_) return;
  ended_ = true;
  client_ = nullptr;
  auto users = std::move(users_);
  users_.clear();
  for (auto& u : users)
    if (!u.detached && u.on_end) u.on_end(why);
}

}  // namespace p2pd::traverse::turn
