// Batched UDP for one worker: recvmmsg up to a batch of datagrams, let JavaScript answer them all
// in one call, sendmmsg the answers. The addon moves bytes only; src/transport/mmsg.ts answers.
//
// Context-aware (NAPI_MODULE_INIT, no global state): every worker thread loads its own instance,
// and each socket lives on the loop of the thread that opened it. A socket is closed by close(),
// or by the environment's teardown (worker exit) through an async cleanup hook.

/*
 * Shared buffers, allocated by JavaScript (src/transport/mmsg.ts) and handed to open(); the
 * socket holds a reference to each until it is closed, so their memory never moves or goes.
 * B = batch (1..64), S = stride (>= 65537 bytes).
 *
 *   in       B × S bytes   datagram i at i*S (up to 65536 bytes read; a longer one is cut and
 *                          flagged: length -1)
 *   out      B × S bytes   answer i written by JavaScript at i*S
 *   lengths  2B int32      [0, B): datagram lengths, -1 = truncated (MSG_TRUNC) or unusable;
 *                          [B, 2B): answer lengths set by JavaScript, 0 = send nothing (C sets
 *                          them to 0 before each call); after sending, a failed send is marked
 *                          -errno there and onSendErrors(count) is called
 *   addrs    B × 20 bytes  sender of datagram i at i*20: byte 0 family (4 or 6; an IPv4-mapped
 *                          IPv6 sender is reported as 4), bytes 2..3 port (big-endian), bytes
 *                          4..7 the IPv4 address or 4..19 the IPv6 address
 *
 * The senders' sockaddrs stay here in C: each answer goes to the exact address its query came
 * from (including IPv6 scope and mapped-IPv4 form).
 *
 * Readable: up to MAX_ROUNDS batches per wake-up (then back to the loop so timers, TCP and zone
 * swaps get their turn). Per batch: recvmmsg → onBatch(n) → sendmmsg of every answer > 0. If the
 * socket's send buffer is full (EAGAIN), the rest of the batch waits for writability and nothing
 * is read meanwhile (the in/out buffers still hold it): no answer is lost or overwritten. A send
 * that fails for another reason fails that datagram only; the others still go.
 */

#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <node_api.h>
#include <uv.h>

#define MAX_BATCH 64
#define MAX_DATAGRAM 65536
#define ADDR_BYTES 20
#define MAX_ROUNDS 8

enum { STATE_OPEN, STATE_CLOSING, STATE_CLOSED };

/* Test hooks, for paths loopback never takes on its own (its sends do not block or fail):
 * TEST_WOULD_BLOCK sends one datagram per sendmmsg and then acts as if the socket were full
 * (EAGAIN), so the rest waits for writability; TEST_FAIL_FIRST fails the first datagram of
 * every batch with EPERM (as a firewall would). */
#define TEST_WOULD_BLOCK 1
#define TEST_FAIL_FIRST 2

enum { REF_IN, REF_OUT, REF_LENGTHS, REF_ADDRS, REF_ON_BATCH, REF_ON_SEND_ERRORS, REF_ON_ERROR, REF_SELF, REF_ON_CLOSE, REF_COUNT };

typedef struct mmsg_socket {
  napi_env env;
  int fd;
  int state;
  int finalized;
  int tearing_down;
  int poll_events;
  uv_poll_t poll;
  napi_ref refs[REF_COUNT];
  napi_async_context async_context;
  napi_async_cleanup_hook_handle cleanup;

  uint8_t *in;
  uint8_t *out;
  int32_t *lengths;
  uint8_t *addrs;
  size_t stride;
  int batch;

  /* Pending sends of the current batch: entries [send_next, send_count) of smsgs. */
  int send_count;
  int send_next;
  int send_failures;
  /* Test hooks (open's `test` option; 0 in service): see TEST_* below. */
  int test;

  struct mmsghdr rmsgs[MAX_BATCH];
  struct iovec riov[MAX_BATCH];
  struct sockaddr_storage names[MAX_BATCH];
  struct mmsghdr smsgs[MAX_BATCH];
  struct iovec siov[MAX_BATCH];
  int sslot[MAX_BATCH];
} mmsg_socket;

#define CHECK(env, call)                                                     \
  do {                                                                       \
    if ((call) != napi_ok) {                                                 \
      const napi_extended_error_info *info_ = NULL;                          \
      napi_get_last_error_info((env), &info_);                               \
      bool pending_ = false;                                                 \
      napi_is_exception_pending((env), &pending_);                           \
      if (!pending_) {                                                       \
        napi_throw_error((env), NULL,                                        \
                         info_ && info_->error_message ? info_->error_message \
                                                       : "napi call failed"); \
      }                                                                      \
      return NULL;                                                           \
    }                                                                        \
  } while (0)

static napi_value throw_errno(napi_env env, const char *syscall, int err, const char *where) {
  char message[256];
  snprintf(message, sizeof message, "%s %s %s (%s)", syscall, uv_err_name(-err), where, uv_strerror(-err));
  napi_throw_error(env, uv_err_name(-err), message);
  return NULL;
}

static void delete_refs(mmsg_socket *s) {
  for (int i = 0; i < REF_COUNT; i++) {
    if (s->refs[i] != NULL) {
      napi_delete_reference(s->env, s->refs[i]);
      s->refs[i] = NULL;
    }
  }
  if (s->async_context != NULL) {
    napi_async_destroy(s->env, s->async_context);
    s->async_context = NULL;
  }
}

/* Call one of the socket's JavaScript functions with one number. An exception escaping it is a
 * bug in the caller: it becomes an uncaught exception of the thread (the worker restarts). */
static void call_js(mmsg_socket *s, int which, int32_t arg) {
  napi_env env = s->env;
  napi_value fn, recv, argv[1], result;
  if (s->refs[which] == NULL) return;
  if (napi_get_reference_value(env, s->refs[which], &fn) != napi_ok || fn == NULL) return;
  napi_get_global(env, &recv);
  napi_create_int32(env, arg, &argv[0]);
  napi_status status = napi_make_callback(env, s->async_context, recv, fn, 1, argv, &result);
  if (status != napi_ok) {
    bool pending = false;
    napi_is_exception_pending(env, &pending);
    if (pending) {
      napi_value err;
      napi_get_and_clear_last_exception(env, &err);
      napi_fatal_exception(env, err);
    }
  }
}

static void on_closed(uv_handle_t *handle) {
  mmsg_socket *s = handle->data;
  if (s->fd >= 0) {
    close(s->fd);
    s->fd = -1;
  }
  s->state = STATE_CLOSED;
  if (!s->finalized) {
    napi_handle_scope scope;
    int scoped = napi_open_handle_scope(s->env, &scope) == napi_ok;
    if (!s->tearing_down && s->refs[REF_ON_CLOSE] != NULL) call_js(s, REF_ON_CLOSE, 0);
    delete_refs(s);
    if (scoped) napi_close_handle_scope(s->env, scope);
  }
  if (s->cleanup != NULL) {
    napi_async_cleanup_hook_handle cleanup = s->cleanup;
    s->cleanup = NULL;
    napi_remove_async_cleanup_hook(cleanup);
  }
  if (s->finalized) free(s);
}

static void start_close(mmsg_socket *s) {
  if (s->state != STATE_OPEN) return;
  s->state = STATE_CLOSING;
  uv_poll_stop(&s->poll);
  uv_close((uv_handle_t *)&s->poll, on_closed);
}

static void on_teardown(napi_async_cleanup_hook_handle handle, void *arg) {
  (void)handle;
  mmsg_socket *s = arg;
  s->tearing_down = 1;
  start_close(s); /* on_closed removes the hook, which tells Node we are done */
}

static void finalize(napi_env env, void *data, void *hint) {
  (void)env;
  (void)hint;
  mmsg_socket *s = data;
  s->finalized = 1;
  if (s->state == STATE_CLOSED) {
    free(s);
  } else {
    start_close(s); /* on_closed frees */
  }
}

static void set_events(mmsg_socket *s, int events);

/* Receive one batch; returns the datagram count, 0 when nothing is waiting, -1 on error. */
static int receive_batch(mmsg_socket *s) {
  for (int i = 0; i < s->batch; i++) {
    s->riov[i].iov_base = s->in + (size_t)i * s->stride;
    s->riov[i].iov_len = MAX_DATAGRAM;
    struct msghdr *h = &s->rmsgs[i].msg_hdr;
    h->msg_name = &s->names[i];
    h->msg_namelen = sizeof s->names[i];
    h->msg_iov = &s->riov[i];
    h->msg_iovlen = 1;
    h->msg_control = NULL;
    h->msg_controllen = 0;
    h->msg_flags = 0;
  }
  int n;
  do {
    n = recvmmsg(s->fd, s->rmsgs, (unsigned)s->batch, MSG_DONTWAIT, NULL);
  } while (n < 0 && errno == EINTR);
  if (n < 0) {
    if (errno == EAGAIN || errno == EWOULDBLOCK) return 0;
    return -1;
  }
  int32_t *in_len = s->lengths;
  int32_t *out_len = s->lengths + s->batch;
  for (int i = 0; i < n; i++) {
    struct msghdr *h = &s->rmsgs[i].msg_hdr;
    uint8_t *a = s->addrs + (size_t)i * ADDR_BYTES;
    in_len[i] = (h->msg_flags & MSG_TRUNC) ? -1 : (int32_t)s->rmsgs[i].msg_len;
    out_len[i] = 0;
    memset(a, 0, ADDR_BYTES);
    if (s->names[i].ss_family == AF_INET) {
      struct sockaddr_in *sin = (struct sockaddr_in *)&s->names[i];
      a[0] = 4;
      memcpy(a + 2, &sin->sin_port, 2);
      memcpy(a + 4, &sin->sin_addr, 4);
    } else if (s->names[i].ss_family == AF_INET6) {
      struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&s->names[i];
      memcpy(a + 2, &sin6->sin6_port, 2);
      if (IN6_IS_ADDR_V4MAPPED(&sin6->sin6_addr)) {
        a[0] = 4;
        memcpy(a + 4, sin6->sin6_addr.s6_addr + 12, 4);
      } else {
        a[0] = 6;
        memcpy(a + 4, sin6->sin6_addr.s6_addr, 16);
      }
    } else {
      in_len[i] = -1; /* no usable sender: nothing to answer to */
    }
  }
  return n;
}

/* The answers JavaScript wrote become the pending sends. */
static void queue_answers(mmsg_socket *s, int n) {
  int32_t *out_len = s->lengths + s->batch;
  int count = 0;
  for (int i = 0; i < n; i++) {
    int32_t len = out_len[i];
    if (len <= 0) continue;
    if ((size_t)len > s->stride) len = (int32_t)s->stride; /* never: the engine's answers fit */
    s->siov[count].iov_base = s->out + (size_t)i * s->stride;
    s->siov[count].iov_len = (size_t)len;
    struct msghdr *h = &s->smsgs[count].msg_hdr;
    h->msg_name = &s->names[i];
    h->msg_namelen = s->rmsgs[i].msg_hdr.msg_namelen;
    h->msg_iov = &s->siov[count];
    h->msg_iovlen = 1;
    h->msg_control = NULL;
    h->msg_controllen = 0;
    h->msg_flags = 0;
    s->sslot[count] = i;
    count++;
  }
  s->send_count = count;
  s->send_next = 0;
  s->send_failures = 0;
}

/* Send what is pending; 1 when all of it went (or failed for good), 0 when the socket is full. */
static int flush_sends(mmsg_socket *s) {
  while (s->send_next < s->send_count) {
    unsigned count = (unsigned)(s->send_count - s->send_next);
    int r;
    if ((s->test & TEST_FAIL_FIRST) && s->send_next == 0) {
      r = -1;
      errno = EPERM;
    } else {
      r = sendmmsg(s->fd, s->smsgs + s->send_next, (s->test & TEST_WOULD_BLOCK) ? 1 : count, MSG_DONTWAIT);
    }
    if (r > 0) {
      s->send_next += r;
      if ((s->test & TEST_WOULD_BLOCK) && s->send_next < s->send_count) return 0;
      continue;
    }
    int err = r < 0 ? errno : EIO;
    if (err == EINTR) continue;
    if (err == EAGAIN || err == EWOULDBLOCK) return 0;
    /* sendmmsg reports an error for the first datagram it could not send: that one fails. */
    s->lengths[s->batch + s->sslot[s->send_next]] = -err;
    s->send_failures++;
    s->send_next++;
  }
  return 1;
}

static void report_send_failures(mmsg_socket *s) {
  if (s->send_failures > 0) {
    int failures = s->send_failures;
    s->send_failures = 0;
    call_js(s, REF_ON_SEND_ERRORS, failures);
  }
}

static void on_poll(uv_poll_t *handle, int status, int events) {
  (void)events;
  mmsg_socket *s = handle->data;
  if (s->state != STATE_OPEN) return;
  napi_handle_scope scope;
  if (napi_open_handle_scope(s->env, &scope) != napi_ok) return;
  if (status < 0) {
    call_js(s, REF_ON_ERROR, status);
    goto done;
  }
  if (s->send_next < s->send_count) {
    /* Woken for writability: finish the batch before reading the next one into its buffers. */
    if (!flush_sends(s)) goto done;
    report_send_failures(s);
    if (s->state != STATE_OPEN) goto done;
    set_events(s, UV_READABLE);
  }
  for (int round = 0; round < MAX_ROUNDS; round++) {
    int n = receive_batch(s);
    if (n == 0) break;
    if (n < 0) {
      call_js(s, REF_ON_ERROR, -errno);
      break;
    }
    call_js(s, REF_ON_BATCH, n);
    if (s->state != STATE_OPEN) break; /* closed from JavaScript: the batch is not sent */
    queue_answers(s, n);
    if (!flush_sends(s)) {
      set_events(s, UV_WRITABLE);
      break;
    }
    report_send_failures(s);
    if (s->state != STATE_OPEN || n < s->batch) break;
  }
done:
  napi_close_handle_scope(s->env, scope);
}

static void set_events(mmsg_socket *s, int events) {
  if (s->poll_events == events) return;
  s->poll_events = events;
  uv_poll_start(&s->poll, events, on_poll);
}

static int get_buffer(napi_env env, napi_value value, void **data, size_t *length) {
  bool is_ab = false;
  napi_is_arraybuffer(env, value, &is_ab);
  if (!is_ab) return 0;
  return napi_get_arraybuffer_info(env, value, data, length) == napi_ok;
}

/*
 * open({ family, host, port, batch, stride, rcvbuf, in, out, lengths, addrs, onBatch,
 *        onSendErrors, onError }) → handle. rcvbuf: SO_RCVBUF bytes wanted (0: the default). Buffers are ArrayBuffers (layout above). Throws an Error whose
 * code is the errno name (EADDRINUSE …) if the socket cannot be bound.
 */
static napi_value js_open(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  CHECK(env, napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  if (argc < 1) {
    napi_throw_type_error(env, NULL, "open: an options object is required");
    return NULL;
  }
  napi_value o = argv[0], v;
  int32_t family = 0, port = 0, batch = 0, stride = 0, rcvbuf = 0, test = 0;
  CHECK(env, napi_get_named_property(env, o, "family", &v));
  CHECK(env, napi_get_value_int32(env, v, &family));
  CHECK(env, napi_get_named_property(env, o, "port", &v));
  CHECK(env, napi_get_value_int32(env, v, &port));
  CHECK(env, napi_get_named_property(env, o, "batch", &v));
  CHECK(env, napi_get_value_int32(env, v, &batch));
  CHECK(env, napi_get_named_property(env, o, "stride", &v));
  CHECK(env, napi_get_value_int32(env, v, &stride));
  CHECK(env, napi_get_named_property(env, o, "rcvbuf", &v));
  napi_get_value_int32(env, v, &rcvbuf); /* optional: absent or not a number leaves 0 */
  CHECK(env, napi_get_named_property(env, o, "test", &v));
  napi_get_value_int32(env, v, &test); /* optional, TEST_* flags */
  char host[INET6_ADDRSTRLEN + 16];
  size_t host_len = 0;
  CHECK(env, napi_get_named_property(env, o, "host", &v));
  CHECK(env, napi_get_value_string_utf8(env, v, host, sizeof host, &host_len));
  if ((family != 4 && family != 6) || port < 0 || port > 65535 || batch < 1 || batch > MAX_BATCH || stride < MAX_DATAGRAM + 1) {
    napi_throw_range_error(env, NULL, "open: family, port, batch or stride out of range");
    return NULL;
  }

  const char *names[] = {"in", "out", "lengths", "addrs"};
  void *data[4];
  size_t sizes[4];
  size_t need[4] = {(size_t)batch * stride, (size_t)batch * stride, (size_t)batch * 2 * sizeof(int32_t), (size_t)batch * ADDR_BYTES};
  napi_value buffers[4];
  for (int i = 0; i < 4; i++) {
    CHECK(env, napi_get_named_property(env, o, names[i], &buffers[i]));
    if (!get_buffer(env, buffers[i], &data[i], &sizes[i]) || sizes[i] < need[i]) {
      char message[128];
      snprintf(message, sizeof message, "open: %s must be an ArrayBuffer of at least %zu bytes", names[i], need[i]);
      napi_throw_type_error(env, NULL, message);
      return NULL;
    }
  }
  const char *fn_names[] = {"onBatch", "onSendErrors", "onError"};
  napi_value fns[3];
  for (int i = 0; i < 3; i++) {
    napi_valuetype t;
    CHECK(env, napi_get_named_property(env, o, fn_names[i], &fns[i]));
    CHECK(env, napi_typeof(env, fns[i], &t));
    if (t != napi_function) {
      char message[64];
      snprintf(message, sizeof message, "open: %s must be a function", fn_names[i]);
      napi_throw_type_error(env, NULL, message);
      return NULL;
    }
  }

  struct sockaddr_storage addr;
  socklen_t addr_len;
  memset(&addr, 0, sizeof addr);
  if (family == 4) {
    struct sockaddr_in *sin = (struct sockaddr_in *)&addr;
    sin->sin_family = AF_INET;
    sin->sin_port = htons((uint16_t)port);
    if (inet_pton(AF_INET, host, &sin->sin_addr) != 1) return throw_errno(env, "bind", EINVAL, host);
    addr_len = sizeof *sin;
  } else {
    struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&addr;
    sin6->sin6_family = AF_INET6;
    sin6->sin6_port = htons((uint16_t)port);
    if (inet_pton(AF_INET6, host, &sin6->sin6_addr) != 1) return throw_errno(env, "bind", EINVAL, host);
    addr_len = sizeof *sin6;
  }
  char where[INET6_ADDRSTRLEN + 24];
  snprintf(where, sizeof where, family == 6 ? "[%s]:%d" : "%s:%d", host, port);

  int fd = socket(family == 4 ? AF_INET : AF_INET6, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) return throw_errno(env, "socket", errno, where);
  int one = 1;
  if (setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof one) != 0) {
    int err = errno;
    close(fd);
    return throw_errno(env, "setsockopt", err, where);
  }
  /* A bigger receive queue rides out bursts (the kernel default, ~208 KiB, holds a few hundred
   * small datagrams). SO_RCVBUFFORCE passes net.core.rmem_max where allowed (root, as NSD
   * does); otherwise SO_RCVBUF gets what rmem_max allows. Best effort either way. */
  if (rcvbuf > 0 && setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &rcvbuf, sizeof rcvbuf) != 0) {
    setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof rcvbuf);
  }
  if (bind(fd, (struct sockaddr *)&addr, addr_len) != 0) {
    int err = errno;
    close(fd);
    return throw_errno(env, "bind", err, where);
  }

  mmsg_socket *s = calloc(1, sizeof *s);
  if (s == NULL) {
    close(fd);
    return throw_errno(env, "open", ENOMEM, where);
  }
  s->env = env;
  s->fd = fd;
  s->in = data[0];
  s->out = data[1];
  s->lengths = data[2];
  s->addrs = data[3];
  s->batch = batch;
  s->stride = (size_t)stride;
  s->test = test;

  uv_loop_t *loop = NULL;
  if (napi_get_uv_event_loop(env, (struct uv_loop_s **)&loop) != napi_ok || uv_poll_init_socket(loop, &s->poll, fd) != 0) {
    close(fd);
    free(s);
    return throw_errno(env, "uv_poll_init", EINVAL, where);
  }
  s->poll.data = s;

  napi_value handle, resource_name;
  napi_create_object(env, &handle);
  napi_create_string_utf8(env, "PeregrineMmsgSocket", NAPI_AUTO_LENGTH, &resource_name);
  napi_async_init(env, handle, resource_name, &s->async_context);
  for (int i = 0; i < 4; i++) napi_create_reference(env, buffers[i], 1, &s->refs[REF_IN + i]);
  for (int i = 0; i < 3; i++) napi_create_reference(env, fns[i], 1, &s->refs[REF_ON_BATCH + i]);
  /* The handle stays alive while the socket is open, whatever JavaScript keeps. */
  napi_wrap(env, handle, s, finalize, NULL, NULL);
  napi_create_reference(env, handle, 1, &s->refs[REF_SELF]);
  napi_add_async_cleanup_hook(env, on_teardown, s, &s->cleanup);

  s->state = STATE_OPEN;
  s->poll_events = UV_READABLE;
  uv_poll_start(&s->poll, UV_READABLE, on_poll);
  return handle;
}

static mmsg_socket *unwrap(napi_env env, napi_callback_info info, size_t *argc, napi_value *argv) {
  napi_value self;
  if (napi_get_cb_info(env, info, argc, argv, NULL, NULL) != napi_ok || *argc < 1) {
    napi_throw_type_error(env, NULL, "a socket handle is required");
    return NULL;
  }
  self = argv[0];
  void *s = NULL;
  if (napi_unwrap(env, self, &s) != napi_ok || s == NULL) {
    napi_throw_type_error(env, NULL, "not a socket handle");
    return NULL;
  }
  return s;
}

/* close(handle, onClosed?): stop reading, close the socket; onClosed runs once it is closed. */
static napi_value js_close(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2];
  mmsg_socket *s = unwrap(env, info, &argc, argv);
  if (s == NULL) return NULL;
  if (s->state == STATE_OPEN) {
    if (argc >= 2) {
      napi_valuetype t;
      napi_typeof(env, argv[1], &t);
      if (t == napi_function) napi_create_reference(env, argv[1], 1, &s->refs[REF_ON_CLOSE]);
    }
    start_close(s);
  }
  return NULL;
}

/* localPort(handle): the bound port (for port 0). */
static napi_value js_local_port(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1], result;
  mmsg_socket *s = unwrap(env, info, &argc, argv);
  if (s == NULL) return NULL;
  struct sockaddr_storage addr;
  socklen_t len = sizeof addr;
  if (s->fd < 0 || getsockname(s->fd, (struct sockaddr *)&addr, &len) != 0) return throw_errno(env, "getsockname", s->fd < 0 ? EBADF : errno, "");
  int port = addr.ss_family == AF_INET ? ntohs(((struct sockaddr_in *)&addr)->sin_port) : ntohs(((struct sockaddr_in6 *)&addr)->sin6_port);
  napi_create_int32(env, port, &result);
  return result;
}

/* A Uint8Array's bytes (for sendTo). Returns 1, or 0 if `value` is not a Uint8Array. */
static int get_bytes(napi_env env, napi_value value, uint8_t **data, size_t *length) {
  bool is_ta = false;
  napi_is_typedarray(env, value, &is_ta);
  if (!is_ta) return 0;
  napi_typedarray_type type;
  void *base = NULL;
  if (napi_get_typedarray_info(env, value, &type, length, &base, NULL, NULL) != napi_ok || type != napi_uint8_array) return 0;
  *data = base;
  return 1;
}

/*
 * sendTo(handle, data, addr) → 0 or -errno: one datagram outside any batch, to the sender an
 * `addrs` slot describes (addr: a Uint8Array of ADDR_BYTES in that layout). For answers that come
 * later than their batch (the primary answers NOTIFY, TSIG-signed and IXFR queries); they must
 * leave from this socket, whose address the client asked. Never blocks: EAGAIN drops the answer
 * (the client retries), as any other error does.
 */
static napi_value js_send_to(napi_env env, napi_callback_info info) {
  size_t argc = 3;
  napi_value argv[3], result;
  mmsg_socket *s = unwrap(env, info, &argc, argv);
  if (s == NULL) return NULL;
  uint8_t *data = NULL, *a = NULL;
  size_t length = 0, alen = 0;
  if (argc < 3 || !get_bytes(env, argv[1], &data, &length) || !get_bytes(env, argv[2], &a, &alen) || alen < ADDR_BYTES) {
    napi_throw_type_error(env, NULL, "sendTo(handle, data: Uint8Array, addr: Uint8Array of ADDR_BYTES)");
    return NULL;
  }
  int rc = 0;
  int domain = 0;
  socklen_t dlen = sizeof domain;
  if (s->fd < 0 || s->state != STATE_OPEN) {
    rc = -EBADF;
  } else if (getsockopt(s->fd, SOL_SOCKET, SO_DOMAIN, &domain, &dlen) != 0) {
    rc = -errno;
  } else {
    struct sockaddr_storage to;
    socklen_t tolen;
    memset(&to, 0, sizeof to);
    if (domain == AF_INET) {
      struct sockaddr_in *sin = (struct sockaddr_in *)&to;
      sin->sin_family = AF_INET;
      memcpy(&sin->sin_port, a + 2, 2);
      memcpy(&sin->sin_addr, a + 4, 4);
      tolen = sizeof *sin;
      if (a[0] != 4) rc = -EAFNOSUPPORT;
    } else {
      struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&to;
      sin6->sin6_family = AF_INET6;
      memcpy(&sin6->sin6_port, a + 2, 2);
      if (a[0] == 4) {
        /* An IPv4 sender on a dual-stack socket: answer its mapped address. */
        sin6->sin6_addr.s6_addr[10] = 0xff;
        sin6->sin6_addr.s6_addr[11] = 0xff;
        memcpy(sin6->sin6_addr.s6_addr + 12, a + 4, 4);
      } else {
        memcpy(sin6->sin6_addr.s6_addr, a + 4, 16);
      }
      tolen = sizeof *sin6;
    }
    if (rc == 0) {
      ssize_t n;
      do {
        n = sendto(s->fd, data, length, MSG_DONTWAIT, (struct sockaddr *)&to, tolen);
      } while (n < 0 && errno == EINTR);
      if (n < 0) rc = -errno;
    }
  }
  napi_create_int32(env, rc, &result);
  return result;
}

NAPI_MODULE_INIT(/* napi_env env, napi_value exports */) {
  napi_property_descriptor props[] = {
      {"open", NULL, js_open, NULL, NULL, NULL, napi_enumerable, NULL},
      {"close", NULL, js_close, NULL, NULL, NULL, napi_enumerable, NULL},
      {"localPort", NULL, js_local_port, NULL, NULL, NULL, napi_enumerable, NULL},
      {"sendTo", NULL, js_send_to, NULL, NULL, NULL, napi_enumerable, NULL},
  };
  napi_value batch, addr_bytes, max_datagram;
  napi_create_int32(env, MAX_BATCH, &batch);
  napi_create_int32(env, ADDR_BYTES, &addr_bytes);
  napi_create_int32(env, MAX_DATAGRAM, &max_datagram);
  napi_define_properties(env, exports, sizeof props / sizeof props[0], props);
  napi_set_named_property(env, exports, "MAX_BATCH", batch);
  napi_set_named_property(env, exports, "ADDR_BYTES", addr_bytes);
  napi_set_named_property(env, exports, "MAX_DATAGRAM", max_datagram);
  return exports;
}
