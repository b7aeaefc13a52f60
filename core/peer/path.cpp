#include "core/peer/path.hpp"

namespace p2pd::peer {

const char* path_kind_name(PathKind kind) {
  switch (kind) {
    case PathKind::udp: return "udp";
    case PathKind::tcp: return "tcp";
    case PathKind::turn: return "turn";
  }
  return "?";
}

std::string Path::describe() const {
  return std::string(path_kind_name(kind())) + " " + local_endpoint().to_string() + " -> " +
         remote_endpoint().to_string();
}

}  // namespace p2pd::peer
