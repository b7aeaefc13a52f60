#pragma once
// What the PCP and NAT-PMP clients share: one gateway, the retransmission schedule and
// the UDP exchanges in flight; and how an exchange that got no answer is reported.
// Loop thread only.
#include <functional>
#include <string_view>

#include "core/loop/loop.hpp"
#include "core/portmap/gateway.hpp"
#include "core/portmap/mapping.hpp"
#include "core/portmap/retransmit.hpp"
#include "core/portmap/udp_exchange.hpp"

namespace p2pd::portmap {

// An exchange's error with the protocol's name in front of a timeout's or an ICMP
// error's message.
inline Error exchange_error(Error e, std::string_view protocol) {
  if (e.code == "timeout" || e.code == "refused" || e.code == "unreachable")
    e.message = std::string(protocol) + ": " + e.message;
  return e;
}

class UdpMapper {
 public:
  using Done = std::function<void(Result<Mapping>)>;
  using StatusDone = std::function<void(Status)>;

  UdpMapper(loop::Loop& loop, Gateway gateway, Schedule schedule)
      : gateway_(std::move(gateway)), schedule_(schedule), exchanges_(loop) {}

  const Gateway& gateway() const { return gateway_; }
  std::size_t pending() const { return exchanges_.size(); }
  void cancel_all() { exchanges_.cancel_all(); }

 protected:
  Gateway gateway_;
  Schedule schedule_;
  ExchangeSet exchanges_;
};

}  // namespace p2pd::portmap
