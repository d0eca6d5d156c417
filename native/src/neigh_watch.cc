// neighWatch: neighbour events (RTMGRP_NEIGH) delivered on the JS thread (see rtnl_watch.h).
#include <linux/rtnetlink.h>

#include "modules.h"
#include "netlink.h"
#include "rtnl_watch.h"

namespace tortie {

namespace {

struct NeighTraits {
  using Event = Neigh;
  static constexpr uint32_t kGroups = RTMGRP_NEIGH;
  static constexpr const char *kWhat = "neighbour watch";
  static constexpr const char *kAsyncName = "tortie:neighWatch";
  static bool Parse(const nlmsghdr *h, Neigh *out) { return ParseNeigh(h, out); }
  static Napi::Object ToJs(Napi::Env env, const Neigh &n) { return NeighToJs(env, n, true); }
};

}  // namespace

void InitNeighWatch(Napi::Env env, Napi::Object exports) { Export(env, exports, "neighWatch", RtnlWatch<NeighTraits>::Start); }

}  // namespace tortie
