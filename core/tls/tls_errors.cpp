#include "core/tls/tls_errors.hpp"

#include <gnutls/gnutls.h>

#include <utility>

namespace p2pd::tls {

std::string cert_status_text(unsigned int status, std::string_view server_name) {
  struct Reason {
    unsigned int bit;
    std::string text;
  };
  const Reason reasons[] = {
      {GNUTLS_CERT_SIGNER_NOT_FOUND, "certificate issuer is unknown"},
      {GNUTLS_CERT_SIGNER_NOT_CA, "certificate issuer is not a CA"},
      {GNUTLS_CERT_UNEXPECTED_OWNER, "certificate is not for " + std::string(server_name)},
      {GNUTLS_CERT_EXPIRED, "certificate has expired"},
      {GNUTLS_CERT_NOT_ACTIVATED, "certificate is not valid yet"},
      {GNUTLS_CERT_REVOKED, "certificate was revoked"},
      {GNUTLS_CERT_SIGNATURE_FAILURE, "certificate signature is invalid"},
      {GNUTLS_CERT_INSECURE_ALGORITHM, "certificate is signed with an insecure algorithm"},
      {GNUTLS_CERT_PURPOSE_MISMATCH, "certificate is not for TLS servers"},
      {GNUTLS_CERT_SIGNER_CONSTRAINTS_FAILURE, "certificate issuer's constraints forbid it"},
      {GNUTLS_CERT_MISMATCH, "certificate differs from the expected one"},
  };
  std::string out;
  for (const auto& r : reasons) {
    if ((status & r.bit) == 0) continue;
    if (!out.empty()) out += "; ";
    out += r.text;
  }
  return out.empty() ? "certificate was not accepted" : out;
}

Error cert_error(unsigned int status, std::string_view server_name) {
  return Error{"tls_cert", "TLS: the server's certificate was rejected (" + std::string(server_name) +
                               "): " + cert_status_text(status, server_name)};
}

Error handshake_error(int rc, std::string_view server_name, std::string_view alert) {
  std::string why = alert.empty() ? std::string(gnutls_strerror(rc)) : "the server sent the alert \"" + std::string(alert) + "\"";
  return Error{"tls_handshake", "TLS handshake with " + std::string(server_name) + " failed: " + why};
}

Error record_error(int rc, std::string_view what) {
  return Error{"tls_error", "TLS " + std::string(what) + " failed: " + gnutls_strerror(rc)};
}

Error ca_error(std::string message) { return Error{"tls_ca", std::move(message)}; }

}  // namespace p2pd::tls
