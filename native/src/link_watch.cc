// linkWatch: interfaces appearing, changing and disappearing (RTMGRP_LINK), delivered on the JS
// thread (see rtnl_watch.h). The daemon attaches its programs to new cali* interfaces from these.
#include <linux/if.h>
#include <linux/rtnetlink.h>
#include <sys/socket.h>

#include <cstring>
#include <string>

#include "modules.h"
#include "rtnl_watch.h"

namespace tortie {

namespace {

struct Link {
  bool deleted;
  int ifindex;
  std::string name;
  uint32_t flags;  // IFF_*
};

// Only AF_UNSPEC messages are about devices: a bridge also sends AF_BRIDGE RTM_NEWLINK/RTM_DELLINK
// for its ports, and an AF_BRIDGE RTM_DELLINK means "left the bridge", not "deleted".
bool ParseLink(const nlmsghdr *h, Link *out) {
  if (h->nlmsg_type != RTM_NEWLINK && h->nlmsg_type != RTM_DELLINK) return false;
  if (h->nlmsg_len < NLMSG_LENGTH(sizeof(ifinfomsg))) return false;
  const auto *ifi = static_cast<const ifinfomsg *>(NLMSG_DATA(h));
  if (ifi->ifi_family != AF_UNSPEC) return false;
  out->deleted = h->nlmsg_type == RTM_DELLINK;
  out->ifindex = ifi->ifi_index;
  out->flags = ifi->ifi_flags;
  out->name.clear();
  int len = static_cast<int>(h->nlmsg_len - NLMSG_LENGTH(sizeof(*ifi)));
  const auto *a = reinterpret_cast<const rtattr *>(reinterpret_cast<const char *>(ifi) + NLMSG_ALIGN(sizeof(*ifi)));
  for (; RTA_OK(a, len); a = RTA_NEXT(a, len)) {
    if (a->rta_type != IFLA_IFNAME || RTA_PAYLOAD(a) == 0) continue;
    const char *name = static_cast<const char *>(RTA_DATA(a));
    out->name.assign(name, strnlen(name, RTA_PAYLOAD(a)));
  }
  return !out->name.empty();
}

struct LinkTraits {
  using Event = Link;
  static constexpr uint32_t kGroups = RTMGRP_LINK;
  static constexpr const char *kWhat = "link watch";
  static constexpr const char *kAsyncName = "tortie:linkWatch";
  static bool Parse(const nlmsghdr *h, Link *out) { return ParseLink(h, out); }
  static Napi::Object ToJs(Napi::Env env, const Link &l) {
    Napi::Object o = Napi::Object::New(env);
    o.Set("type", l.deleted ? "del" : "new");
    o.Set("ifindex", l.ifindex);
    o.Set("name", l.name);
    o.Set("flags", l.flags);
    return o;
  }
};

}  // namespace

void InitLinkWatch(Napi::Env env, Napi::Object exports) { Export(env, exports, "linkWatch", RtnlWatch<LinkTraits>::Start); }

}  // namespace tortie
