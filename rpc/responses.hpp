#pragma once
// Response bodies: /v1 routes answer {"error":0,...} or {"error":"<slug>","message":...};
// P2PD-compatible routes keep P2PD's numeric codes {"error":N,"msg":...}.
#include <httplib.h>

#include <nlohmann/json.hpp>
#include <string_view>

#include "core/result.hpp"

namespace p2pd::rpc {

// P2PD's numeric error codes (docs/API.md).
namespace p2pd_code {
inline constexpr int name_exists = 2;
inline constexpr int connect_failed = 3;
inline constexpr int no_address = 5;  // also: bad origin / host / token
inline constexpr int nothing_received = 6;
inline constexpr int send_failed = 8;
inline constexpr int sub_exists = 9;
inline constexpr int reserved_name = 10;
}  // namespace p2pd_code

void send_json(httplib::Response& res, int status, const nlohmann::json& body);

// {"error":0, ...body}
void send_ok(httplib::Response& res, nlohmann::json body = nlohmann::json::object());

void send_v1_error(httplib::Response& res, int status, std::string_view slug, std::string_view message);
void send_p2pd_error(httplib::Response& res, int status, int code, std::string_view message);

// The HTTP status that goes with an Error code slug ("not_found" -> 404, ...).
int http_status_for(std::string_view slug);
void send_v1_error(httplib::Response& res, const Error& error);

// The reason phrase for a status ("Payload Too Large").
std::string_view status_text(int status);

// /v1/... and /metrics are resource routes; everything else is P2PD-compatible.
bool is_v1_path(std::string_view path);

}  // namespace p2pd::rpc
