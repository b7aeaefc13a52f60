#pragma once
// The errors of TLS client connections (tls_client.hpp, tls_stream.hpp) as values the
// REST layer passes on unchanged:
//   tls_cert       the server's certificate was not accepted (why: "certificate issuer
//                  is unknown", "certificate is not for turn.example.net", ...)
//   tls_handshake  the handshake failed otherwise (an alert, a protocol mismatch, the
//                  server hung up or was silent)
//   tls_error      the record layer failed after the handshake (or GnuTLS itself)
//   tls_ca         the trust store (a ca_file or the system's) could not be loaded
#include <string>
#include <string_view>

#include "core/result.hpp"

namespace p2pd::tls {

// Readable reasons for a GnuTLS certificate verification status (gnutls_certificate_status_t
// bits), joined by "; ". `server_name` is what the certificate was checked against.
std::string cert_status_text(unsigned int status, std::string_view server_name);

Error cert_error(unsigned int status, std::string_view server_name);
// A failed gnutls_handshake (rc < 0); `alert` names the alert the server sent, if any.
Error handshake_error(int rc, std::string_view server_name, std::string_view alert = {});
// A failed record operation (rc < 0) after the handshake.
Error record_error(int rc, std::string_view what);
Error ca_error(std::string message);

}  // namespace p2pd::tls
