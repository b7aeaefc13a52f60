#include "core/loop/handle.hpp"

namespace p2pd::loop::detail {

void close_block(uv_handle_t* handle) {
  auto* block = static_cast<BlockBase*>(handle->data);
  block->closing = true;
  if (uv_is_closing(handle)) return;
  uv_close(handle, [](uv_handle_t* h) { delete static_cast<BlockBase*>(h->data); });
}

}  // namespace p2pd::loop::detail
