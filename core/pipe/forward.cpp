#include "core/pipe/forward.hpp"

namespace p2pd::pipe {

Status check_loopback(const net::Endpoint& listen) {
  if (!listen.address.is_loopback())
    return Error{"bad_request", "a forward listens on a loopback address (127.0.0.1, ::1), not " +
                                    listen.address.to_string()};
  return {};
}

// --- StreamForward --------------------------------------------------------------------

StreamForward::StreamForward(loop::Loop& loop, const PipeLimits& limits, Lingerer& lingerer, Pipe& pipe)
    : loop_(loop), limits_(limits), lingerer_(lingerer), pipe_(pipe), listener_(loop) {}

Result<net::Endpoint> StreamForward::start(const net::Endpoint& listen) {
  if (auto st = check_loopback(listen); !st.ok()) return st.error();
  if (auto st = listener_.bind(listen); !st.ok()) return st.error();
  if (auto st = listener_.listen(8, [this](Status s) {
        if (s.ok()) on_connection();
      });
      !st.ok())
    return st.error();
  auto bound = listener_.local_endpoint();
  if (!bound.ok()) return bound.error();
  bound_ = *bound;
  return bound_;
}

void StreamForward::on_connection() {
  auto conn = listener_.accept();
  if (!conn.ok()) return;
  if (relay_) return;  // one connection per pipe: later ones are closed at once
  relay_ = std::make_unique<StreamRelay>(loop_, limits_, lingerer_, pipe_, std::move(*conn));
  listener_.close();
  if (auto st = relay_->start(); !st.ok()) relay_.reset();
}

// --- DatagramForward ------------------------------------------------------------------

DatagramForward::DatagramForward(loop::Loop& loop, Pipe& pipe) : loop_(loop), pipe_(pipe), udp_(loop) {}

DatagramForward::~DatagramForward() {
  if (attached_) pipe_.detach_tap(this);
}

Result<net::Endpoint> DatagramForward::start(const net::Endpoint& listen) {
  if (auto st = check_loopback(listen); !st.ok()) return st.error();
  if (auto st = udp_.bind(listen); !st.ok()) return st.error();
  auto bound = udp_.local_endpoint();
  if (!bound.ok()) return bound.error();
  bound_ = *bound;
  auto st = udp_.recv_start([this](std::span<const std::uint8_t> data, const net::Endpoint& from) {
    app_ = from;
    (void)pipe_.send_raw(std::vector<std::uint8_t>(data.begin(), data.end()));
  });
  if (!st.ok()) return st.error();
  if (auto a = pipe_.attach_tap(this); !a.ok()) return a.error();
  attached_ = true;
  return bound_;
}

void DatagramForward::on_pipe_data(std::span<const std::uint8_t> bytes, const net::Endpoint&) {
  if (!app_) return;  // nobody to give it to yet
  if (udp_.send_queue_size() == 0 && udp_.try_send(*app_, bytes).ok()) return;
  if (udp_.send_queue_size() > 256 * 1024) return;  // the local program is not reading
  udp_.send(*app_, std::vector<std::uint8_t>(bytes.begin(), bytes.end()));
}

void DatagramForward::on_pipe_end(Status) {
  attached_ = false;
  udp_.close();
}

}  // namespace p2pd::pipe
