// Legacy tc attach: clsact qdisc + cls_bpf direct-action filter at a fixed handle/priority,
// for kernels without tcx. Replacing at the same handle/priority is hitless; delete+add is not.
#include <bpf/libbpf.h>

#include <cerrno>

#include "args.h"
#include "errors.h"
#include "modules.h"
#include "opts.h"

namespace tortie {

namespace {

bpf_tc_hook Hook(const Napi::CallbackInfo &info) {
  auto hook = Opts<bpf_tc_hook>();
  hook.ifindex = I32(info[0]);
  hook.attach_point = info[1].As<Napi::Boolean>().Value() ? BPF_TC_INGRESS : BPF_TC_EGRESS;
  return hook;
}

// The filter Tortie owns on a hook: handle and priority from arguments `at` and `at + 1`.
bpf_tc_opts FilterAt(const Napi::CallbackInfo &info, size_t at) {
  auto opts = Opts<bpf_tc_opts>();
  opts.handle = U32(info[at]);
  opts.priority = U32(info[at + 1]);
  return opts;
}

// Measured on 6.18: no clsact -> EINVAL ("Parent Qdisc doesn't exists"); clsact but no filter at
// that priority -> EINVAL ("Cannot find specified filter chain"); chain but no such handle -> ENOENT.
// All mean "no filter". libbpf also says EINVAL for handle or priority 0, so TS must reject those.
bool NoFilter(int err) { return err == ENOENT || err == EINVAL; }

Napi::Value TcAttach(const Napi::CallbackInfo &info) {
  REQUIRE_ARG_NUMBER(0, "ifindex");
  REQUIRE_ARG_BOOL(1, "ingress");
  REQUIRE_ARG_NUMBER(2, "progFd");
  REQUIRE_ARG_NUMBER(3, "handle");
  REQUIRE_ARG_NUMBER(4, "priority");
  REQUIRE_ARG_BOOL(5, "replace");
  bpf_tc_hook hook = Hook(info);
  int ret = bpf_tc_hook_create(&hook);
  if (ret < 0) {
    int err = ErrOf(ret);
    if (err != EEXIST) return ThrowBpfError(info.Env(), "bpf_tc_hook_create", err);  // EEXIST: clsact is there
  }
  bpf_tc_opts opts = FilterAt(info, 3);
  opts.prog_fd = I32(info[2]);
  opts.flags = info[5].As<Napi::Boolean>().Value() ? BPF_TC_F_REPLACE : 0;
  ret = bpf_tc_attach(&hook, &opts);
  if (ret < 0) return ThrowBpfError(info.Env(), "bpf_tc_attach", ErrOf(ret));
  return info.Env().Undefined();
}

Napi::Value TcDetach(const Napi::CallbackInfo &info) {
  REQUIRE_ARG_NUMBER(0, "ifindex");
  REQUIRE_ARG_BOOL(1, "ingress");
  REQUIRE_ARG_NUMBER(2, "handle");
  REQUIRE_ARG_NUMBER(3, "priority");
  bpf_tc_hook hook = Hook(info);
  bpf_tc_opts opts = FilterAt(info, 2);
  int ret = bpf_tc_detach(&hook, &opts);
  if (ret < 0) {
    int err = ErrOf(ret);
    if (NoFilter(err)) return Napi::Boolean::New(info.Env(), false);
    return ThrowBpfError(info.Env(), "bpf_tc_detach", err);
  }
  return Napi::Boolean::New(info.Env(), true);
}

Napi::Value TcQuery(const Napi::CallbackInfo &info) {
  REQUIRE_ARG_NUMBER(0, "ifindex");
  REQUIRE_ARG_BOOL(1, "ingress");
  REQUIRE_ARG_NUMBER(2, "handle");
  REQUIRE_ARG_NUMBER(3, "priority");
  bpf_tc_hook hook = Hook(info);
  bpf_tc_opts opts = FilterAt(info, 2);
  int ret = bpf_tc_query(&hook, &opts);
  if (ret < 0) {
    int err = ErrOf(ret);
    if (NoFilter(err)) return Napi::Number::New(info.Env(), 0);
    return ThrowBpfError(info.Env(), "bpf_tc_query", err);
  }
  return Napi::Number::New(info.Env(), opts.prog_id);
}

}  // namespace

void InitTc(Napi::Env env, Napi::Object exports) {
  Export(env, exports, "tcAttach", TcAttach);
  Export(env, exports, "tcDetach", TcDetach);
  Export(env, exports, "tcQuery", TcQuery);
}

}  // namespace tortie
