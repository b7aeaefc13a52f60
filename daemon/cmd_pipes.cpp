#include "daemon/cmd_pipes.hpp"

#include <cstdio>
#include <memory>
#include <string>

#include <fmt/format.h>

#include "core/pipe/names.hpp"

namespace p2pd::daemon {

namespace {

using nlohmann::json;

struct PipeArgs {
  bool json = false;
  std::string name, text;
  int timeout_ms = 2000;
};

std::string or_dash(const json& j, const char* key) { return j.contains(key) && j[key].is_string() ? j[key].get<std::string>() : "-"; }

int run(ClientOptions options, const PipeArgs& args, const std::string& method, const std::string& path,
        const json& body, const std::function<void(const json&)>& human) {
  options.timeout_ms += args.timeout_ms;  // a recv may wait that long before answering
  return run_json_request(options, method, path, body, args.json, human);
}

}  // namespace

std::function<int()> add_pipe_commands(CLI::App& app, ClientOptions& client,
                                       const std::function<void(CLI::App*)>& add_client_options) {
  auto args = std::make_shared<PipeArgs>();
  auto* pipes = app.add_subcommand("pipes", "list the daemon's pipes");
  auto* send = app.add_subcommand("send", "send TEXT on pipe NAME");
  send->add_option("NAME", args->name)->required();
  send->add_option("TEXT", args->text)->required();
  auto* recv = app.add_subcommand("recv", "print the next message of pipe NAME");
  recv->add_option("NAME", args->name)->required();
  recv->add_option("--timeout-ms", args->timeout_ms, "wait at most this long (0: do not wait)")
      ->check(CLI::Range(0, 300000));
  auto* close = app.add_subcommand("close", "close pipe NAME");
  close->add_option("NAME", args->name)->required();
  for (auto* cmd : {pipes, send, recv, close}) {
    add_client_options(cmd);
    cmd->add_flag("--json", args->json, "print the raw JSON answer");
  }

  return [&client, pipes, send, recv, close, args]() -> int {
    if (!pipes->parsed() && !send->parsed() && !recv->parsed() && !close->parsed()) return -1;
    PipeArgs a = *args;
    if (!pipes->parsed() && !pipe::valid_name(a.name)) {  // also keeps the name safe in a path
      std::fprintf(stderr, "p2pd: NAME: a pipe name must match [A-Za-z0-9_.-]{1,64}\n");
      return 2;
    }
    const std::string path = "/v1/pipes/" + a.name;
    if (send->parsed())
      return run(client, a, "POST", path + "/send", {{"text", a.text}},
                 [](const json& r) { fmt::print("sent {} bytes\n", r.value("sent", 0)); });
    if (recv->parsed())
      return run(client, a, "GET", path + "/recv?timeout_ms=" + std::to_string(a.timeout_ms), nullptr,
                 [](const json& r) {
                   if (r.contains("text")) fmt::print("{}\n", r["text"].get<std::string>());
                   else fmt::print("(binary, {} bytes, base64) {}\n", r.value("size", 0), or_dash(r, "data_b64"));
                 });
    if (close->parsed())
      return run(client, a, "DELETE", path, nullptr, [&a](const json&) { fmt::print("closed {}\n", a.name); });
    a.timeout_ms = 0;
    return run(client, a, "GET", "/v1/pipes", nullptr, [](const json& r) {
      fmt::print("{:<24} {:<5} {:<13} {:<28} {:<28} {:>10} {:>10}\n", "NAME", "PROTO", "STATE", "LOCAL", "REMOTE",
                 "BYTES IN", "BYTES OUT");
      for (const auto& p : r["pipes"])
        fmt::print("{:<24} {:<5} {:<13} {:<28} {:<28} {:>10} {:>10}\n", or_dash(p, "name"), or_dash(p, "proto"),
                   or_dash(p, "state"), or_dash(p, "local"), or_dash(p, "remote"), p.value("bytes_in", 0),
                   p.value("bytes_out", 0));
      if (r["pipes"].empty()) fmt::print("(no pipes)\n");
    });
  };
}

}  // namespace p2pd::daemon
