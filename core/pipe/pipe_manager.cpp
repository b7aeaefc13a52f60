#include "core/pipe/pipe_manager.hpp"

#include <unistd.h>

#include <spdlog/spdlog.h>

#include <cctype>

#include "core/net/interfaces.hpp"
#include "core/pipe/forward.hpp"
#include "core/pipe/names.hpp"

namespace p2pd::pipe {

namespace {

observe::Registry& registry(observe::Registry* given, observe::Registry& own) { return given ? *given : own; }

nlohmann::json endpoint_json(const std::optional<net::Endpoint>& ep) {
  return ep ? nlohmann::json(ep->to_string()) : nlohmann::json(nullptr);
}

Error unavailable() { return Error{"unavailable", "the daemon is shutting down"}; }

}  // namespace

PipeManager::PipeManager(loop::Loop& loop, PipeLimits limits, observe::EventBus* events, observe::Registry* metrics)
    : loop_(loop),
      limits_(limits),
      events_(events),
      lingerer_(loop),
      open_gauge_(registry(metrics, own_metrics_).gauge("p2pd_pipes_open", "Pipes open now")),
      bytes_in_(registry(metrics, own_metrics_)
                    .counter("p2pd_pipe_bytes_total", "Bytes carried by pipes", {{"direction", "in"}})),
      bytes_out_(registry(metrics, own_metrics_).counter("p2pd_pipe_bytes_total", "", {{"direction", "out"}})),
      dropped_(registry(metrics, own_metrics_)
                   .counter("p2pd_pipe_dropped_messages_total", "Messages dropped by full pipe queues")),
      opened_(registry(metrics, own_metrics_).counter("p2pd_pipes_opened_total", "Pipes ever opened")) {}

PipeManager::~PipeManager() {
  opening_.clear();
  dead_connectors_.clear();
  dead_pipes_.clear();
  pipes_.clear();
  servers_.clear();
  lingerer_.close_all();
}

// --- names ----------------------------------------------------------------------------

Status PipeManager::check_new_name(const std::string& name) const {
  if (!valid_name(name)) return Error{"bad_request", "a pipe name must match [A-Za-z0-9_.-]{1,64}"};
  if (name == "all" || name == "self") return Error{"reserved_name", "\"" + name + "\" is a reserved name"};
  auto dot = name.rfind('.');
  if (dot != std::string::npos && dot + 1 < name.size() && servers_.count(name.substr(0, dot))) {
    bool digits = true;
    for (std::size_t i = dot + 1; i < name.size(); ++i)
      if (!std::isdigit(static_cast<unsigned char>(name[i]))) digits = false;
    if (digits) return Error{"reserved_name", name + " is reserved for the pipes of server " + name.substr(0, dot)};
  }
  if (pipes_.count(name) || opening_.count(name)) return Error{"conflict", "a pipe named " + name + " exists"};
  return {};
}

bool PipeManager::name_taken(const std::string& name) const { return pipes_.count(name) || opening_.count(name); }

bool PipeManager::has_room() const { return check_room().ok(); }

Status PipeManager::check_room(std::size_t pending_elsewhere) const {
  if (shutting_down_) return unavailable();
  if (pipes_.size() + opening_.size() + pending_elsewhere >= limits_.max_pipes)
    return Error{"too_many", "the pipe limit (" + std::to_string(limits_.max_pipes) + ") is reached"};
  return {};
}

// --- pipes ----------------------------------------------------------------------------

Result<Pipe*> PipeManager::register_pipe(std::string name, std::unique_ptr<Transport> transport, PipeOptions options) {
  auto pipe = std::make_unique<Pipe>(loop_, limits_, name, std::move(transport), std::move(options),
                                     static_cast<PipeObserver*>(this));
  if (auto st = pipe->start(); !st.ok()) return st.error();
  Pipe* raw = pipe.get();
  pipes_[name] = std::move(pipe);
  open_gauge_.set(static_cast<std::int64_t>(pipes_.size()));
  opened_.inc();
  auto info = raw->info();
  publish("pipe.opened", {{"name", name},
                          {"proto", info.kind},
                          {"local", endpoint_json(info.local)},
                          {"remote", endpoint_json(info.remote)},
                          {"server", info.server.empty() ? nlohmann::json(nullptr) : nlohmann::json(info.server)}});
  return raw;
}

Result<Pipe*> PipeManager::adopt(std::string name, std::unique_ptr<Transport> transport, PipeOptions options) {
  if (shutting_down_) return unavailable();
  if (auto st = check_new_name(name); !st.ok()) return st.error();
  if (auto st = check_room(); !st.ok()) return st.error();
  return register_pipe(std::move(name), std::move(transport), std::move(options));
}

Result<std::string> PipeManager::add(std::unique_ptr<Transport> transport, AddSpec spec) {
  if (!transport) return Error{"bad_request", "no transport"};
  std::string name = std::move(spec.name);
  if (name.empty()) {
    if (!valid_name(spec.prefix + "1")) return Error{"bad_request", "bad pipe name prefix \"" + spec.prefix + "\""};
    // Skips names in use (or reserved); bounded because at most max_pipes can be taken.
    for (std::size_t tries = 0; tries <= limits_.max_pipes + 1; ++tries) {
      name = spec.prefix + std::to_string(next_auto_name_++);
      if (check_new_name(name).ok()) break;
    }
  }
  auto pipe = adopt(name, std::move(transport), std::move(spec.options));
  if (!pipe.ok()) return pipe.error();
  return (*pipe)->name();
}

Pipe* PipeManager::add_pipe(Server& server, std::string name, std::unique_ptr<Transport> transport) {
  auto r = register_pipe(std::move(name), std::move(transport), server.child_options());
  return r.ok() ? *r : nullptr;
}

void PipeManager::open(OpenSpec spec, std::function<void(Result<PipeInfo>)> done) {
  if (shutting_down_) return done(unavailable());
  if (auto st = check_new_name(spec.name); !st.ok()) return done(st.error());
  if (auto st = check_room(); !st.ok()) return done(st.error());
  std::string name = spec.name;
  PipeOptions options{spec.framing, spec.answer_test_string, ""};
  auto connector = std::make_unique<Connector>(
      loop_, limits_, lingerer_, spec,
      [this, name, options, done](Result<std::unique_ptr<Transport>> transport) {
        auto it = opening_.find(name);
        if (it != opening_.end()) {
          dead_connectors_.push_back(std::move(it->second));
          opening_.erase(it);
          schedule_reap();
        }
        if (!transport.ok()) return done(transport.error());
        if (shutting_down_) return done(unavailable());
        auto pipe = register_pipe(name, std::move(*transport), options);
        if (!pipe.ok()) return done(pipe.error());
        done((*pipe)->info());
      });
  Connector* raw = connector.get();
  opening_[name] = std::move(connector);
  raw->start();
}

Pipe* PipeManager::find(std::string_view name) {
  auto it = pipes_.find(name);
  return it == pipes_.end() ? nullptr : it->second.get();
}

Result<Pipe*> PipeManager::get(const std::string& name) {
  if (Pipe* p = find(name)) return p;
  if (opening_.count(name)) return Error{"not_found", "pipe " + name + " is still connecting"};
  return Error{"not_found", "no pipe named " + name};
}

std::vector<PipeInfo> PipeManager::list() const {
  std::vector<PipeInfo> out;
  out.reserve(pipes_.size());
  for (const auto& [name, pipe] : pipes_) out.push_back(pipe->info());
  return out;
}

Status PipeManager::close(const std::string& name, std::string reason) {
  auto pipe = get(name);
  if (!pipe.ok()) return pipe.error();
  (*pipe)->close(std::move(reason));
  return {};
}

void PipeManager::on_pipe_closed(Pipe& pipe) {
  auto it = pipes_.find(pipe.name());
  if (it == pipes_.end() || it->second.get() != &pipe) return;
  auto info = pipe.info();
  dead_pipes_.push_back(std::move(it->second));
  pipes_.erase(it);
  open_gauge_.set(static_cast<std::int64_t>(pipes_.size()));
  if (!info.server.empty())
    if (auto s = servers_.find(info.server); s != servers_.end()) s->second->forget(info.name);
  publish("pipe.closed", {{"name", info.name},
                          {"reason", info.close_reason},
                          {"bytes_in", info.bytes_in},
                          {"bytes_out", info.bytes_out},
                          {"dropped_messages", info.dropped_messages}});
  schedule_reap();
}

void PipeManager::on_pipe_traffic(bool inbound, std::size_t bytes) { (inbound ? bytes_in_ : bytes_out_).inc(bytes); }

void PipeManager::on_pipe_drop(std::size_t messages) { dropped_.inc(messages); }

void PipeManager::schedule_reap() {
  if (!reaper_.is_open()) reaper_ = loop::Timer(loop_);
  if (reaper_.active()) return;
  reaper_.start(0, 0, [this] {
    dead_pipes_.clear();
    dead_connectors_.clear();
  });
}

// --- servers --------------------------------------------------------------------------

Result<ServerInfo> PipeManager::start_server(ServerSpec spec) {
  if (shutting_down_) return unavailable();
  if (!valid_name(spec.name) || spec.name.size() > 48)
    return Error{"bad_request", "a server name must match [A-Za-z0-9_.-]{1,48}"};
  if (servers_.count(spec.name)) return Error{"conflict", "a server named " + spec.name + " exists"};
  net::Snapshot snapshot;
  if (!spec.where.interfaces.empty()) {
    auto s = net::read_snapshot();
    if (!s.ok()) return s.error();
    snapshot = std::move(*s);
  }
  auto targets = plan_binds(spec.where, snapshot);
  if (!targets.ok()) return targets.error();
  std::string name = spec.name;
  auto server = std::make_unique<Server>(loop_, limits_, lingerer_, static_cast<ServerHost&>(*this), std::move(spec));
  if (auto st = server->start(*targets); !st.ok()) return st.error();
  auto info = server->info();
  servers_[name] = std::move(server);
  nlohmann::json listeners = nlohmann::json::array();
  for (const auto& l : info.listeners) listeners.push_back({{"proto", l.proto}, {"local", l.local.to_string()}});
  publish("server.started", {{"name", name}, {"listeners", listeners}});
  return info;
}

Status PipeManager::stop_server(const std::string& name) {
  auto it = servers_.find(name);
  if (it == servers_.end()) return Error{"not_found", "no server named " + name};
  auto server = std::move(it->second);
  servers_.erase(it);
  server->stop();
  auto children = server->children();
  for (const auto& child : children)
    if (Pipe* p = find(child)) p->close("server " + name + " stopped");
  publish("server.stopped", {{"name", name}});
  return {};
}

Result<ServerInfo> PipeManager::server(const std::string& name) const {
  auto it = servers_.find(name);
  if (it == servers_.end()) return Error{"not_found", "no server named " + name};
  return it->second->info();
}

std::vector<ServerInfo> PipeManager::servers() const {
  std::vector<ServerInfo> out;
  for (const auto& [name, server] : servers_) out.push_back(server->info());
  return out;
}

// --- forwards and tunnels -------------------------------------------------------------

Status PipeManager::can_attach(const std::string& name) {
  if (shutting_down_) return unavailable();
  auto pipe = get(name);
  if (!pipe.ok()) return pipe.error();
  if ((*pipe)->state() == PipeState::closed) return Error{"closed", "pipe " + name + " is closed"};
  if (auto* a = (*pipe)->attachment())
    return Error{"conflict", "pipe " + name + " already has a " + a->kind() + " attached"};
  return {};
}

Result<net::Endpoint> PipeManager::forward(const std::string& name, const net::Endpoint& listen) {
  if (auto st = can_attach(name); !st.ok()) return st.error();
  Pipe* pipe = find(name);
  net::Endpoint bound;
  if (pipe->is_stream()) {
    auto f = std::make_unique<StreamForward>(loop_, limits_, lingerer_, *pipe);
    auto b = f->start(listen);
    if (!b.ok()) return b.error();
    bound = *b;
    pipe->set_attachment(std::move(f));
  } else {
    auto f = std::make_unique<DatagramForward>(loop_, *pipe);
    auto b = f->start(listen);
    if (!b.ok()) return b.error();
    bound = *b;
    pipe->set_attachment(std::move(f));
  }
  publish("forward.opened", {{"pipe", name}, {"listen", bound.to_string()}, {"proto", pipe->info().kind}});
  return bound;
}

Status PipeManager::unforward(const std::string& name) {
  auto pipe = get(name);
  if (!pipe.ok()) return pipe.error();
  auto* a = (*pipe)->attachment();
  if (!a || a->kind() != "forward") return Error{"not_found", "pipe " + name + " has no forward"};
  (*pipe)->take_attachment().reset();
  publish("forward.closed", {{"pipe", name}});
  return {};
}

Status PipeManager::tunnel(const std::string& name, loop::Tcp conn) {
  if (auto st = can_attach(name); !st.ok()) return st;
  Pipe* pipe = find(name);
  auto t = std::make_unique<Tunnel>(loop_, limits_, lingerer_, *pipe, std::move(conn));
  Tunnel* raw = t.get();
  pipe->set_attachment(std::move(t));
  if (auto st = raw->start(); !st.ok()) {
    pipe->take_attachment().reset();
    return st;
  }
  publish("tunnel.opened", {{"pipe", name}});
  return {};
}

Status PipeManager::tunnel_socket(const std::string& name, int fd) {
  loop::Tcp conn(loop_);
  if (auto st = conn.open(fd); !st.ok()) {
    ::close(fd);  // uv_tcp_open failed: the descriptor is still ours
    return st;
  }
  return tunnel(name, std::move(conn));
}

// --- lifecycle ------------------------------------------------------------------------

void PipeManager::shutdown() {
  if (shutting_down_) return;
  shutting_down_ = true;
  auto opening = std::move(opening_);
  opening_.clear();
  for (auto& [name, connector] : opening) {
    connector->fail(unavailable());  // answers the waiting REST call
    dead_connectors_.push_back(std::move(connector));
  }
  std::vector<std::string> names;
  for (const auto& [name, server] : servers_) names.push_back(name);
  for (const auto& name : names) (void)stop_server(name);
  names.clear();
  for (const auto& [name, pipe] : pipes_) names.push_back(name);
  for (const auto& name : names)
    if (Pipe* p = find(name)) p->close("the daemon is shutting down");
  schedule_reap();
}

void PipeManager::abort_lingering() {
  dead_pipes_.clear();
  dead_connectors_.clear();
  lingerer_.close_all();
  reaper_.close();
}

void PipeManager::publish(std::string type, nlohmann::json data) {
  if (events_) events_->publish(std::move(type), std::move(data), loop_.now_ms());
}

}  // namespace p2pd::pipe
