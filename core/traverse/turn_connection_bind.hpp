#pragma once
// The start of an RFC 6062 data connection: the client opens a new TCP (or TLS)
// connection to the server, sends ConnectionBind with the CONNECTION-ID the server gave
// (after Connect, or in a ConnectionAttempt) signed with the allocation's long-term
// credentials, and reads one STUN response. After a success every byte on that
// connection is the peer's stream, including any that came in the same read as the
// response. No I/O here: the driver writes request() and feeds what it reads.
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "core/proto/turn_messages.hpp"
#include "core/result.hpp"

namespace p2pd::traverse::turn {

class ConnectionBinder {
 public:
  enum class State { waiting, bound, failed };

  ConnectionBinder(std::uint32_t connection_id, const proto::turn::LongTermCredentials& credentials);

  // The ConnectionBind request to write first.
  const std::vector<std::uint8_t>& request() const { return request_; }
  // Bytes read from the connection while waiting. When the state becomes bound,
  // peer_bytes() holds what followed the response.
  State feed(std::span<const std::uint8_t> bytes);
  State state() const { return state_; }
  const std::vector<std::uint8_t>& peer_bytes() const { return peer_bytes_; }
  // After a failure: why ("turn_refused" with the code, "malformed", "bad_answer").
  const std::optional<Error>& error() const { return error_; }
  std::uint16_t error_response_code() const { return code_; }
  const std::optional<std::string>& new_nonce() const { return nonce_; }  // from a 438

 private:
  std::vector<std::uint8_t> key_;
  proto::stun::TransactionId id_{};
  std::vector<std::uint8_t> request_;
  std::vector<std::uint8_t> buffer_;
  std::vector<std::uint8_t> peer_bytes_;
  State state_ = State::waiting;
  std::optional<Error> error_;
  std::uint16_t code_ = 0;
  std::optional<std::string> nonce_;
};

}  // namespace p2pd::traverse::turn
