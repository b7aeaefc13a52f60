#include "daemon/cmd_addr.hpp"

#include <cstdio>
#include <string>

namespace p2pd::daemon {

int cmd_addr(const ClientOptions& options, bool json_out) {
  auto client = ApiClient::connect(options);
  if (!client.ok()) return report_error(client.error());
  auto r = client->request_json("GET", "/v1/addr");
  if (!r.ok()) return report_error(r.error());
  if (json_out) {
    std::puts(r->dump(2).c_str());
    return 0;
  }
  auto it = r->find("addr");
  if (it == r->end() || !it->is_string()) {
    std::fputs("p2pd: the daemon's answer has no \"addr\"\n", stderr);
    return 1;
  }
  std::puts(it->get<std::string>().c_str());
  return 0;
}

}  // namespace p2pd::daemon
