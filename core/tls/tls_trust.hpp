#pragma once
// The certificates a TLS client trusts: the CAs of one PEM file (a config's ca_file)
// or the system's store. Loading reads files, so it runs on libuv's threadpool
// (load_trust); the loaded Trust is immutable and shared by the sessions that use it.
#include <gnutls/gnutls.h>

#include <cstddef>
#include <functional>
#include <memory>
#include <string>

#include "core/loop/loop.hpp"
#include "core/loop/work.hpp"
#include "core/result.hpp"

namespace p2pd::tls {

class Trust {
 public:
  // Blocking. `ca_file` "" is the system store. Errors: tls_ca (unreadable file, no
  // certificate in it, no system store).
  static Result<std::shared_ptr<const Trust>> load(const std::string& ca_file);
  // Blocking. The CAs of PEM text (what load() reads, and what unit tests hand over).
  static Result<std::shared_ptr<const Trust>> from_pem(const std::string& pem, const std::string& source);
  ~Trust();
  Trust(const Trust&) = delete;
  Trust& operator=(const Trust&) = delete;

  gnutls_certificate_credentials_t raw() const { return cred_; }
  std::size_t count() const { return count_; }           // trusted certificates
  const std::string& source() const { return source_; }  // the file, or "the system store"

 private:
  Trust() = default;
  gnutls_certificate_credentials_t cred_ = nullptr;
  std::size_t count_ = 0;
  std::string source_;
};

using TrustResult = Result<std::shared_ptr<const Trust>>;

// Trust::load on the threadpool; `done` runs on the loop unless the Work was dropped.
loop::Work load_trust(loop::Loop& loop, std::string ca_file, std::function<void(TrustResult)> done);

}  // namespace p2pd::tls
