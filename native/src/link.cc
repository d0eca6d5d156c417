// tcx links: create (attach), update (atomic program swap), detach, and what a link points at.
#include <bpf/bpf.h>

#include <cstring>

#include "args.h"
#include "errors.h"
#include "modules.h"

namespace tortie {

namespace {

// Not in the 6.1 uapi headers we build against; values from the running kernel's BTF.
constexpr uint32_t kLinkTypeXdp = 6;
constexpr uint32_t kLinkTypeTcx = 11;
constexpr uint32_t kLinkTypeNetkit = 13;

Napi::Value TcxAttach(const Napi::CallbackInfo &info) {
  REQUIRE_ARG_NUMBER(0, "progFd");
  REQUIRE_ARG_NUMBER(1, "ifindex");
  REQUIRE_ARG_NUMBER(2, "attachType");
  // libbpf 1.1 passes unknown attach types through; for tcx the ifindex goes in the target_fd slot.
  int fd = bpf_link_create(I32(info[0]), I32(info[1]), static_cast<bpf_attach_type>(U32(info[2])), nullptr);
  if (fd < 0) return ThrowBpfError(info.Env(), "bpf_link_create", ErrOf(fd));
  return Napi::Number::New(info.Env(), fd);
}

Napi::Value LinkUpdate(const Napi::CallbackInfo &info) {
  REQUIRE_ARG_NUMBER(0, "linkFd");
  REQUIRE_ARG_NUMBER(1, "progFd");
  int ret = bpf_link_update(I32(info[0]), I32(info[1]), nullptr);
  if (ret < 0) return ThrowBpfError(info.Env(), "bpf_link_update", ErrOf(ret));
  return info.Env().Undefined();
}

Napi::Value LinkDetach(const Napi::CallbackInfo &info) {
  REQUIRE_ARG_NUMBER(0, "linkFd");
  int ret = bpf_link_detach(I32(info[0]));
  if (ret < 0) return ThrowBpfError(info.Env(), "bpf_link_detach", ErrOf(ret));
  return info.Env().Undefined();
}

Napi::Value LinkInfo(const Napi::CallbackInfo &info) {
  REQUIRE_ARG_NUMBER(0, "linkFd");
  bpf_link_info li;
  memset(&li, 0, sizeof(li));
  uint32_t len = sizeof(li);
  int ret = bpf_obj_get_info_by_fd(I32(info[0]), &li, &len);
  if (ret < 0) return ThrowBpfError(info.Env(), "bpf_obj_get_info_by_fd", ErrOf(ret));

  // tcx (and netkit) links fill { __u32 ifindex; __u32 attach_type; } at the start of the union,
  // which the 6.1 header doesn't declare: read the union's storage directly.
  uint32_t words[2] = {0, 0};
  if (li.type == kLinkTypeTcx || li.type == kLinkTypeNetkit) {
    memcpy(words, &li.raw_tracepoint, sizeof(words));
  } else if (li.type == kLinkTypeXdp) {
    words[0] = li.xdp.ifindex;
  }
  Napi::Env env = info.Env();
  Napi::Object out = Napi::Object::New(env);
  out.Set("id", li.id);
  out.Set("type", li.type);
  out.Set("progId", li.prog_id);
  out.Set("ifindex", words[0]);
  out.Set("attachType", words[1]);
  return out;
}

}  // namespace

void InitLink(Napi::Env env, Napi::Object exports) {
  Export(env, exports, "tcxAttach", TcxAttach);
  Export(env, exports, "linkUpdate", LinkUpdate);
  Export(env, exports, "linkDetach", LinkDetach);
  Export(env, exports, "linkInfo", LinkInfo);
}

}  // namespace tortie
