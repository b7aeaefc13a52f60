#include "core/tls/tls_client.hpp"

#include <gnutls/gnutls.h>

#include <cerrno>
#include <cstring>

#include "core/net/endpoint.hpp"
#include "core/tls/tls_errors.hpp"

namespace p2pd::tls {

// The GnuTLS session and the two buffers its transport functions read and write.
struct TlsClient::Session {
  gnutls_session_t s = nullptr;
  std::vector<std::uint8_t> in;  // ciphertext received, from in_pos on not yet read
  std::size_t in_pos = 0;
  std::vector<std::uint8_t> out;  // ciphertext to send

  ~Session() {
    if (s) gnutls_deinit(s);
  }

  static ssize_t push(gnutls_transport_ptr_t ptr, const void* data, size_t size) {
    auto* self = static_cast<Session*>(ptr);
    const auto* bytes = static_cast<const std::uint8_t*>(data);
    self->out.insert(self->out.end(), bytes, bytes + size);
    return static_cast<ssize_t>(size);
  }

  static ssize_t pull(gnutls_transport_ptr_t ptr, void* data, size_t size) {
    auto* self = static_cast<Session*>(ptr);
    const std::size_t left = self->in.size() - self->in_pos;
    if (left == 0) {
      gnutls_transport_set_errno(self->s, EAGAIN);
      return -1;
    }
    const std::size_t n = std::min(left, size);
    std::memcpy(data, self->in.data() + self->in_pos, n);
    self->in_pos += n;
    if (self->in_pos == self->in.size()) {
      self->in.clear();
      self->in_pos = 0;
    }
    return static_cast<ssize_t>(n);
  }
};

TlsClient::TlsClient(ClientOptions options) : options_(std::move(options)), session_(std::make_unique<Session>()) {}

TlsClient::~TlsClient() = default;

Result<std::unique_ptr<TlsClient>> TlsClient::create(ClientOptions options) {
  if (!options.trust) return Error{"bad_request", "a TLS client needs a trust store"};
  if (options.server_name.empty()) return Error{"bad_request", "a TLS client needs the server's name"};
  std::unique_ptr<TlsClient> c(new TlsClient(std::move(options)));
  Session& ss = *c->session_;
  int rc = gnutls_init(&ss.s, GNUTLS_CLIENT | GNUTLS_NONBLOCK);
  if (rc < 0) return record_error(rc, "session set-up");
  const std::string& name = c->options_.server_name;
  const bool is_ip = net::IpAddress::parse(name).ok();
  if ((rc = gnutls_set_default_priority(ss.s)) < 0 ||
      (rc = gnutls_credentials_set(ss.s, GNUTLS_CRD_CERTIFICATE, c->options_.trust->raw())) < 0)
    return record_error(rc, "session set-up");
  // SNI carries DNS names only (RFC 6066); an IP address is matched against IP SANs.
  if (!is_ip && (rc = gnutls_server_name_set(ss.s, GNUTLS_NAME_DNS, name.data(), name.size())) < 0)
    return record_error(rc, "server name");
  gnutls_session_set_verify_cert(ss.s, name.c_str(), 0);  // not copied: options_ outlives the session
  gnutls_handshake_set_timeout(ss.s, 0);  // the caller keeps the deadline
  gnutls_transport_set_ptr(ss.s, &ss);
  gnutls_transport_set_push_function(ss.s, &Session::push);
  gnutls_transport_set_pull_function(ss.s, &Session::pull);
  return c;
}

Status TlsClient::start() {
  if (state_ != State::idle) return Error{"bad_request", "the TLS handshake has started already"};
  state_ = State::handshaking;
  return continue_handshake();
}

Status TlsClient::fail(Error e) {
  state_ = State::failed;
  return e;
}

Status TlsClient::continue_handshake() {
  for (;;) {
    int rc = gnutls_handshake(session_->s);
    if (rc == GNUTLS_E_SUCCESS) {
      state_ = State::open;
      return {};
    }
    if (rc == GNUTLS_E_AGAIN || rc == GNUTLS_E_INTERRUPTED) return {};
    if (rc == GNUTLS_E_CERTIFICATE_VERIFICATION_ERROR)
      return fail(cert_error(gnutls_session_get_verify_cert_status(session_->s), options_.server_name));
    if (!gnutls_error_is_fatal(rc)) continue;  // a warning alert: go on
    std::string alert;
    if (rc == GNUTLS_E_FATAL_ALERT_RECEIVED) alert = gnutls_alert_get_name(gnutls_alert_get(session_->s));
    return fail(handshake_error(rc, options_.server_name, alert));
  }
}

// Every record that can be decrypted now: until the buffer is empty (GNUTLS_E_AGAIN)
// with nothing left inside GnuTLS (record_check_pending).
Status TlsClient::drain(std::vector<std::uint8_t>& plain) {
  std::uint8_t buf[16384];
  for (;;) {
    ssize_t n = gnutls_record_recv(session_->s, buf, sizeof buf);
    if (n > 0) {
      plain.insert(plain.end(), buf, buf + n);
      continue;
    }
    if (n == 0) {
      peer_closed_ = true;
      state_ = State::closed;
      return {};
    }
    if (n == GNUTLS_E_AGAIN) {
      if (gnutls_record_check_pending(session_->s) > 0) continue;
      return {};
    }
    if (n == GNUTLS_E_INTERRUPTED || n == GNUTLS_E_REHANDSHAKE) continue;  // renegotiation is not offered
    if (!gnutls_error_is_fatal(static_cast<int>(n))) continue;
    return fail(record_error(static_cast<int>(n), "receive"));
  }
}

Result<std::vector<std::uint8_t>> TlsClient::feed(std::span<const std::uint8_t> ciphertext) {
  std::vector<std::uint8_t> plain;
  if (state_ == State::failed) return Error{"tls_error", "the TLS session has failed"};
  if (state_ == State::closed || state_ == State::idle) return plain;
  session_->in.insert(session_->in.end(), ciphertext.begin(), ciphertext.end());
  if (state_ == State::handshaking) {
    if (auto st = continue_handshake(); !st) return st.error();
    if (state_ != State::open) return plain;
  }
  if (auto st = drain(plain); !st) return st.error();
  return plain;
}

Status TlsClient::write(std::span<const std::uint8_t> plaintext) {
  if (state_ != State::open) return Error{"closed", "the TLS session is not open"};
  std::size_t done = 0;
  while (done < plaintext.size()) {
    ssize_t n = gnutls_record_send(session_->s, plaintext.data() + done, plaintext.size() - done);
    // The push function takes everything, so GNUTLS_E_AGAIN cannot happen here.
    if (n < 0) return fail(record_error(static_cast<int>(n), "send"));
    done += static_cast<std::size_t>(n);
  }
  return {};
}

void TlsClient::bye() {
  if (state_ == State::open) (void)gnutls_bye(session_->s, GNUTLS_SHUT_WR);
  if (state_ != State::failed) state_ = State::closed;
}

std::vector<std::uint8_t> TlsClient::take_output() { return std::exchange(session_->out, {}); }

std::string TlsClient::protocol() const {
  if (state_ != State::open && state_ != State::closed) return "";
  const char* name = gnutls_protocol_get_name(gnutls_protocol_get_version(session_->s));
  return name ? name : "";
}

}  // namespace p2pd::tls
