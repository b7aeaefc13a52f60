namespace p2pd::rpc { int placeholder() { return 0; } }
