#pragma once
// Bounds how many HTTP threads may wait in long polls (/recv, events) at once, so that
// waiting requests cannot starve short ones: beyond the bound the API answers "busy".
#include <atomic>

namespace p2pd::rpc {

class LongPollGate {
 public:
  explicit LongPollGate(int max) : max_(max) {}

  class Ticket {
   public:
    Ticket() = default;
    explicit Ticket(LongPollGate* gate) : gate_(gate) {}
    Ticket(Ticket&& o) noexcept : gate_(o.gate_) { o.gate_ = nullptr; }
    Ticket& operator=(Ticket&&) = delete;
    ~Ticket() {
      if (gate_) gate_->in_use_.fetch_sub(1);
    }
    explicit operator bool() const { return gate_ != nullptr; }

   private:
    LongPollGate* gate_ = nullptr;
  };

  // An empty ticket means "busy".
  Ticket try_enter() {
    int now = in_use_.fetch_add(1) + 1;
    if (now > max_) {
      in_use_.fetch_sub(1);
      return Ticket{};
    }
    return Ticket{this};
  }
  int in_use() const { return in_use_.load(); }
  int max() const { return max_; }

 private:
  const int max_;
  std::atomic<int> in_use_{0};
};

}  // namespace p2pd::rpc
