#pragma once
// A PCP client (RFC 6887) for MAP requests to one gateway, over the loop's UDP sockets:
// map() creates or renews a mapping (the same nonce renews), unmap() deletes it
// (lifetime 0). Errors as in mapping.hpp; a gateway that answers in NAT-PMP (version 0)
// gives "unsupported" at once. Loop thread only; callbacks never run inside a call.
#include <functional>

#include "core/loop/loop.hpp"
#include "core/portmap/gateway.hpp"
#include "core/portmap/mapping.hpp"
#include "core/portmap/retransmit.hpp"
#include "core/portmap/udp_exchange.hpp"

namespace p2pd::portmap {

class PcpMapper {
 public:
  using Done = std::function<void(Result<Mapping>)>;
  using StatusDone = std::function<void(Status)>;

  PcpMapper(loop::Loop& loop, Gateway gateway, Schedule schedule);

  void map(const MapRequest& request, Done done);
  void unmap(const Mapping& mapping, StatusDone done);

  const Gateway& gateway() const { return gateway_; }
  std::size_t pending() const { return exchanges_.size(); }
  void cancel_all() { exchanges_.cancel_all(); }

 private:
  Gateway gateway_;
  Schedule schedule_;
  ExchangeSet exchanges_;
};

}  // namespace p2pd::portmap
