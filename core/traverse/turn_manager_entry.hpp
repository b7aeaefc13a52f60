#pragma once
// One allocation as the TurnManager holds it (shared by turn_manager*.cpp only).
#include "core/traverse/turn_manager.hpp"

namespace p2pd::traverse::turn {

struct TurnManager::Entry {
  std::string id;
  CreateRequest request;
  std::unique_ptr<TurnClient> client;
  std::shared_ptr<RelayHub> hub = std::make_shared<RelayHub>();
  std::function<void(Result<nlohmann::json>)> create_done;
  std::uint64_t created_at = 0;
  bool was_allocated = false;
  bool releasing = false;
  std::optional<Error> failure;
  std::optional<std::string> pipe;
  std::optional<std::string> pipe_error;
  std::vector<std::string> connection_pipes;
  std::size_t next_connection = 1;
  std::vector<std::function<void()>> release_waiters;
};

}  // namespace p2pd::traverse::turn
