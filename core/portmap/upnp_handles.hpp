#pragma once
// Owners of libminiupnpc's allocations, for the blocking UPnP calls (threadpool only).
#include <miniupnpc/miniupnpc.h>

#include <string>

namespace p2pd::portmap::upnp {

// The device list an SSDP discovery returns.
struct DevList {
  UPNPDev* head = nullptr;
  DevList() = default;
  DevList(const DevList&) = delete;
  DevList& operator=(const DevList&) = delete;
  ~DevList() {
    if (head) freeUPNPDevlist(head);
  }
};

// The URLs UPNP_GetValidIGD fills in.
struct Urls {
  UPNPUrls urls{};
  Urls() = default;
  Urls(const Urls&) = delete;
  Urls& operator=(const Urls&) = delete;
  ~Urls() { FreeUPNPUrls(&urls); }
};

// A C string from libminiupnpc, empty when null.
inline std::string text(const char* s) { return s ? std::string(s) : std::string(); }

}  // namespace p2pd::portmap::upnp
