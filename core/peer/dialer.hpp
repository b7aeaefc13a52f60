#pragma once
// Races QUIC handshakes to one peer over several direct candidates (dial_candidates.hpp):
// the first attempt starts at once, each next one `stagger_ms` later or as soon as an
// earlier one fails; the first confirmed handshake wins and the others are cancelled.
// UDP attempts leave through the daemon's shared peer socket (so a NAT mapping made for
// it is the one the peer sees); TCP attempts connect a socket of their own.
//
//   Dialer d(loop, mux_for, config, candidates, {}, [](Result<Dialer::Win> r) { ... });
//
// `done` runs once, on a later loop turn than the constructor; the dialer may be
// destroyed inside it, and destroying it earlier cancels everything.
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/loop/loop.hpp"
#include "core/loop/tcp.hpp"
#include "core/loop/timer.hpp"
#include "core/peer/dial_candidates.hpp"
#include "core/peer/path_udp_mux.hpp"
#include "core/peer/quic/session.hpp"

namespace p2pd::peer {

struct DialOptions {
  std::uint64_t stagger_ms = 150;
  std::uint64_t timeout_ms = 10'000;  // whole race; attempts also end at the handshake timeout
};

class Dialer {
 public:
  struct Win {
    std::unique_ptr<quic::Session> session;  // established; set its callbacks at once
    DialCandidate candidate;
    std::uint64_t elapsed_ms = 0;
  };
  using DoneFn = std::function<void(Result<Win>)>;
  // The UDP socket for a family, or nullptr when there is none (UDP candidates fail).
  using MuxFor = std::function<UdpMux*(net::Family)>;

  Dialer(loop::Loop& loop, MuxFor mux_for, quic::SessionConfig config, std::vector<DialCandidate> candidates,
         DialOptions options, DoneFn done);
  ~Dialer();
  Dialer(const Dialer&) = delete;
  Dialer& operator=(const Dialer&) = delete;

  const std::vector<DialCandidate>& candidates() const { return candidates_; }

 private:
  struct Attempt {
    DialCandidate candidate;
    std::unique_ptr<loop::Tcp> tcp;          // TCP: until connected
    std::unique_ptr<quic::Session> session;  // handshake under way
    std::optional<Error> failure;
    bool established = false;
  };

  void start_next();
  void begin(Attempt& attempt);
  void begin_session(Attempt& attempt, std::unique_ptr<Path> path);
  void failed(Attempt& attempt, Error why);
  void finish_later(Result<Win> result);
  bool all_failed() const;

  loop::Loop& loop_;
  MuxFor mux_for_;
  quic::SessionConfig config_;
  std::vector<DialCandidate> candidates_;
  DialOptions options_;
  DoneFn done_;
  std::vector<std::unique_ptr<Attempt>> attempts_;
  std::size_t next_ = 0;
  std::uint64_t started_ms_ = 0;
  loop::Timer stagger_;
  loop::Timer deadline_;
  loop::Timer finish_;  // hands the result over outside any session callback
  std::optional<Result<Win>> result_;
};

}  // namespace p2pd::peer
