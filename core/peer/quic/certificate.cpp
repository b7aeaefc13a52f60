#include "core/peer/quic/certificate.hpp"

#include <gnutls/abstract.h>
#include <gnutls/x509.h>

#include <cstring>

namespace p2pd::peer::quic {

namespace {

Error tls_error(int rc, const char* what) { return Error{"tls_error", std::string(what) + ": " + gnutls_strerror(rc)}; }

// RAII for the handful of GnuTLS objects used while building the certificate.
struct X509Key {
  gnutls_x509_privkey_t k = nullptr;
  ~X509Key() { if (k) gnutls_x509_privkey_deinit(k); }
};
struct X509Crt {
  gnutls_x509_crt_t c = nullptr;
  ~X509Crt() { if (c) gnutls_x509_crt_deinit(c); }
};
struct PubKey {
  gnutls_pubkey_t p = nullptr;
  ~PubKey() { if (p) gnutls_pubkey_deinit(p); }
};

}  // namespace

std::string key_hex(const PublicKey& key) {
  static const char* digits = "0123456789abcdef";
  std::string out;
  for (auto b : key) {
    out.push_back(digits[b >> 4]);
    out.push_back(digits[b & 15]);
  }
  return out;
}

Credentials::~Credentials() {
  if (cred_) gnutls_certificate_free_credentials(cred_);
}

Result<std::shared_ptr<Credentials>> Credentials::create(const KeyPair& identity) {
  X509Key key;
  int rc = gnutls_x509_privkey_init(&key.k);
  if (rc < 0) return tls_error(rc, "privkey init");
  gnutls_datum_t x{const_cast<unsigned char*>(identity.public_key.data()), 32};
  gnutls_datum_t seed{const_cast<unsigned char*>(identity.secret_key.data()), 32};
  rc = gnutls_x509_privkey_import_ecc_raw(key.k, GNUTLS_ECC_CURVE_ED25519, &x, nullptr, &seed);
  if (rc < 0) return tls_error(rc, "import Ed25519 key");

  X509Crt crt;
  if ((rc = gnutls_x509_crt_init(&crt.c)) < 0) return tls_error(rc, "crt init");
  static const unsigned char serial[] = {0x01};
  const char* cn = "p2pd";
  if ((rc = gnutls_x509_crt_set_version(crt.c, 3)) < 0 ||
      (rc = gnutls_x509_crt_set_serial(crt.c, serial, sizeof serial)) < 0 ||
      (rc = gnutls_x509_crt_set_activation_time(crt.c, 0)) < 0 ||
      (rc = gnutls_x509_crt_set_expiration_time(crt.c, GNUTLS_X509_NO_WELL_DEFINED_EXPIRATION)) < 0 ||
      (rc = gnutls_x509_crt_set_dn_by_oid(crt.c, GNUTLS_OID_X520_COMMON_NAME, 0, cn, std::strlen(cn))) < 0 ||
      (rc = gnutls_x509_crt_set_key(crt.c, key.k)) < 0)
    return tls_error(rc, "certificate fields");
  if ((rc = gnutls_x509_crt_sign2(crt.c, crt.c, key.k, GNUTLS_DIG_UNKNOWN, 0)) < 0)
    return tls_error(rc, "self-sign");

  std::shared_ptr<Credentials> cred(new Credentials);
  cred->public_key_ = identity.public_key;
  if ((rc = gnutls_certificate_allocate_credentials(&cred->cred_)) < 0) return tls_error(rc, "credentials");
  if ((rc = gnutls_certificate_set_x509_key(cred->cred_, &crt.c, 1, key.k)) < 0)
    return tls_error(rc, "install certificate");
  return cred;
}

Result<PublicKey> peer_certificate_key(gnutls_session_t session) {
  unsigned int count = 0;
  const gnutls_datum_t* certs = gnutls_certificate_get_peers(session, &count);
  if (certs == nullptr || count == 0) return Error{"unauthenticated", "peer sent no certificate"};
  PubKey pub;
  int rc = gnutls_pubkey_init(&pub.p);
  if (rc < 0) return tls_error(rc, "pubkey init");
  if (gnutls_certificate_type_get2(session, GNUTLS_CTYPE_PEERS) == GNUTLS_CRT_X509)
    rc = gnutls_pubkey_import_x509_raw(pub.p, &certs[0], GNUTLS_X509_FMT_DER, 0);
  else
    rc = gnutls_pubkey_import(pub.p, &certs[0], GNUTLS_X509_FMT_DER);
  if (rc < 0) return tls_error(rc, "peer certificate");
  if (gnutls_pubkey_get_pk_algorithm(pub.p, nullptr) != GNUTLS_PK_EDDSA_ED25519)
    return Error{"unauthenticated", "peer key is not Ed25519"};
  gnutls_ecc_curve_t curve{};
  gnutls_datum_t px{}, py{};
  rc = gnutls_pubkey_export_ecc_raw2(pub.p, &curve, &px, &py, 0);
  if (rc < 0) return tls_error(rc, "peer key export");
  PublicKey out{};
  bool ok = px.size == out.size();
  if (ok) std::memcpy(out.data(), px.data, out.size());
  gnutls_free(px.data);
  gnutls_free(py.data);
  if (!ok) return Error{"unauthenticated", "peer Ed25519 key has the wrong length"};
  return out;
}

}  // namespace p2pd::peer::quic
