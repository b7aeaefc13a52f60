#pragma once
// The ngtcp2 callback table of a Session (session_callbacks.cpp).
#include <ngtcp2/ngtcp2.h>

namespace p2pd::peer::quic {

struct SessionCallbacks {
  static ngtcp2_callbacks table(bool server);
};

}  // namespace p2pd::peer::quic
