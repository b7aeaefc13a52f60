#include "rpc/api_context.hpp"

namespace p2pd::rpc {

ApiCounters::ApiCounters(observe::Registry& r)
    : requests(r.counter("p2pd_api_requests_total", "REST requests received")),
      rejected_host(r.counter("p2pd_api_rejected_total", "REST requests rejected by the access rules",
                              {{"reason", "forbidden_host"}})),
      rejected_origin(r.counter("p2pd_api_rejected_total", "", {{"reason", "forbidden_origin"}})),
      rejected_token(r.counter("p2pd_api_rejected_total", "", {{"reason", "unauthorized"}})),
      not_found(r.counter("p2pd_api_not_found_total", "REST requests for unknown routes")),
      loop_busy(r.counter("p2pd_api_loop_busy_total", "REST requests the event loop did not answer in time")),
      busy(r.counter("p2pd_api_busy_total", "Long polls refused because too many were waiting")) {}

}  // namespace p2pd::rpc
