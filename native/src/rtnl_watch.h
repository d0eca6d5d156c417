// A watcher of rtnetlink multicast groups, delivered on the JS thread by libuv (uv_poll), without
// polling: the lifetime and overrun handling shared by neighWatch and linkWatch. A Traits type says
// what is watched:
//   using Event = ...;                                  // one parsed message
//   static constexpr uint32_t kGroups;                  // RTMGRP_* bits
//   static constexpr const char *kWhat, *kAsyncName;    // for errors and async hooks
//   static bool Parse(const nlmsghdr *, Event *);       // false: not one of ours
//   static Napi::Object ToJs(Napi::Env, const Event &);
//
// Lifetime: an open watcher is a ref'd uv handle, so it keeps the event loop (a daemon) alive, and
// the native side holds its close function, so garbage collection can never silently stop the
// events. close() stops the poll; the fd is closed in the uv close callback, and the memory freed
// once the close function is collected too (it may outlive the object: `const { close } = ...`). At
// environment teardown (process exit, worker terminate) an async cleanup hook closes a watcher still
// open: Node then waits for the close callback, which must run before a worker unloads this addon
// (it would jump into unmapped code otherwise).
#pragma once

#include <linux/rtnetlink.h>
#include <sys/socket.h>
#include <unistd.h>
#include <uv.h>

#include <cerrno>
#include <vector>

#include "args.h"
#include "errors.h"
#include "netlink.h"

namespace tortie {

namespace rtnl_watch {

// Ample for bursts (a flapping uplink, a node with many neighbours); ENOBUFS beyond this is reported.
inline constexpr int kRcvBuf = 4 * 1024 * 1024;
inline constexpr size_t kRecvChunk = 64 * 1024;
inline constexpr int kMaxReads = 256;
// After an overrun the whole queue is discarded (8 MiB is ~10k events), so a dump taken by the
// callback is newer than anything delivered later. Still bounded, against a never-ending flood.
inline constexpr int kMaxDiscards = 64 * 1024;

template <typename Traits>
class RtnlWatch {
 public:
  static Napi::Value Start(const Napi::CallbackInfo &info);

 private:
  using Event = typename Traits::Event;

  RtnlWatch(Napi::Env env, int fd) : env_(env), fd_(fd), buf_(kRecvChunk) {}

  static void OnReadable(uv_poll_t *handle, int status, int events);
  static void OnClosed(uv_handle_t *handle);
  static void OnFinalize(Napi::Env env, RtnlWatch *w);
  static void OnEnvCleanup(napi_async_cleanup_hook_handle hook, void *arg);
  static Napi::Value CloseFn(const Napi::CallbackInfo &info);

  void Drain(int status);
  void Deliver(std::vector<Event> &events, bool overrun, const char *op, int err);
  void Close();

  uv_poll_t poll_;
  Napi::Env env_;
  int fd_;
  std::vector<char> buf_;
  Napi::FunctionReference callback_;
  Napi::FunctionReference closeFn_;  // strong while open: its finalizer would free this
  napi_async_cleanup_hook_handle cleanup_ = nullptr;  // removed in OnClosed
  bool closing_ = false;
  bool polling_ = false;  // the uv handle exists and its close callback is still due
  bool jsGone_ = false;  // the close function was finalized
};

template <typename Traits>
Napi::Value RtnlWatch<Traits>::Start(const Napi::CallbackInfo &info) {
  Napi::Env env = info.Env();
  if (!info[0].IsFunction()) return ArgTypeError(info[0], "callback", "function");
  int fd = RtnlOpen(Traits::kGroups, true);
  if (fd < 0) return ThrowBpfError(env, "socket", LastErrno(), nullptr, "NETLINK_ROUTE");
  // FORCE (root) may exceed net.core.rmem_max; without privileges fall back to the capped size.
  if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &kRcvBuf, sizeof(kRcvBuf)) < 0 &&
      setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &kRcvBuf, sizeof(kRcvBuf)) < 0) {
    int err = LastErrno();
    close(fd);
    return ThrowBpfError(env, "setsockopt", err, nullptr, "SO_RCVBUF");
  }
  uv_loop_t *loop = nullptr;
  if (napi_get_uv_event_loop(env, &loop) != napi_ok || !loop) {
    close(fd);
    return ThrowBpfError(env, "napi_get_uv_event_loop", EIO);
  }
  RtnlWatch *w = new RtnlWatch(env, fd);
  int ret = uv_poll_init(loop, &w->poll_, fd);
  if (ret == 0) {
    w->poll_.data = w;
    w->polling_ = true;
    ret = uv_poll_start(&w->poll_, UV_READABLE, OnReadable);
  }
  if (ret < 0) {
    w->jsGone_ = true;  // no JS object will own it
    w->Close();         // an initialised handle frees w in OnClosed; a bare fd is closed here
    if (!w->polling_) delete w;
    return ThrowBpfError(env, "uv_poll_start", -ret);
  }
  napi_add_async_cleanup_hook(env, OnEnvCleanup, w, &w->cleanup_);
  w->callback_ = Napi::Persistent(info[0].As<Napi::Function>());
  Napi::Function closeFn = Napi::Function::New(env, CloseFn, "close", w);
  closeFn.AddFinalizer(OnFinalize, w);
  w->closeFn_ = Napi::Persistent(closeFn);
  Napi::Object obj = Napi::Object::New(env);
  obj.Set("close", closeFn);
  return obj;
}

template <typename Traits>
Napi::Value RtnlWatch<Traits>::CloseFn(const Napi::CallbackInfo &info) {
  // w is alive while this function is: it is freed after the function's finalizer and OnClosed.
  static_cast<RtnlWatch *>(info.Data())->Close();
  return info.Env().Undefined();
}

template <typename Traits>
void RtnlWatch<Traits>::Close() {
  if (closing_) return;
  closing_ = true;
  callback_.Reset();
  closeFn_.Reset();  // collectable now; its finalizer frees w once the handle is closed
  if (polling_) {
    uv_poll_stop(&poll_);
    uv_close(reinterpret_cast<uv_handle_t *>(&poll_), OnClosed);
  } else if (fd_ >= 0) {
    close(fd_);
    fd_ = -1;
  }
}

template <typename Traits>
void RtnlWatch<Traits>::OnClosed(uv_handle_t *handle) {
  RtnlWatch *w = static_cast<RtnlWatch *>(handle->data);
  if (w->fd_ >= 0) close(w->fd_);  // after uv_close: epoll must not see a reused fd number
  w->fd_ = -1;
  w->polling_ = false;
  if (w->cleanup_) napi_remove_async_cleanup_hook(w->cleanup_);  // also: "teardown may go on"
  w->cleanup_ = nullptr;
  if (w->jsGone_) delete w;
}

template <typename Traits>
void RtnlWatch<Traits>::OnEnvCleanup(napi_async_cleanup_hook_handle, void *arg) { static_cast<RtnlWatch *>(arg)->Close(); }

template <typename Traits>
void RtnlWatch<Traits>::OnFinalize(Napi::Env, RtnlWatch *w) {
  w->jsGone_ = true;
  w->Close();  // normally a no-op: closeFn_ holds it while open and teardown's hook runs first
  if (!w->polling_) delete w;
}

template <typename Traits>
void RtnlWatch<Traits>::OnReadable(uv_poll_t *handle, int status, int) {
  static_cast<RtnlWatch *>(handle->data)->Drain(status);
}

// Reads what is queued (up to kMaxReads datagrams, so a flood can't starve the loop; the poll is
// level-triggered), then calls back once. ENOBUFS means the kernel dropped events: everything
// queued is discarded and the caller told to resync from a dump.
template <typename Traits>
void RtnlWatch<Traits>::Drain(int status) {
  if (closing_) return;
  std::vector<Event> events;
  bool overrun = false;
  int err = 0;
  const char *op = "uv_poll";
  if (status == UV_EBADF) {
    // libuv reports POLLERR as UV_EBADF and stops the handle. On a netlink socket POLLERR is a
    // pending socket error, in practice the kernel's ENOBUFS: take it (SO_ERROR clears it), poll on.
    int soerr = 0;
    socklen_t len = sizeof(soerr);
    if (getsockopt(fd_, SOL_SOCKET, SO_ERROR, &soerr, &len) < 0) {
      op = "getsockopt";
      err = LastErrno();
    } else if (soerr != 0 && soerr != ENOBUFS) {
      op = "recv";
      err = soerr;
    } else {
      overrun = soerr == ENOBUFS;
      int ret = uv_poll_start(&poll_, UV_READABLE, OnReadable);
      if (ret < 0) err = -ret;
    }
  } else if (status < 0) {
    err = -status;
  }
  for (int reads = 0; !err && reads < (overrun ? kMaxDiscards : kMaxReads); reads++) {
    sockaddr_nl from = {};
    socklen_t fromLen = sizeof(from);
    ssize_t n = recvfrom(fd_, buf_.data(), buf_.size(), 0, reinterpret_cast<sockaddr *>(&from), &fromLen);
    if (n < 0) {
      if (errno == EINTR) continue;
      if (errno == EAGAIN || errno == EWOULDBLOCK) break;
      if (errno == ENOBUFS) {
        overrun = true;
        events.clear();
        continue;
      }
      op = "recv";
      err = LastErrno();
      break;
    }
    if (from.nl_pid != 0) continue;  // only the kernel speaks for its tables
    int len = static_cast<int>(n);
    for (auto *h = reinterpret_cast<const nlmsghdr *>(buf_.data()); NLMSG_OK(h, len); h = NLMSG_NEXT(h, len)) {
      Event event;
      if (Traits::Parse(h, &event)) events.push_back(std::move(event));
    }
  }
  if (overrun) events.clear();
  if (events.empty() && !overrun && !err) return;
  Deliver(events, overrun, op, err);
}

// callback(events, { overrun, error? }). A read error ends the watcher (reported once, as `error`,
// with overrun set so the caller resyncs). An exception thrown by the callback is not swallowed:
// it goes to process 'uncaughtException', like one thrown from any other event callback.
template <typename Traits>
void RtnlWatch<Traits>::Deliver(std::vector<Event> &events, bool overrun, const char *op, int err) {
  Napi::Env env = env_;
  Napi::HandleScope scope(env);
  Napi::Array batch = Napi::Array::New(env, events.size());
  for (size_t i = 0; i < events.size(); i++) batch.Set(static_cast<uint32_t>(i), Traits::ToJs(env, events[i]));
  Napi::Object meta = Napi::Object::New(env);
  meta.Set("overrun", overrun || err != 0);
  if (err) {
    ThrowBpfError(env, op, err, nullptr, Traits::kWhat);
    meta.Set("error", env.GetAndClearPendingException().Value());
  }
  Napi::Function cb = callback_.Value();
  if (err) Close();  // before the call: the callback may open a new watcher
  Napi::AsyncContext ctx(env, Traits::kAsyncName);
  cb.MakeCallback(Napi::Object::New(env), {batch, meta}, ctx);  // napi wants an object as `this`
  if (env.IsExceptionPending()) napi_fatal_exception(env, env.GetAndClearPendingException().Value());
}

}  // namespace rtnl_watch

template <typename Traits>
using RtnlWatch = rtnl_watch::RtnlWatch<Traits>;

}  // namespace tortie
