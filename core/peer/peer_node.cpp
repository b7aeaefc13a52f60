#include "core/peer/peer_node.hpp"

#include <spdlog/spdlog.h>

#include "core/peer/own_address.hpp"

namespace p2pd::peer {

quic::KeyPair quic_key_pair(const Identity& identity) {
  quic::KeyPair kp;
  kp.public_key = identity.public_key();
  kp.secret_key = identity.secret_key();
  return kp;
}

PeerNode::PeerNode(loop::Loop& loop, const Identity& identity, const net::InterfaceService* interfaces,
                   const traverse::NatService* nat, observe::StatusBoard* status)
    : loop_(loop), identity_(identity), interfaces_(interfaces), nat_(nat), status_(status) {}

Status PeerNode::start(PeerServiceOptions options, PeerService::IncomingFn on_incoming) {
  auto fail = [&](Error e) -> Status {
    spdlog::error("peer: {}", e.message);
    if (status_) status_->set("peers", observe::Readiness::degraded, "no peer connections: " + e.message, loop_.now_ms());
    return e;
  };
  auto credentials = quic::Credentials::create(quic_key_pair(identity_));
  if (!credentials) return fail(credentials.error());
  options.session.credentials = *credentials;
  const std::uint16_t port = options.port;
  auto svc = PeerService::start(loop_, std::move(options), std::move(on_incoming));
  if (!svc) return fail(Error{svc.error().code, "node port " + std::to_string(port) + ": " + svc.error().message});
  service_ = std::move(*svc);
  if (status_)
    status_->set("peers", observe::Readiness::ready,
                 "listening on node port " + std::to_string(service_->port()) + " (udp+tcp)", loop_.now_ms());
  return {};
}

void PeerNode::stop() {
  if (!service_) return;
  service_.reset();
  if (status_) status_->set("peers", observe::Readiness::off, "stopped", loop_.now_ms());
}

Result<proto::peer::PeerAddress> PeerNode::own_address() const {
  if (!service_) return Error{"unavailable", "the node port is not bound (see \"peers\" in /v1/status)"};
  static const net::Snapshot kNone;
  static const std::vector<traverse::NatResult> kNoNat;
  return peer::own_address(identity_.public_key(), {service_->port()}, interfaces_ ? interfaces_->snapshot() : kNone,
                           signaling_, nat_ ? nat_->results() : kNoNat);
}

}  // namespace p2pd::peer
