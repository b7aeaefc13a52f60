#pragma once
// A NAT-PMP client (RFC 6886) for one gateway, over the loop's UDP sockets: map() asks
// for the external address, then for the UDP or TCP mapping (the same request renews);
// unmap() sends lifetime 0. Errors as in mapping.hpp; a PCP-only gateway (answering in
// version 2) gives "unsupported" at once. Loop thread only; callbacks never run inside
// a call.
#include <functional>

#include "core/loop/loop.hpp"
#include "core/portmap/gateway.hpp"
#include "core/portmap/mapping.hpp"
#include "core/portmap/retransmit.hpp"
#include "core/portmap/udp_exchange.hpp"

namespace p2pd::portmap {

class NatPmpMapper {
 public:
  using Done = std::function<void(Result<Mapping>)>;
  using StatusDone = std::function<void(Status)>;

  NatPmpMapper(loop::Loop& loop, Gateway gateway, Schedule schedule);

  void map(const MapRequest& request, Done done);
  void unmap(const Mapping& mapping, StatusDone done);

  const Gateway& gateway() const { return gateway_; }
  std::size_t pending() const { return exchanges_.size(); }
  void cancel_all() { exchanges_.cancel_all(); }

 private:
  void request_mapping(const MapRequest& request, net::IpAddress external, Done done);

  Gateway gateway_;
  Schedule schedule_;
  ExchangeSet exchanges_;
};

}  // namespace p2pd::portmap
