// Address records: our signed peer address kept retained on our address topic, and the
// newest valid record of another key fetched from the brokers.
#include <spdlog/spdlog.h>

#include "core/proto/peer_address.hpp"
#include "core/signal/sealer.hpp"
#include "core/signal/signaling_detail.hpp"
#include "core/signal/topics.hpp"

namespace p2pd::signaling {

void Signaling::set_address(const std::string& address) {
  if (address == address_) return;
  proto::signaling::AddressRecord rec;
  rec.key = public_key();
  rec.timestamp_ms = now_wall();
  rec.address = address;
  rec.signature = sign_bytes(proto::signaling::record_signed_bytes(rec), options_.keys);
  auto bytes = proto::signaling::serialize_record(rec);
  if (bytes.empty()) {
    spdlog::warn("signaling: our address cannot be published (empty, too long or not printable)");
    return;
  }
  address_ = address;
  address_record_ = std::move(bytes);
  for (auto& c : connections_)
    if (c->mqtt->connected()) publish_address_on(*c);
}

void Signaling::publish_address_on(Connection& c) {
  if (address_record_.empty()) return;
  if (auto st = c.mqtt->publish(address_topic(public_key()), address_record_, 1, true); !st)
    spdlog::warn("signaling: publishing our address on {}: {}", c.broker, st.error().message);
}

void Signaling::fetch_address(const PublicKey& key, std::chrono::milliseconds timeout, AddressDone done) {
  auto it = fetches_.find(key);
  if (it != fetches_.end()) {
    it->second->waiters.push_back(std::move(done));
    return;
  }
  auto f = std::make_unique<Fetch>(loop_);
  f->waiters.push_back(std::move(done));
  Fetch& ref = *f;
  fetches_.emplace(key, std::move(f));
  if (stopped_ || connected_count() == 0) {
    Error e = stopped_ ? Error{"shutting_down", "signaling stopped"}
                       : Error{"unreachable", "no signaling broker is connected"};
    ref.deadline.start(0, 0, [this, key, e] {
      auto it = fetches_.find(key);
      if (it == fetches_.end()) return;
      auto waiters = std::move(it->second->waiters);
      fetches_.erase(it);
      for (auto& w : waiters) w(e);
    });
    return;
  }
  for (auto& c : connections_)
    if (c->mqtt->connected()) (void)c->mqtt->subscribe(address_topic(key), 1);
  ref.deadline.start(static_cast<std::uint64_t>(timeout.count()), 0, [this, key] { finish_fetch(key); });
}

void Signaling::on_address_record(const PublicKey& key, std::span<const std::uint8_t> payload) {
  auto it = fetches_.find(key);
  if (it == fetches_.end()) return;  // nobody asked (or asked and got it already)
  auto rec = proto::signaling::parse_record(payload);
  if (!rec || rec->key != key ||
      !verify_bytes(proto::signaling::record_signed_bytes(*rec), rec->signature, key)) {
    counters_->bad_signature.inc();
    return;
  }
  if (rec->timestamp_ms > now_wall() + options_.window_ms) {
    counters_->future.inc();
    return;
  }
  auto parsed = proto::peer::parse(rec->address);
  if (!parsed || parsed->key != key) {
    counters_->malformed.inc();
    return;
  }
  Fetch& f = *it->second;
  if (f.best_ms && *f.best_ms >= rec->timestamp_ms) return;
  f.best_ms = rec->timestamp_ms;
  f.best = proto::peer::serialize(*parsed);
  if (!f.grace.active()) f.grace.start(options_.address_grace_ms, 0, [this, key] { finish_fetch(key); });
}

void Signaling::finish_fetch(const PublicKey& key) {
  auto it = fetches_.find(key);
  if (it == fetches_.end()) return;
  auto f = std::move(it->second);
  fetches_.erase(it);
  for (auto& c : connections_)
    if (c->mqtt->connected()) (void)c->mqtt->unsubscribe(address_topic(key));
  Result<std::string> r = f->best_ms ? Result<std::string>(f->best)
                                     : Result<std::string>(Error{"not_found", "no address record for this key"});
  for (auto& w : f->waiters) w(r);
}

}  // namespace p2pd::signaling
