#pragma once
// A NAT-PMP client (RFC 6886) for one gateway, over the loop's UDP sockets: map() asks
// for the external address, then for the UDP or TCP mapping (the same request renews);
// unmap() sends lifetime 0. Errors as in mapping.hpp; a PCP-only gateway (answering in
// version 2) gives "unsupported" at once. Loop thread only; callbacks never run inside
// a call.
#include "core/portmap/udp_mapper.hpp"

namespace p2pd::portmap {

class NatPmpMapper : public UdpMapper {
 public:
  using UdpMapper::UdpMapper;

  void map(const MapRequest& request, Done done);
  void unmap(const Mapping& mapping, StatusDone done);

 private:
  void request_mapping(const MapRequest& request, net::IpAddress external, Done done);
};

}  // namespace p2pd::portmap
