// neighWatch: neighbour events (RTMGRP_NEIGH) delivered on the JS thread by libuv, without polling.
//
// Lifetime: an open watcher is a ref'd uv handle, so it keeps the event loop (a daemon) alive, and
// the native side holds its close function, so garbage collection can never silently stop the
// events. close() stops the poll; the fd is closed in the uv close callback, and the memory freed
// once the close function is collected too (it may outlive the object: `const { close } = ...`). At environment teardown (process exit, worker terminate) an async cleanup
// hook closes a watcher still open: Node then waits for the close callback, which must run before
// a worker unloads this addon (it would jump into unmapped code otherwise).
#include <linux/rtnetlink.h>
#include <sys/socket.h>
#include <unistd.h>
#include <uv.h>

#include <cerrno>
#include <vector>

#include "args.h"
#include "errors.h"
#include "modules.h"
#include "netlink.h"

namespace tortie {

namespace {

// Ample for bursts (a flapping uplink, a node with many neighbours); ENOBUFS beyond this is reported.
constexpr int kRcvBuf = 4 * 1024 * 1024;
constexpr size_t kRecvChunk = 64 * 1024;
constexpr int kMaxReads = 256;
// After an overrun the whole queue is discarded (8 MiB is ~10k events), so a dump taken by the
// callback is newer than anything delivered later. Still bounded, against a never-ending flood.
constexpr int kMaxDiscards = 64 * 1024;

class Watch {
 public:
  static Napi::Value Start(const Napi::CallbackInfo &info);

 private:
  Watch(Napi::Env env, int fd) : env_(env), fd_(fd), buf_(kRecvChunk) {}

  static void OnReadable(uv_poll_t *handle, int status, int events);
  static void OnClosed(uv_handle_t *handle);
  static void OnFinalize(Napi::Env env, Watch *w);
  static void OnEnvCleanup(napi_async_cleanup_hook_handle hook, void *arg);
  static Napi::Value CloseFn(const Napi::CallbackInfo &info);

  void Drain(int status);
  void Deliver(std::vector<Neigh> &events, bool overrun, const char *op, int err);
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

Napi::Value Watch::Start(const Napi::CallbackInfo &info) {
  Napi::Env env = info.Env();
  if (!info[0].IsFunction()) return ArgTypeError(info[0], "callback", "function");
  int fd = RtnlOpen(RTMGRP_NEIGH, true);
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
  Watch *w = new Watch(env, fd);
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

Napi::Value Watch::CloseFn(const Napi::CallbackInfo &info) {
  // w is alive while this function is: it is freed after the function's finalizer and OnClosed.
  static_cast<Watch *>(info.Data())->Close();
  return info.Env().Undefined();
}

void Watch::Close() {
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

void Watch::OnClosed(uv_handle_t *handle) {
  Watch *w = static_cast<Watch *>(handle->data);
  if (w->fd_ >= 0) close(w->fd_);  // after uv_close: epoll must not see a reused fd number
  w->fd_ = -1;
  w->polling_ = false;
  if (w->cleanup_) napi_remove_async_cleanup_hook(w->cleanup_);  // also: "teardown may go on"
  w->cleanup_ = nullptr;
  if (w->jsGone_) delete w;
}

void Watch::OnEnvCleanup(napi_async_cleanup_hook_handle, void *arg) { static_cast<Watch *>(arg)->Close(); }

void Watch::OnFinalize(Napi::Env, Watch *w) {
  w->jsGone_ = true;
  w->Close();  // normally a no-op: closeFn_ holds it while open and teardown's hook runs first
  if (!w->polling_) delete w;
}

void Watch::OnReadable(uv_poll_t *handle, int status, int) {
  static_cast<Watch *>(handle->data)->Drain(status);
}

// Reads what is queued (up to kMaxReads datagrams, so a flood can't starve the loop; the poll is
// level-triggered), then calls back once. ENOBUFS means the kernel dropped events: everything
// queued is discarded and the caller told to resync from a dump.
void Watch::Drain(int status) {
  if (closing_) return;
  std::vector<Neigh> events;
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
    if (from.nl_pid != 0) continue;  // only the kernel speaks for the neighbour table
    int len = static_cast<int>(n);
    for (auto *h = reinterpret_cast<const nlmsghdr *>(buf_.data()); NLMSG_OK(h, len); h = NLMSG_NEXT(h, len)) {
      Neigh neigh;
      if (ParseNeigh(h, &neigh)) events.push_back(std::move(neigh));
    }
  }
  if (overrun) events.clear();
  if (events.empty() && !overrun && !err) return;
  Deliver(events, overrun, op, err);
}

// callback(events, { overrun, error? }). A read error ends the watcher (reported once, as `error`,
// with overrun set so the caller resyncs). An exception thrown by the callback is not swallowed:
// it goes to process 'uncaughtException', like one thrown from any other event callback.
void Watch::Deliver(std::vector<Neigh> &events, bool overrun, const char *op, int err) {
  Napi::Env env = env_;
  Napi::HandleScope scope(env);
  Napi::Array batch = Napi::Array::New(env, events.size());
  for (size_t i = 0; i < events.size(); i++) batch.Set(static_cast<uint32_t>(i), NeighToJs(env, events[i], true));
  Napi::Object meta = Napi::Object::New(env);
  meta.Set("overrun", overrun || err != 0);
  if (err) {
    ThrowBpfError(env, op, err, nullptr, "neighbour watch");
    meta.Set("error", env.GetAndClearPendingException().Value());
  }
  Napi::Function cb = callback_.Value();
  if (err) Close();  // before the call: the callback may open a new watcher
  Napi::AsyncContext ctx(env, "tortie:neighWatch");
  cb.MakeCallback(Napi::Object::New(env), {batch, meta}, ctx);  // napi wants an object as `this`
  if (env.IsExceptionPending()) napi_fatal_exception(env, env.GetAndClearPendingException().Value());
}

}  // namespace

void InitNeighWatch(Napi::Env env, Napi::Object exports) { Export(env, exports, "neighWatch", Watch::Start); }

}  // namespace tortie
