#include "core/traverse/turn_connection_bind.hpp"

#include <fmt/format.h>

#include "core/proto/stun_demux.hpp"
#include "core/proto/stun_integrity.hpp"
#include "core/traverse/turn_transactions.hpp"

namespace p2pd::traverse::turn {

namespace stun = proto::stun;
namespace tp = proto::turn;

ConnectionBinder::ConnectionBinder(std::uint32_t connection_id, const tp::LongTermCredentials& credentials)
    : key_(credentials.key), id_(random_transaction_id()) {
  request_ = tp::serialize_request(tp::make_connection_bind(id_, connection_id), &credentials);
}

ConnectionBinder::State ConnectionBinder::feed(std::span<const std::uint8_t> bytes) {
  if (state_ != State::waiting) return state_;
  buffer_.insert(buffer_.end(), bytes.begin(), bytes.end());
  auto size = stun::stun_frame_size(buffer_);
  if (!size && buffer_.size() >= 4) {
    error_ = make_error("malformed", "the TURN server's answer to ConnectionBind is not STUN");
    return state_ = State::failed;
  }
  if (!size || buffer_.size() < *size) return state_;
  const std::span<const std::uint8_t> frame(buffer_.data(), *size);
  auto m = stun::parse(frame);
  if (!m || m->transaction_id != id_ || m->method != tp::method::connection_bind) {
    error_ = make_error("malformed", "the TURN server's answer to ConnectionBind does not match it");
    return state_ = State::failed;
  }
  if (m->message_class == stun::MessageClass::success_response) {
    if (!stun::verify_integrity(frame, key_).ok()) {
      error_ = make_error("bad_answer", "ConnectionBind success without valid MESSAGE-INTEGRITY");
      return state_ = State::failed;
    }
    peer_bytes_.assign(buffer_.begin() + static_cast<std::ptrdiff_t>(*size), buffer_.end());
    buffer_.clear();
    return state_ = State::bound;
  }
  auto reply = tp::read_error_reply(*m);
  if (!reply) {
    error_ = make_error("bad_answer", "ConnectionBind error without ERROR-CODE");
    return state_ = State::failed;
  }
  code_ = reply->error.code;
  if (code_ == stun::error::stale_nonce) nonce_ = reply->nonce;
  error_ = make_error("turn_refused", fmt::format("ConnectionBind refused: {} {}", code_, reply->error.reason));
  return state_ = State::failed;
}

}  // namespace p2pd::traverse::turn
