#include "core/loop/loop.hpp"

#include <spdlog/spdlog.h>

#include <stdexcept>

namespace p2pd::loop {

namespace {
// Large enough for recvmmsg batches (libuv splits the buffer in 64 KiB slots).
constexpr std::size_t kReadBufferSize = 16 * 64 * 1024;
}  // namespace

Loop::Loop() {
  int rc = uv_loop_init(&loop_);
  if (rc != 0) throw std::runtime_error(std::string("uv_loop_init: ") + uv_strerror(rc));
  loop_.data = this;
}

Loop::~Loop() {
  // Let close callbacks of handles closed by their owners run.
  uv_run(&loop_, UV_RUN_NOWAIT);
  if (uv_loop_close(&loop_) == UV_EBUSY) {
    int open = 0;
    uv_walk(&loop_, [](uv_handle_t* h, void* arg) {
      ++*static_cast<int*>(arg);
      if (!uv_is_closing(h)) uv_close(h, nullptr);
    }, &open);
    spdlog::warn("loop: {} handle(s) still open at shutdown were closed", open);
    uv_run(&loop_, UV_RUN_DEFAULT);
    uv_loop_close(&loop_);
  }
}

void Loop::run() { uv_run(&loop_, UV_RUN_DEFAULT); }
bool Loop::run_once() { return uv_run(&loop_, UV_RUN_ONCE) != 0; }
void Loop::run_nowait() { uv_run(&loop_, UV_RUN_NOWAIT); }
void Loop::stop() { uv_stop(&loop_); }
std::uint64_t Loop::now_ms() const { return uv_now(&loop_); }

std::span<char> Loop::read_buffer() {
  if (!read_buffer_) {
    read_buffer_ = std::make_unique<char[]>(kReadBufferSize);
    read_buffer_size_ = kReadBufferSize;
  }
  return {read_buffer_.get(), read_buffer_size_};
}

}  // namespace p2pd::loop
