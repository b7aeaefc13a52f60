#include "core/traverse/nat_classifier.hpp"

#include <algorithm>

namespace p2pd::traverse {

namespace {

bool same_ip(const net::IpAddress& a, const net::IpAddress& b) {
  return a.family == b.family && std::equal(a.bytes, a.bytes + 16, b.bytes);
}

bool same_endpoint(const net::Endpoint& a, const net::Endpoint& b) {
  return same_ip(a.address, b.address) && a.port == b.port;
}

// OTHER-ADDRESS good for the RFC 5780 tests: another IP and another port.
bool usable_other(const BindingAnswer& a) {
  return a.other_address && !same_ip(a.other_address->address, a.server.address) &&
         a.other_address->port != a.server.port && a.other_address->address.family == a.server.address.family;
}

}  // namespace

NatClassifier::NatClassifier(NatProbes& probes, NatClassifierOptions options, Done done)
    : probes_(probes), options_(std::move(options)), done_(std::move(done)) {
  result_.interface = options_.interface;
  result_.family = options_.local.family;
  result_.local = net::Endpoint{options_.local, 0};  // the probing socket's, once open
}

std::optional<int> NatClassifier::open(std::uint16_t port, const turn::Timing& timing) {
  auto s = probes_.open_udp(net::Endpoint{options_.local, port}, timing);
  if (!s) return std::nullopt;
  return s->id;
}

void NatClassifier::start() {
  if (started_) return;
  started_ = true;
  result_.started_ms = probes_.now_ms();
  if (options_.servers.empty()) return fail_now("no STUN servers of this family");
  auto y = probes_.open_udp(net::Endpoint{options_.local, 0}, options_.timing);
  if (!y) return fail_now("cannot open a UDP socket: " + y.error().message);
  y_ = *y;
  result_.local = y_->local;
  y_answers_.resize(options_.servers.size());
  tcp_ok_.assign(options_.servers.size(), false);
  y_pending_ = options_.servers.size();
  tcp_pending_ = options_.tcp ? options_.servers.size() : 0;
  stepping_ = true;  // callbacks that run inside the calls below wait for step()
  auto alive = alive_;
  for (std::size_t i = 0; i < options_.servers.size(); ++i) {
    probes_.udp_probe(y_->id, BindingProbe{options_.servers[i].address, {}, std::nullopt},
                      guarded([this, i](Result<BindingAnswer> r) {
                        y_answers_[i] = std::move(r);
                        --y_pending_;
                        step();
                      }));
    if (!*alive) return;
    if (options_.tcp)
      probes_.tcp_probe(options_.servers[i].address, net::Endpoint{options_.local, 0}, guarded([this, i](Result<BindingAnswer> r) {
        tcp_ok_[i] = r.ok();
        --tcp_pending_;
        step();
      }));
    if (!*alive) return;
  }
  stepping_ = false;
  step();
}

void NatClassifier::fail_now(std::string reason) {
  result_.reason = std::move(reason);
  result_.finished_ms = probes_.now_ms();
  finished_ = true;
  // Never inside start(): the caller learns through `done` on a later turn.
  auto alive = alive_;
  probes_.defer([this, alive] {
    if (!*alive) return;
    auto done = std::move(done_);
    done_ = nullptr;
    if (done) done(result_);  // may destroy this
  });
}

// Runs the plan forward from whatever has arrived; re-entrant calls are folded in.
void NatClassifier::step() {
  if (finished_) return;
  if (stepping_) {
    again_ = true;
    return;
  }
  stepping_ = true;
  auto alive = alive_;
  do {
    again_ = false;
    if (!behaviour_chosen_) choose_behaviour_server();
    if (!*alive || finished_) return;
    if (behaviour_chosen_ && mapping_stage_ == 3 && !delta_started_) {
      delta_started_ = true;
      if (!primary_ || !result_.nat) {
        delta_done_ = true;
        if (primary_) result_.delta = DeltaType::not_applicable;
      } else {
        next_delta();
      }
    }
    if (!*alive || finished_) return;
    if (behaviour_chosen_ && y_pending_ == 0 && tcp_pending_ == 0 && filter_pending_ == 0 && mapping_stage_ == 3 &&
        delta_done_ && !delta_waiting_) {
      stepping_ = false;
      return finish();
    }
  } while (again_);
  stepping_ = false;
}

void NatClassifier::choose_behaviour_server() {
  for (std::size_t i = 0; i < y_answers_.size(); ++i) {
    const auto& a = y_answers_[i];
    if (a && a->ok() && usable_other(a->value())) {
      behaviour_ = i;
      break;
    }
  }
  if (!behaviour_ && y_pending_ > 0) return;  // wait for more answers
  behaviour_chosen_ = true;
  if (behaviour_) {
    primary_ = y_answers_[*behaviour_]->value();
  } else {
    for (const auto& a : y_answers_)
      if (a && a->ok()) {
        primary_ = a->value();
        break;
      }
  }
  if (!primary_) {
    mapping_stage_ = 3;  // nothing answered: the rest waits for TCP only
    delta_done_ = true;
    return;
  }
  result_.nat = !same_endpoint(primary_->mapped, y_->local);
  result_.server = options_.servers[behaviour_.value_or(0)].name;
  if (!behaviour_) {
    mapping_stage_ = 3;
    return;
  }
  start_filtering();
  if (!result_.nat) {
    // Our own address came back: nothing maps, there is no mapping test to run.
    result_.mapping = Behaviour::endpoint_independent;
    mapping_stage_ = 3;
    return;
  }
  mapping_stage_ = 1;
  const net::Endpoint other_ip{primary_->other_address->address, primary_->server.port};
  mapping_probe(other_ip);
}

void NatClassifier::start_filtering() {
  auto x = open(0, options_.filter_timing);
  if (!x) return;  // filtering stays unknown
  const net::Endpoint server = primary_->server;
  const net::Endpoint both = *primary_->other_address;
  const net::Endpoint port_only{server.address, both.port};
  filter_pending_ = 2;
  probes_.udp_probe(*x, BindingProbe{server, {true, true}, both}, guarded([this](Result<BindingAnswer> r) {
    changed_both_ = r.ok();
    --filter_pending_;
    step();
  }));
  probes_.udp_probe(*x, BindingProbe{server, {false, true}, port_only}, guarded([this](Result<BindingAnswer> r) {
    changed_port_ = r.ok();
    --filter_pending_;
    step();
  }));
}

void NatClassifier::mapping_probe(const net::Endpoint& to) {
  probes_.udp_probe(y_->id, BindingProbe{to, {}, to}, guarded([this](Result<BindingAnswer> r) { on_mapping(std::move(r)); }));
}

void NatClassifier::on_mapping(Result<BindingAnswer> r) {
  if (!r) {
    mapping_stage_ = 3;  // mapping stays unknown
    return step();
  }
  if (mapping_stage_ == 1) {
    if (same_endpoint(r->mapped, primary_->mapped)) {
      result_.mapping = Behaviour::endpoint_independent;
      mapping_stage_ = 3;
      return step();
    }
    mapped2_ = r->mapped;
    mapping_stage_ = 2;
    mapping_probe(*primary_->other_address);
    return;
  }
  result_.mapping = same_endpoint(r->mapped, *mapped2_) ? Behaviour::address_dependent
                                                         : Behaviour::address_and_port_dependent;
  mapping_stage_ = 3;
  step();
}

void NatClassifier::next_delta() {
  // Local ports a, a+1, c, c+1: a and c picked by the kernel, c not next to a+1.
  const std::size_t n = pairs_.size();
  std::optional<int> socket;
  if (n == 1 || n == 3) socket = open(static_cast<std::uint16_t>(pairs_.back().local + 1), options_.timing);
  for (int tries = 0; !socket && tries < 4; ++tries) {
    auto s = probes_.open_udp(net::Endpoint{options_.local, 0}, options_.timing);
    if (!s) continue;
    socket = s->id;
    // c must not continue the run a, a+1 (the jump is what tells `dependent` apart).
    if (n == 2 && s->local.port == pairs_.back().local + 1 && tries < 3) socket.reset();
  }
  if (!socket) {
    delta_done_ = true;
    return;
  }
  delta_waiting_ = true;
  probes_.udp_probe(*socket, BindingProbe{primary_->server, {}, std::nullopt}, guarded([this](Result<BindingAnswer> r) {
    delta_waiting_ = false;
    if (!r) {
      delta_done_ = true;  // a lost probe leaves the delta unknown rather than guessed
      return step();
    }
    pairs_.push_back({r->local.port, r->mapped.port});
    if (pairs_.size() < 4) {
      next_delta();
      return step();
    }
    const Delta d = classify_delta(pairs_);
    result_.delta = d.type;
    result_.delta_value = d.value;
    delta_done_ = true;
    step();
  }));
}

const net::Endpoint& NatClassifier::server_of(const std::string& name) const {
  for (const auto& s : options_.servers)
    if (s.name == name) return s.address;
  return options_.servers.front().address;
}

void NatClassifier::finish() {
  if (finished_) return;
  finished_ = true;
  result_.finished_ms = probes_.now_ms();
  result_.requests = probes_.requests();
  std::vector<ServerReport> reports;
  std::size_t answered = 0, tcp_answered = 0;
  for (std::size_t i = 0; i < y_answers_.size(); ++i) {
    if (y_answers_[i] && y_answers_[i]->ok()) {
      ++answered;
      reports.push_back({options_.servers[i].name, y_answers_[i]->value().mapped});
    }
    if (tcp_ok_[i]) ++tcp_answered;
  }
  result_.tcp_answered = tcp_answered > 0;
  const auto agreement = agree(reports, std::min(options_.needed, options_.servers.size()));
  result_.external = agreement.external;
  result_.confirmed = agreement.believed();
  const std::string servers = std::to_string(options_.servers.size()) + " server(s)";
  if (answered == 0) {
    if (tcp_answered > 0) {
      result_.type = NatType::blocked;
      result_.reason = "no UDP answer from " + servers + " while " + std::to_string(tcp_answered) + " answered over TCP";
    } else {
      result_.reason = "no answer from " + servers + " over UDP" + (options_.tcp ? " or TCP" : "");
    }
  } else if (!behaviour_) {
    // No RFC 5780 server: only what plain answers from several servers show. One
    // mapping for servers at different addresses is endpoint-independent mapping; a
    // mapping that changed with the server means a symmetric NAT.
    bool differ = false, other_ip = false;
    for (const auto& r : reports) {
      if (!same_endpoint(r.mapped, reports.front().mapped)) differ = true;
      if (!same_ip(server_of(r.server).address, server_of(reports.front().server).address)) other_ip = true;
    }
    if (result_.nat && differ) {
      result_.type = NatType::symmetric;
    } else if (!differ && other_ip) {
      result_.mapping = Behaviour::endpoint_independent;
    }
    result_.reason = "no server answered with a usable OTHER-ADDRESS (RFC 5780): filtering not tested";
  } else {
    if (changed_both_ && changed_port_) {
      result_.filtering = *changed_both_  ? Behaviour::endpoint_independent
                          : *changed_port_ ? Behaviour::address_dependent
                                           : Behaviour::address_and_port_dependent;
    }
    if (!result_.nat) {
      result_.mapping = Behaviour::endpoint_independent;
      if (result_.filtering != Behaviour::unknown)
        result_.type = result_.filtering == Behaviour::endpoint_independent ? NatType::open : NatType::udp_firewall;
    } else {
      result_.type = nat_type_of(result_.mapping, result_.filtering);
      if (result_.type == NatType::unknown && result_.mapping != Behaviour::unknown &&
          result_.mapping != Behaviour::endpoint_independent)
        result_.type = NatType::symmetric;
    }
    result_.reason = std::to_string(answered) + " of " + servers + " answered; behaviour tests against " + result_.server;
  }
  if (!result_.nat && answered > 0) result_.delta = DeltaType::not_applicable;
  if (answered > 0 && !result_.confirmed)
    result_.reason += "; external address not confirmed (" + std::to_string(agreement.agreeing) + " of " +
                      std::to_string(agreement.needed) + " servers needed agree)";
  auto done = std::move(done_);
  done_ = nullptr;
  if (done) done(result_);  // may destroy this
}

}  // namespace p2pd::traverse
