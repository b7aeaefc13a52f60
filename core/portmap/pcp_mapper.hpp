#pragma once
// A PCP client (RFC 6887) for MAP requests to one gateway, over the loop's UDP sockets:
// map() creates or renews a mapping (the same nonce renews), unmap() deletes it
// (lifetime 0). Errors as in mapping.hpp; a gateway that answers in NAT-PMP (version 0)
// gives "unsupported" at once. Loop thread only; callbacks never run inside a call.
#include "core/portmap/udp_mapper.hpp"

namespace p2pd::portmap {

class PcpMapper : public UdpMapper {
 public:
  using UdpMapper::UdpMapper;

  void map(const MapRequest& request, Done done);
  void unmap(const Mapping& mapping, StatusDone done);
};

}  // namespace p2pd::portmap
