#pragma once
// The ngtcp2 callback table of a Session (session_callbacks.cpp).
#include <ngtcp2/ngtcp2.h>

namespace p2pd::peer::quic {

class Session;

struct SessionCallbacks {
  static ngtcp2_callbacks table(bool server);
  // The handshake is confirmed: application data may flow (once per session).
  static void confirm(Session& s);
};

}  // namespace p2pd::peer::quic
