#include "core/tls/tls_trust.hpp"

#include <cerrno>
#include <cstring>
#include <fstream>
#include <iterator>
#include <sstream>

#include "core/tls/tls_errors.hpp"

namespace p2pd::tls {

namespace {

// Guards the credentials until they are handed out.
struct CredGuard {
  gnutls_certificate_credentials_t c = nullptr;
  ~CredGuard() {
    if (c) gnutls_certificate_free_credentials(c);
  }
};

Result<std::string> read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return ca_error("cannot read the CA file " + path + ": " + std::strerror(errno));
  std::ostringstream text;
  text << in.rdbuf();
  if (in.bad()) return ca_error("cannot read the CA file " + path + ": " + std::strerror(errno));
  return text.str();
}

}  // namespace

Trust::~Trust() {
  if (cred_) gnutls_certificate_free_credentials(cred_);
}

Result<std::shared_ptr<const Trust>> Trust::from_pem(const std::string& pem, const std::string& source) {
  CredGuard cred;
  int rc = gnutls_certificate_allocate_credentials(&cred.c);
  if (rc < 0) return ca_error(std::string("TLS credentials: ") + gnutls_strerror(rc));
  gnutls_datum_t data{reinterpret_cast<unsigned char*>(const_cast<char*>(pem.data())),
                      static_cast<unsigned int>(pem.size())};
  rc = gnutls_certificate_set_x509_trust_mem(cred.c, &data, GNUTLS_X509_FMT_PEM);
  if (rc < 0) return ca_error("the CA file " + source + " is not usable: " + gnutls_strerror(rc));
  if (rc == 0) return ca_error("the CA file " + source + " holds no PEM certificate");
  std::shared_ptr<Trust> t(new Trust);
  t->cred_ = std::exchange(cred.c, nullptr);
  t->count_ = static_cast<std::size_t>(rc);
  t->source_ = source;
  return std::shared_ptr<const Trust>(std::move(t));
}

Result<std::shared_ptr<const Trust>> Trust::load(const std::string& ca_file) {
  if (!ca_file.empty()) {
    auto pem = read_file(ca_file);
    if (!pem) return pem.error();
    return from_pem(*pem, ca_file);
  }
  CredGuard cred;
  int rc = gnutls_certificate_allocate_credentials(&cred.c);
  if (rc < 0) return ca_error(std::string("TLS credentials: ") + gnutls_strerror(rc));
  rc = gnutls_certificate_set_x509_system_trust(cred.c);
  if (rc < 0) return ca_error(std::string("the system's CA store is not usable: ") + gnutls_strerror(rc));
  if (rc == 0) return ca_error("the system's CA store is empty (install ca-certificates, or set ca_file)");
  std::shared_ptr<Trust> t(new Trust);
  t->cred_ = std::exchange(cred.c, nullptr);
  t->count_ = static_cast<std::size_t>(rc);
  t->source_ = "the system store";
  return std::shared_ptr<const Trust>(std::move(t));
}

loop::Work load_trust(loop::Loop& loop, std::string ca_file, std::function<void(TrustResult)> done) {
  return loop::Work::run<std::shared_ptr<const Trust>>(
      loop, [ca_file = std::move(ca_file)] { return Trust::load(ca_file); }, std::move(done));
}

}  // namespace p2pd::tls
