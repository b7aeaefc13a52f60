#include "core/peer/peer_pipes.hpp"

#include <spdlog/spdlog.h>

#include "core/peer/link_json.hpp"
#include "core/peer/stream_transport.hpp"

namespace p2pd::peer {
namespace {

constexpr std::size_t kMaxStreamNameInPipeName = 40;

}  // namespace

std::string incoming_pipe_name(std::string_view stream_name, std::uint64_t n) {
  std::string s;
  for (char c : stream_name.substr(0, kMaxStreamNameInPipeName)) {
    bool ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '.' ||
              c == '-';
    s.push_back(ok ? c : '_');
  }
  if (s.empty()) s = "stream";
  return "in." + s + "." + std::to_string(n);
}

PeerPipes::PeerPipes(loop::Loop& loop, PeerNode& node, pipe::PipeManager& pipes)
    : loop_(loop), node_(node), pipes_(pipes) {}

PeerPipes::~PeerPipes() { *alive_ = false; }

std::unique_ptr<pipe::Transport> PeerPipes::transport_for(PeerStream s, std::string direction,
                                                          std::string stream_name,
                                                          std::optional<PathKind> requested_path) {
  auto t = std::make_unique<StreamTransport>(loop_, s.stream, s.link.local, s.link.remote);
  // The session's live numbers while it lasts, the numbers at open time after.
  std::weak_ptr<quic::Stream> weak = s.stream;
  PeerNode* node = &node_;
  t->set_details([node, weak, snapshot = std::move(s.link), direction = std::move(direction),
                  stream_name = std::move(stream_name), requested_path]() {
    std::optional<PeerLinkInfo> live;
    auto stream = weak.lock();
    if (stream && node->service()) live = node->service()->link_of(*stream);
    auto j = link_json(live ? *live : snapshot);
    j["direction"] = direction;
    j["stream"] = stream_name;
    j["session"] = live ? "open" : "closed";
    j["requested_path"] = requested_path ? nlohmann::json(path_kind_name(*requested_path)) : nlohmann::json(nullptr);
    return j;
  });
  return t;
}

void PeerPipes::open(std::string name, PeerTarget target, pipe::PipeOptions options,
                     std::function<void(Result<pipe::PipeInfo>)> done) {
  if (auto st = pipes_.check_new_name(name); !st.ok()) return done(st.error());
  if (opening_.count(name)) return done(Error{"conflict", "a pipe named " + name + " is being opened"});
  if (pipes_.shutting_down()) return done(Error{"unavailable", "the daemon is shutting down"});
  // Refused before dialling: a session set up for a pipe that cannot exist is wasted.
  if (auto st = pipes_.check_room(opening_.size()); !st.ok()) return done(st.error());
  PeerService* service = node_.service();
  if (!service) return done(Error{"unavailable", "the node port is not bound (see \"peers\" in /v1/status)"});
  opening_.insert(name);
  const std::optional<PathKind> path = target.path;
  auto opened = [this, alive = alive_, name, path, options = std::move(options),
                 done = std::move(done)](Result<PeerStream> s) mutable {
    if (!*alive) return;
    opening_.erase(name);
    if (!s) {
      ++stats_.open_failures;
      return done(s.error());
    }
    // A refused transport is destroyed, which resets its stream.
    auto pipe = pipes_.adopt(name, transport_for(std::move(*s), "out", name, path), std::move(options));
    if (!pipe) {
      ++stats_.open_failures;
      return done(pipe.error());
    }
    ++stats_.opened;
    done((*pipe)->info());
  };
  if (target.self) service->open_self(name, std::move(opened), path);
  else service->open(target.address, name, std::move(opened), path);
}

void PeerPipes::on_incoming(PeerStream s, const std::string& stream_name) {
  const std::string peer_id = s.link.peer_id;
  // A local pipe may hold the next name already; the loop is bounded by the pipe limit.
  std::string name = incoming_pipe_name(stream_name, next_incoming_++);
  for (std::size_t tries = 0; tries <= pipes_.limits().max_pipes && !pipes_.check_new_name(name).ok(); ++tries)
    name = incoming_pipe_name(stream_name, next_incoming_++);
  pipe::PipeOptions options;
  options.answer_test_string = true;  // P2PD's node answers it on every peer connection
  auto pipe = pipes_.adopt(name, transport_for(std::move(s), "in", stream_name, std::nullopt), options);
  if (!pipe) {
    ++stats_.refused;
    // The refused transport was destroyed, which reset the stream.
    spdlog::warn("peer: stream \"{}\" from {} refused: {}", stream_name, peer_id, pipe.error().message);
    return;
  }
  ++stats_.accepted;
  spdlog::info("peer: stream \"{}\" from {} is pipe {}", stream_name, peer_id, name);
}

}  // namespace p2pd::peer
