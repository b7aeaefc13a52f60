import re,sys
def edit(f, old, new, count=1):
    s=open(f).read()
    if old not in s: sys.exit("not found in %s: %r" % (f, old))
    s=s.replace(old,new,count); open(f,"w").write(s)
edit("rpc/api_context.hpp", '#include "core/peer/identity.hpp"\n', '#include "core/peer/address_book.hpp"\n#include "core/peer/identity.hpp"\n')
edit("rpc/api_context.hpp", "  net::InterfaceService* interfaces = nullptr;  // /v1/interfaces, /ifs\n",
     "  net::InterfaceService* interfaces = nullptr;  // /v1/interfaces, /ifs\n  peer::AddressBook* book = nullptr;  // /v1/peers; thread-safe, called on HTTP threads\n")
edit("rpc/routes.hpp", "void add_net_routes(Router& router, ApiContext& ctx);     // /v1/interfaces, /ifs\n",
     "void add_net_routes(Router& router, ApiContext& ctx);     // /v1/interfaces, /ifs\nvoid add_peer_routes(Router& router, ApiContext& ctx);    // /v1/peers (the address book)\n")
edit("rpc/api_server.cpp", "  add_net_routes(router_, ctx_);\n", "  add_net_routes(router_, ctx_);\n  add_peer_routes(router_, ctx_);\n")
f="daemon/daemon.cpp"
edit(f, '#include "daemon/node_port.hpp"\n', '#include "daemon/node_port.hpp"\n#include "daemon/peer_book.hpp"\n')
edit(f, "std::string token, NodePort node_port, peer::Identity identity)", "std::string token, NodePort node_port, peer::Identity identity, peer::AddressBook* book)")
edit(f, "&turn_, &identity_, &interfaces_}", "&turn_, &identity_, &interfaces_, book}")
edit(f, '''  spdlog::info("peer id {}", identity->peer_id());
''', '''  spdlog::info("peer id {}", identity->peer_id());
  peer::AddressBook book(book_writer(state_dir));  // outlives the Daemon and its API threads
  if (auto st = load_book_file(state_dir, book); !st.ok()) {
    spdlog::critical("{}", st.error().message);
    return 1;
  }
''')
edit(f, "                std::move(*identity));", "                std::move(*identity), &book);")
f="daemon/main.cpp"
edit(f, '#include "daemon/cmd_ifs.hpp"\n', '#include "daemon/cmd_ifs.hpp"\n#include "daemon/cmd_peers.hpp"\n')
edit(f, '''  try {
    app.parse''', '''  auto peers_cmd = p2pd::daemon::add_peers_command(app, client, [&client](CLI::App* cmd) {
    add_client_options(cmd, client, nullptr);
  });

  try {
    app.parse''')
edit(f, "  if (int rc = turn_cmd(); rc >= 0) return rc;\n", "  if (int rc = turn_cmd(); rc >= 0) return rc;\n  if (int rc = peers_cmd(); rc >= 0) return rc;\n")
edit("README.md", "p2pd status [--api ENDPOINT] [--json]\n", "p2pd status [--api ENDPOINT] [--json]                       # includes this daemon's peer id\np2pd peers [add NAME ADDRESS|show NAME|rm NAME]              # the address book\n")
edit("README.md", "- State (`/var/lib/p2pd` for root): `api.token`, ", "- State (`/var/lib/p2pd` for root): `identity.key` (the Ed25519 key pair: back it up, keep it\n  private), `peers.json` (the address book), `api.token`, ")
edit("docs/ARCHITECTURE.md", "## Interfaces (core/net)\n", '''## Address book (core/peer/address_book*, daemon/peer_book.*)
`peer::AddressBook` maps names to parsed peer addresses behind one mutex. The HTTP
threads call it directly (`CoreServices.book`, not through the bridge) because a change
writes `<state>/peers.json` before it takes effect (the persist function from
`daemon/peer_book.*`, `write_file_atomically`), and a disk write must never run on the
loop thread. Loop code only reads it (`get`, `resolve`: "peer address or book name").
`address_book_file.cpp` is the strict file codec; `address_json.*` gives an address's parts
as JSON (/v1/peers now, /v1/addr later).

## Interfaces (core/net)
''')
