#pragma once
// A TLS client session over memory buffers: no socket, no loop. Ciphertext from the
// server goes in through feed(); ciphertext to send comes out of take_output() after
// each call (GnuTLS push/pull functions on two byte buffers). tls_stream.hpp puts it
// on a TCP connection; unit tests wire it to a GnuTLS server in memory.
//
// The server's certificate must chain to `trust` and match `server_name`: a DNS name
// (also sent as SNI) or an IP address (checked against the certificate's IP address
// SANs; no SNI).
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "core/result.hpp"
#include "core/tls/tls_trust.hpp"

namespace p2pd::tls {

struct ClientOptions {
  std::shared_ptr<const Trust> trust;
  std::string server_name;
};

class TlsClient {
 public:
  enum class State { idle, handshaking, open, closed, failed };

  // Errors: tls_error (a session could not be made), bad_request (no trust, no name).
  static Result<std::unique_ptr<TlsClient>> create(ClientOptions options);
  ~TlsClient();
  TlsClient(const TlsClient&) = delete;
  TlsClient& operator=(const TlsClient&) = delete;

  // Begins the handshake (the ClientHello is then in take_output()).
  Status start();
  // Ciphertext from the server: advances the handshake, and returns the plaintext it
  // carried (everything decryptable now). Errors (the session is then failed):
  // tls_cert, tls_handshake during the handshake; tls_error after it.
  Result<std::vector<std::uint8_t>> feed(std::span<const std::uint8_t> ciphertext);
  // Plaintext to the server (open sessions only): its records go to take_output().
  Status write(std::span<const std::uint8_t> plaintext);
  // Sends close_notify (best effort) and ends the session.
  void bye();
  // Ciphertext produced since the last call.
  std::vector<std::uint8_t> take_output();

  State state() const { return state_; }
  bool is_open() const { return state_ == State::open; }
  // The server sent close_notify (the state is then closed).
  bool peer_closed() const { return peer_closed_; }
  const std::string& server_name() const { return options_.server_name; }
  std::string protocol() const;  // "TLS1.3" once open

 private:
  struct Session;
  explicit TlsClient(ClientOptions options);
  Status continue_handshake();
  Status drain(std::vector<std::uint8_t>& plain);
  Status fail(Error e);

  ClientOptions options_;
  std::unique_ptr<Session> session_;
  State state_ = State::idle;
  bool peer_closed_ = false;
};

}  // namespace p2pd::tls
