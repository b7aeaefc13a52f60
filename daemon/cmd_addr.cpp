#include "daemon/cmd_addr.hpp"

#include <cstdio>
#include <string>

namespace p2pd::daemon {

int cmd_addr(const ClientOptions& options, bool json_out) {
  return run_json_request(options, "GET", "/v1/addr", nullptr, json_out, [](const nlohmann::json& j) {
    auto it = j.find("addr");
    if (it != j.end() && it->is_string()) std::puts(it->get<std::string>().c_str());
    else std::fputs("p2pd: the daemon's answer has no \"addr\"\n", stderr);
  });
}

}  // namespace p2pd::daemon
