// Programs: test runs, what is attached where (bpf_prog_query), and program identity.
#include <bpf/bpf.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <vector>

#include "args.h"
#include "errors.h"
#include "modules.h"
#include "opts.h"

namespace tortie {

namespace {

Napi::Value ProgTestRun(const Napi::CallbackInfo &info) {
  REQUIRE_ARG_NUMBER(0, "progFd");
  REQUIRE_ARG_OBJECT(1, "input");
  Napi::Env env = info.Env();
  Napi::Object input = info[1].As<Napi::Object>();
  Napi::Value data = input.Get("data"), dataOutSize = input.Get("dataOutSize");
  Napi::Value ctx = input.Get("ctx"), repeat = input.Get("repeat");
  REQUIRE_VALUE(data, IsBytes, "input.data", "Uint8Array");
  REQUIRE_VALUE(dataOutSize, IsNumber, "input.dataOutSize", "number");
  bool hasCtx = !ctx.IsUndefined() && !ctx.IsNull();
  if (hasCtx) REQUIRE_VALUE(ctx, IsBytes, "input.ctx", "Uint8Array");
  if (!repeat.IsUndefined()) REQUIRE_VALUE(repeat, IsNumber, "input.repeat", "number");

  Bytes in = BytesOf(data);
  std::vector<uint8_t> out(U32(dataOutSize));
  Bytes ctxIn = hasCtx ? BytesOf(ctx) : Bytes{nullptr, 0};
  std::vector<uint8_t> ctxOut(ctxIn.len);

  auto opts = Opts<bpf_test_run_opts>();
  opts.data_in = in.data;
  opts.data_size_in = static_cast<uint32_t>(in.len);
  opts.data_out = out.data();
  opts.data_size_out = static_cast<uint32_t>(out.size());
  if (hasCtx) {
    opts.ctx_in = ctxIn.data;
    opts.ctx_size_in = static_cast<uint32_t>(ctxIn.len);
    opts.ctx_out = ctxOut.data();
    opts.ctx_size_out = static_cast<uint32_t>(ctxOut.size());
  }
  opts.repeat = repeat.IsUndefined() ? 0 : I32(repeat);
  int ret = bpf_prog_test_run_opts(I32(info[0]), &opts);
  // ENOSPC: the output packet did not fit in dataOutSize (the kernel copied a truncated one).
  if (ret < 0) return ThrowBpfError(env, "bpf_prog_test_run_opts", ErrOf(ret));

  Napi::Object result = Napi::Object::New(env);
  result.Set("retval", static_cast<double>(static_cast<int32_t>(opts.retval)));
  result.Set("data", CopyBytes(env, out.data(), std::min<size_t>(opts.data_size_out, out.size())));
  result.Set("ctx", hasCtx ? Napi::Value(CopyBytes(env, ctxOut.data(), std::min<size_t>(opts.ctx_size_out, ctxOut.size())))
                           : env.Null());
  result.Set("durationNs", opts.duration);
  return result;
}

Napi::Value ProgQuery(const Napi::CallbackInfo &info) {
  REQUIRE_ARG_NUMBER(0, "ifindex");
  REQUIRE_ARG_NUMBER(1, "attachType");
  Napi::Env env = info.Env();
  int target = I32(info[0]);
  auto type = static_cast<bpf_attach_type>(U32(info[1]));
  std::vector<uint32_t> ids;
  // Ask for the count, then the ids; grow and retry if programs were attached in between (ENOSPC).
  for (int attempt = 0;; attempt++) {
    uint32_t cnt = static_cast<uint32_t>(ids.size());
    int ret = bpf_prog_query(target, type, 0, nullptr, cnt ? ids.data() : nullptr, &cnt);
    int err = ret < 0 ? ErrOf(ret) : 0;
    bool again = (err == ENOSPC || (!err && cnt > ids.size())) && attempt < 8;
    if (again) {
      ids.resize(std::max<size_t>(cnt, ids.size() * 2 + 8));
      continue;
    }
    if (err) return ThrowBpfError(env, "bpf_prog_query", err);
    ids.resize(std::min<size_t>(cnt, ids.size()));
    break;
  }
  Napi::Array out = Napi::Array::New(env, ids.size());
  for (size_t i = 0; i < ids.size(); i++) out.Set(static_cast<uint32_t>(i), ids[i]);
  return out;
}

Napi::Value ProgInfo(const Napi::CallbackInfo &info) {
  REQUIRE_ARG_NUMBER(0, "fd");
  bpf_prog_info pi;
  memset(&pi, 0, sizeof(pi));
  uint32_t len = sizeof(pi);
  int ret = bpf_obj_get_info_by_fd(I32(info[0]), &pi, &len);
  if (ret < 0) return ThrowBpfError(info.Env(), "bpf_obj_get_info_by_fd", ErrOf(ret));
  char tag[2 * BPF_TAG_SIZE + 1];
  for (int i = 0; i < BPF_TAG_SIZE; i++) snprintf(tag + 2 * i, 3, "%02x", pi.tag[i]);
  Napi::Env env = info.Env();
  Napi::Object out = Napi::Object::New(env);
  out.Set("id", pi.id);
  out.Set("name", pi.name);
  out.Set("type", pi.type);
  out.Set("tag", tag);
  return out;
}

Napi::Value ProgFdById(const Napi::CallbackInfo &info) {
  REQUIRE_ARG_NUMBER(0, "id");
  int fd = bpf_prog_get_fd_by_id(U32(info[0]));
  if (fd < 0) return ThrowBpfError(info.Env(), "bpf_prog_get_fd_by_id", ErrOf(fd));
  return Napi::Number::New(info.Env(), fd);
}

}  // namespace

void InitProg(Napi::Env env, Napi::Object exports) {
  Export(env, exports, "progTestRun", ProgTestRun);
  Export(env, exports, "progQuery", ProgQuery);
  Export(env, exports, "progInfo", ProgInfo);
  Export(env, exports, "progFdById", ProgFdById);
}

}  // namespace tortie
