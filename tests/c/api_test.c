/*
 * api_test.c: checks the C API of transom (include/transom.h) against real windows and pages.
 *
 * Build and run (see tests/c/run.sh):
 *   cc -std=c11 -Wall -Wextra -Werror -Iinclude tests/c/api_test.c -Ltarget/debug -ltransom -o api_test
 *   LD_LIBRARY_PATH=target/debug xvfb-run -a ./api_test
 *
 * Prints one line per check ("ok - ..." or "FAIL - ..."), then "N passed, M failed", and exits
 * with 0 only when every check passed. Every wait is bounded by TRANSOM_TEST_PATIENCE_MS
 * (default 30000 ms); a watchdog ends the process if the whole run takes far longer.
 * TRANSOM_TEST_VERBOSE=1 prints every event received.
 */

#define _POSIX_C_SOURCE 200809L

#include <inttypes.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "transom.h"

/* ---- checks ---------------------------------------------------------------------------------- */

static int passed, failed;
static long patience_ms = 30000;
static bool verbose;

static void check(bool ok, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  printf("%s - ", ok ? "ok" : "FAIL");
  vprintf(fmt, ap);
  putchar('\n');
  fflush(stdout);
  va_end(ap);
  if (ok)
    passed++;
  else
    failed++;
}

static void section(const char *name) {
  printf("# %s\n", name);
  fflush(stdout);
}

/* Checks that a call returned `want`; for an error, also that the out-parameter was left
 * untouched (`untouched`; pass true where there is none) and that transom_last_error_message()
 * names the same code ("TRANSOM_ERROR_X: detail"). */
static bool expect(transom_result rc, transom_result want, bool untouched, const char *fmt, ...) {
  char what[512];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(what, sizeof what, fmt, ap);
  va_end(ap);
  const char *msg = rc == TRANSOM_OK ? "" : transom_last_error_message();
  bool ok = rc == want && untouched;
  if (want != TRANSOM_OK) {
    const char *name = transom_result_name(want);
    size_t n = strlen(name);
    ok = ok && msg != NULL && strncmp(msg, name, n) == 0 && msg[n] == ':' && strlen(msg) > n + 2;
  }
  if (ok && want == TRANSOM_OK)
    check(true, "%s -> TRANSOM_OK", what);
  else if (ok)
    check(true, "%s -> %s (\"%s\")", what, transom_result_name(rc), msg);
  else
    check(false, "%s -> got %s, want %s; out-param untouched: %s; message: \"%s\"", what,
          transom_result_name(rc), transom_result_name(want), untouched ? "yes" : "NO",
          msg ? msg : "(NULL)");
  return ok;
}

static double now_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec * 1000.0 + (double)ts.tv_nsec / 1e6;
}

static void sleep_ms(long ms) {
  struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
  nanosleep(&ts, NULL);
}

/* An absolute CLOCK_REALTIME deadline `ms` from now, for pthread_cond_timedwait. */
static struct timespec deadline_in(long ms) {
  struct timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  ts.tv_sec += ms / 1000;
  ts.tv_nsec += (ms % 1000) * 1000000L;
  if (ts.tv_nsec >= 1000000000L) {
    ts.tv_sec++;
    ts.tv_nsec -= 1000000000L;
  }
  return ts;
}

static void watchdog(int sig) {
  (void)sig;
  static const char text[] = "FAIL - watchdog: the test ran far longer than its patience allows\n";
  ssize_t w = write(STDOUT_FILENO, text, sizeof text - 1);
  (void)w;
  _exit(3);
}

/* ---- small JSON helpers (the event JSON has no spaces: `{"type":"x","window":1,...}`) ---------- */

/* The unsigned number after `"key":` in `json`, or 0. */
static uint64_t json_u64(const char *json, const char *key) {
  char needle[64];
  snprintf(needle, sizeof needle, "\"%s\":", key);
  const char *p = strstr(json, needle);
  return p ? strtoull(p + strlen(needle), NULL, 10) : 0;
}

static bool has(const char *json, const char *needle) {
  return json != NULL && needle != NULL && strstr(json, needle) != NULL;
}

/* `s` as a JSON string literal, malloc'd. */
static char *json_string(const char *s) {
  size_t cap = strlen(s) * 6 + 3, n = 0;
  char *out = malloc(cap);
  if (!out)
    abort();
  out[n++] = '"';
  for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
    if (*p == '"' || *p == '\\') {
      out[n++] = '\\';
      out[n++] = (char)*p;
    } else if (*p < 0x20) {
      n += (size_t)snprintf(out + n, cap - n, "\\u%04x", *p);
    } else {
      out[n++] = (char)*p;
    }
  }
  out[n++] = '"';
  out[n] = '\0';
  return out;
}

/* ---- events ---------------------------------------------------------------------------------- */

/* The `type` of each event kind, indexed by enum transom_event_kind. */
static const char *const kind_names[] = {
    "none",          "window-created", "close-requested", "window-destroyed",  "focus",
    "blur",          "resize",         "move",            "page-load",         "title-changed",
    "message",       "invoke",         "invoke-result",   "error",             "webview-created",
    "webview-destroyed", "security",  "channel-open",    "channel-message",   "channel-close",
    "channel-ready", "state-changed",  "invoke-cancelled",
};
#define KIND_COUNT (sizeof kind_names / sizeof kind_names[0])

/* Events taken from the queue while waiting for another one, kept for later waits. */
static transom_event **held;
static size_t held_len, held_cap;
static unsigned events_seen, events_inconsistent;
static bool injected_seen;

/* Looks at every event taken: its `type` field must name its kind, and its window and webview
 * ids must appear in the JSON. A message on channel "injected" means a payload ran as script. */
static void note_event(const transom_event *e) {
  const char *json = transom_event_json(e);
  unsigned kind = (unsigned)transom_event_kind(e);
  events_seen++;
  if (verbose)
    printf("  event: %s\n", json);
  char buf[96];
  bool ok = kind > 0 && kind < KIND_COUNT;
  if (ok) {
    snprintf(buf, sizeof buf, "{\"type\":\"%s\"", kind_names[kind]);
    ok = strncmp(json, buf, strlen(buf)) == 0 && json[strlen(json) - 1] == '}';
  }
  /* The id is followed by ',' or the closing '}'. */
  char buf2[96];
  if (ok && transom_event_window(e) != 0) {
    snprintf(buf, sizeof buf, "\"window\":%" PRIu64 ",", transom_event_window(e));
    snprintf(buf2, sizeof buf2, "\"window\":%" PRIu64 "}", transom_event_window(e));
    ok = has(json, buf) || has(json, buf2);
  }
  if (ok && transom_event_webview(e) != 0) {
    snprintf(buf, sizeof buf, "\"webview\":%" PRIu64 ",", transom_event_webview(e));
    snprintf(buf2, sizeof buf2, "\"webview\":%" PRIu64 "}", transom_event_webview(e));
    ok = has(json, buf) || has(json, buf2);
  }
  if (!ok) {
    events_inconsistent++;
    printf("  inconsistent event (kind %u): %s\n", kind, json);
  }
  if (kind == TRANSOM_EVENT_KIND_MESSAGE && has(json, "\"channel\":\"injected\""))
    injected_seen = true;
}

static void hold(transom_event *e) {
  if (held_len == held_cap) {
    held_cap = held_cap ? held_cap * 2 : 64;
    held = realloc(held, held_cap * sizeof *held);
    if (!held)
      abort();
  }
  held[held_len++] = e;
}

static bool matches(const transom_event *e, enum transom_event_kind kind, const char *n1, const char *n2) {
  const char *json = transom_event_json(e);
  return transom_event_kind(e) == kind && (!n1 || has(json, n1)) && (!n2 || has(json, n2));
}

/* Waits up to the patience for an event of `kind` whose JSON contains `n1` and `n2` (either may
 * be NULL). Returns it (the caller frees it) or NULL. Other events are held for later waits. */
static transom_event *wait_for(transom_app *app, enum transom_event_kind kind, const char *n1, const char *n2) {
  for (size_t i = 0; i < held_len; i++) {
    if (matches(held[i], kind, n1, n2)) {
      transom_event *e = held[i];
      memmove(held + i, held + i + 1, (held_len - i - 1) * sizeof *held);
      held_len--;
      return e;
    }
  }
  double deadline = now_ms() + (double)patience_ms;
  for (;;) {
    double left = deadline - now_ms();
    transom_event *e = NULL;
    const char *json = NULL;
    /* transom_event_next_json here, transom_event_next in drain_now and test_shutdown. */
    transom_result rc = transom_event_next_json(app, left > 0 ? (int32_t)left : 0, &e, &json);
    if (rc != TRANSOM_OK) {
      printf("  (gave up waiting for a %s event with %s %s: %s)\n",
             (unsigned)kind < KIND_COUNT ? kind_names[kind] : "?", n1 ? n1 : "", n2 ? n2 : "",
             transom_result_name(rc));
      return NULL;
    }
    if (json != transom_event_json(e))
      check(false, "transom_event_next_json gave the event's own text (%s)", json ? json : "(NULL)");
    note_event(e);
    if (matches(e, kind, n1, n2))
      return e;
    hold(e);
  }
}

/* Waits for a message on `channel` whose JSON also contains `needle`; checks and frees it. */
static void expect_message(transom_app *app, const char *channel, const char *needle, const char *what) {
  char ch[300];
  snprintf(ch, sizeof ch, "\"channel\":\"%s\"", channel);
  transom_event *e = wait_for(app, TRANSOM_EVENT_KIND_MESSAGE, ch, needle);
  check(e != NULL, "%s: message on \"%s\" with %s", what, channel, needle ? needle : "any payload");
  transom_event_free(e);
}

/* Takes every event queued now into the held list; returns how many. */
static unsigned drain_now(transom_app *app) {
  unsigned n = 0;
  transom_event *e = NULL;
  while (transom_event_next(app, 0, &e) == TRANSOM_OK) {
    note_event(e);
    hold(e);
    e = NULL;
    n++;
  }
  return n;
}

static void free_held(void) {
  for (size_t i = 0; i < held_len; i++)
    transom_event_free(held[i]);
  free(held);
  held = NULL;
  held_len = held_cap = 0;
}

/* ---- the pages ------------------------------------------------------------------------------- */

/* The main test page. It tells the host it runs, answers pings, offers handlers for host calls,
 * calls the host twice (`add`, answered with resolve, then `fail`, answered with reject) and
 * reports what it got. For the message model it also reports the bytes it gets (`blob`), sends
 * bytes (`make`), gives up on a call of its own (`give-up`), watches and writes the shared state
 * key `theme`, opens channels (`open-logs`) and takes the program's `bulk` channel, listening to
 * it only when told (`listen-bulk`) and echoing the bytes it gets there. window.alert is replaced so that a script smuggled through a payload would
 * show up as a message on "injected". */
static const char main_page[] =
    "<!doctype html><html><head><meta charset='utf-8'><title>transom api test</title></head>"
    "<body><p>transom C API test</p><script>\n"
    "window.alert = function () { host.send('injected', 1); };\n"
    "host.on('ping', function (d) { host.send('pong', {n: d.n + 1, s: d.s}); });\n"
    "host.handle('mul', function (a, b) { return a * b; });\n"
    "host.handle('boom', function () { throw new Error('handler broke'); });\n"
    "host.handle('never', function () { return new Promise(function () {}); });\n"
    "function sum31(b) { var h = 0; for (var i = 0; i < b.length; i++) h = (h * 31 + b[i]) >>> 0; return h; }\n"
    "host.on('blob', function (b) {\n"
    "  host.send('blob-info', {isBytes: b instanceof Uint8Array, len: b.length, sum: sum31(b)}); });\n"
    "host.on('make', function (n) {\n"
    "  var b = new Uint8Array(n); for (var i = 0; i < n; i++) b[i] = (i * 7 + 3) & 255;\n"
    "  host.send('bytes-up', b); host.send('after-bytes', n); });\n"
    "host.handle('slow', function () { return new Promise(function (r) { setTimeout(function () { r('late'); }, 300); }); });\n"
    "host.on('give-up', function () { host.invokeWith({timeout: 100}, 'never-answered')\n"
    "  .catch(function (e) { host.send('gave-up', e.message); }); });\n"
    "host.watchState('theme', function (v, old) { host.send('watched', {v: v, old: old === undefined ? null : old}); });\n"
    "host.on('write-state', function (v) { host.state.theme = v; });\n"
    "host.on('open-logs', function () {\n"
    "  var logs = host.channel('logs'); host.channel('idle');\n"
    "  logs.on('message', function (m) { host.send('logs-got', m); });\n"
    "  logs.send({line: 1}); logs.send({line: 2});\n"
    "  host.on('close-logs', function () { logs.close(); }); });\n"
    "var bulk = null, bulkCount = 0, bulkChars = 0;\n"
    "host.onChannel('bulk', function (c) { bulk = c; c.on('close', function (r) { host.send('bulk-closed', r); }); });\n"
    "host.on('listen-bulk', function () { bulk.on('message', function (m) {\n"
    "  if (m instanceof Uint8Array) bulk.send(m); else { bulkCount++; bulkChars += m.length; } }); });\n"
    "host.on('bulk-report', function () { host.send('bulk-report', {count: bulkCount, chars: bulkChars}); });\n"
    "host.send('loaded', {title: document.title});\n"
    "host.invoke('add', 2, 3)\n"
    "  .then(function (v) { host.send('add-result', {ok: true, v: v}); },\n"
    "        function (e) { host.send('add-result', {ok: false, e: e.message}); })\n"
    "  .then(function () { return host.invoke('fail', 'x'); })\n"
    "  .then(function (v) { host.send('fail-result', {ok: true, v: v}); },\n"
    "        function (e) { host.send('fail-result', {ok: false, e: e.message, isError: e instanceof Error}); })\n"
    "  .then(function () { return host.invoke('unlisted'); })\n"
    "  .then(function (v) { host.send('unlisted-result', {ok: true}); },\n"
    "        function (e) { host.send('unlisted-result', {ok: false, e: e.message}); });\n"
    "</script></body></html>";

/* The page of the window left open at shutdown: one handler that never answers. It reports the
 * shared state it started from. */
static const char second_page[] =
    "<!doctype html><html><body><script>\n"
    "host.handle('never', function () { return new Promise(function () {}); });\n"
    "host.send('loaded2', {theme: host.state.theme === undefined ? null : host.state.theme});\n"
    "</script></body></html>";

static char *webview_options(const char *html) {
  char *literal = json_string(html);
  size_t n = strlen(literal) + 16;
  char *out = malloc(n);
  if (!out)
    abort();
  snprintf(out, n, "{\"html\":%s}", literal);
  free(literal);
  return out;
}

/* ---- event callback -------------------------------------------------------------------------- */

struct callback_state {
  pthread_mutex_t mu;
  pthread_cond_t cv;
  transom_app *app;
  uint64_t webview;
  pthread_t main_thread;
  unsigned events;
  bool got_first, done, off_main_thread;
  transom_result post_rc;
};

static struct callback_state cb = {
    .mu = PTHREAD_MUTEX_INITIALIZER, .cv = PTHREAD_COND_INITIALIZER, .post_rc = 999};

/* Runs on transom's GUI thread. Gets pong 11 (answer to ping 10), then posts ping 100 from here,
 * gets pong 101 and tells the main thread. Frees every event it gets. */
static void on_event(transom_event *event, void *userdata) {
  struct callback_state *s = userdata;
  const char *json = transom_event_json(event);
  bool pong = transom_event_kind(event) == TRANSOM_EVENT_KIND_MESSAGE && has(json, "\"channel\":\"pong\"");
  pthread_mutex_lock(&s->mu);
  s->events++;
  if (!pthread_equal(pthread_self(), s->main_thread))
    s->off_main_thread = true;
  if (pong && has(json, "\"n\":11,")) {
    s->got_first = true;
    s->post_rc = transom_post(s->app, s->webview, "ping", "{\"n\":100,\"s\":\"from the callback\"}");
  } else if (pong && has(json, "\"n\":101,") && has(json, "from the callback")) {
    s->done = true;
    pthread_cond_broadcast(&s->cv);
  }
  pthread_mutex_unlock(&s->mu);
  transom_event_free(event);
}

/* What transom_set_event_notify's function counts: its calls, and whether one ran on the main
 * thread. It only counts and signals (a notify must return at once). */
static struct notify_state {
  pthread_mutex_t mu;
  pthread_cond_t cv;
  unsigned calls;
  bool on_main_thread;
  pthread_t main_thread;
} notified = {PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER, 0, false, 0};

static void on_notify(void *userdata) {
  struct notify_state *s = userdata;
  pthread_mutex_lock(&s->mu);
  s->calls++;
  if (pthread_equal(pthread_self(), s->main_thread))
    s->on_main_thread = true;
  pthread_cond_broadcast(&s->cv);
  pthread_mutex_unlock(&s->mu);
}

static unsigned notify_calls(void) {
  pthread_mutex_lock(&notified.mu);
  unsigned n = notified.calls;
  pthread_mutex_unlock(&notified.mu);
  return n;
}

/* Waits (up to patience_ms) until notify has been called more than `seen` times. */
static bool notified_after(unsigned seen) {
  struct timespec deadline = deadline_in(patience_ms);
  pthread_mutex_lock(&notified.mu);
  while (notified.calls <= seen) {
    if (pthread_cond_timedwait(&notified.cv, &notified.mu, &deadline) != 0)
      break;
  }
  bool more = notified.calls > seen;
  pthread_mutex_unlock(&notified.mu);
  return more;
}

/* ---- transom_app_run_main on another thread -------------------------------------------------- */

struct runner {
  pthread_mutex_t mu;
  pthread_cond_t cv;
  transom_app *app;
  bool done;
  transom_result rc;
};

static struct runner runner = {.mu = PTHREAD_MUTEX_INITIALIZER, .cv = PTHREAD_COND_INITIALIZER};

static void *run_main_thread(void *arg) {
  struct runner *r = arg;
  transom_result rc = transom_app_run_main(r->app);
  pthread_mutex_lock(&r->mu);
  r->rc = rc;
  r->done = true;
  pthread_cond_broadcast(&r->cv);
  pthread_mutex_unlock(&r->mu);
  return NULL;
}

/* ---- the tests ------------------------------------------------------------------------------- */

static char sentinel_byte;
#define SENTINEL_PTR ((void *)&sentinel_byte)
#define SENTINEL_ID UINT64_C(0x5e5e5e5e5e5e5e5e)
#define UNKNOWN_ID UINT64_C(987654321987)

/* Text that is not JSON is reported as TRANSOM_ERROR_INVALID_ARGUMENT instead of
 * TRANSOM_ERROR_INVALID_JSON when serde meets a type or unknown-field error before the syntax
 * error (src/options.rs parse_object, src/protocol.rs execute_with_req). */

static void test_without_app(void) {
  section("functions that need no app");
  const char *version = transom_version();
  unsigned major, minor, patch;
  check(version && sscanf(version, "%u.%u.%u", &major, &minor, &patch) == 3,
        "transom_version() is MAJOR.MINOR.PATCH (\"%s\")", version ? version : "(NULL)");
  const char *msg = transom_last_error_message();
  check(msg != NULL && msg[0] == '\0', "transom_last_error_message() is \"\" before any failure");

  static const char *const names[] = {
      "TRANSOM_OK",
      "TRANSOM_ERROR_NULL_ARGUMENT",
      "TRANSOM_ERROR_INVALID_UTF8",
      "TRANSOM_ERROR_INVALID_JSON",
      "TRANSOM_ERROR_INVALID_ARGUMENT",
      "TRANSOM_ERROR_NOT_FOUND",
      "TRANSOM_ERROR_CLOSED",
      "TRANSOM_ERROR_TIMEOUT",
      "TRANSOM_ERROR_TOO_LARGE",
      "TRANSOM_ERROR_UNSUPPORTED",
      "TRANSOM_ERROR_PLATFORM",
      "TRANSOM_ERROR_PANIC",
      "TRANSOM_ERROR_WOULD_BLOCK",
      "TRANSOM_ERROR_CANCELLED",
  };
  const transom_result codes[] = {
      TRANSOM_OK,
      TRANSOM_ERROR_NULL_ARGUMENT,
      TRANSOM_ERROR_INVALID_UTF8,
      TRANSOM_ERROR_INVALID_JSON,
      TRANSOM_ERROR_INVALID_ARGUMENT,
      TRANSOM_ERROR_NOT_FOUND,
      TRANSOM_ERROR_CLOSED,
      TRANSOM_ERROR_TIMEOUT,
      TRANSOM_ERROR_TOO_LARGE,
      TRANSOM_ERROR_UNSUPPORTED,
      TRANSOM_ERROR_PLATFORM,
      TRANSOM_ERROR_PANIC,
      TRANSOM_ERROR_WOULD_BLOCK,
      TRANSOM_ERROR_CANCELLED,
  };
  for (size_t i = 0; i < sizeof codes / sizeof codes[0]; i++) {
    const char *name = transom_result_name(codes[i]);
    check(name && strcmp(name, names[i]) == 0, "transom_result_name(%u) is %s", (unsigned)codes[i], names[i]);
  }
  const transom_result unknown[] = {14, 999, UINT32_MAX};
  for (size_t i = 0; i < sizeof unknown / sizeof unknown[0]; i++) {
    const char *name = transom_result_name(unknown[i]);
    check(name && strcmp(name, "TRANSOM_ERROR_UNKNOWN") == 0, "transom_result_name(%" PRIu32 ") is TRANSOM_ERROR_UNKNOWN (\"%s\")",
          unknown[i], name ? name : "(NULL)");
  }

  transom_app_free(NULL);
  transom_event_free(NULL);
  transom_string_free(NULL);
  check(true, "transom_app_free(NULL), transom_event_free(NULL), transom_string_free(NULL) return");
  const char *json = transom_event_json(NULL);
  check(transom_event_kind(NULL) == TRANSOM_EVENT_KIND_NONE && transom_event_window(NULL) == 0 &&
            transom_event_webview(NULL) == 0 && json != NULL && json[0] == '\0',
        "event accessors on NULL give NONE, 0, 0, \"\"");
  check(transom_event_fd(NULL) == -1, "transom_event_fd(NULL) is -1");

  section("transom_app_new with bad arguments");
  transom_app *app = SENTINEL_PTR;
  expect(transom_app_new(NULL, NULL), TRANSOM_ERROR_NULL_ARGUMENT, true, "transom_app_new(NULL, NULL)");
  expect(transom_app_new("\xff", &app), TRANSOM_ERROR_INVALID_UTF8, app == SENTINEL_PTR, "transom_app_new(\"\\xff\")");
  expect(transom_app_new("{", &app), TRANSOM_ERROR_INVALID_JSON, app == SENTINEL_PTR, "transom_app_new(\"{\")");
  expect(transom_app_new("{} x", &app), TRANSOM_ERROR_INVALID_JSON, app == SENTINEL_PTR, "transom_app_new(\"{} x\")");
  expect(transom_app_new("1]);alert(1);//", &app), TRANSOM_ERROR_INVALID_JSON, app == SENTINEL_PTR,
         "transom_app_new(\"1]);alert(1);//\")");
  expect(transom_app_new("{\"bogus\":1}", &app), TRANSOM_ERROR_INVALID_ARGUMENT, app == SENTINEL_PTR,
         "transom_app_new unknown option");
  check(has(transom_last_error_message(), "bogus"), "  ...the message names the option (\"%s\")", transom_last_error_message());
  expect(transom_app_new("{\"max_message_bytes\":\"big\"}", &app), TRANSOM_ERROR_INVALID_ARGUMENT, app == SENTINEL_PTR,
         "transom_app_new max_message_bytes of the wrong type");

  section("NULL app");
  uint64_t id = SENTINEL_ID;
  char *reply = SENTINEL_PTR;
  transom_event *ev = SENTINEL_PTR;
  expect(transom_app_shutdown(NULL), TRANSOM_ERROR_NULL_ARGUMENT, true, "transom_app_shutdown(NULL)");
  expect(transom_app_run_main(NULL), TRANSOM_ERROR_NULL_ARGUMENT, true, "transom_app_run_main(NULL)");
  expect(transom_send_json(NULL, "{\"cmd\":\"shutdown\"}", &reply), TRANSOM_ERROR_NULL_ARGUMENT, reply == SENTINEL_PTR,
         "transom_send_json(NULL app)");
  expect(transom_event_next(NULL, 0, &ev), TRANSOM_ERROR_NULL_ARGUMENT, ev == SENTINEL_PTR, "transom_event_next(NULL app)");
  const char *text = SENTINEL_PTR;
  expect(transom_event_next_json(NULL, 0, &ev, &text), TRANSOM_ERROR_NULL_ARGUMENT, ev == SENTINEL_PTR && text == SENTINEL_PTR,
         "transom_event_next_json(NULL app)");
  expect(transom_set_event_callback(NULL, on_event, NULL), TRANSOM_ERROR_NULL_ARGUMENT, true,
         "transom_set_event_callback(NULL app)");
  expect(transom_set_event_notify(NULL, on_notify, NULL), TRANSOM_ERROR_NULL_ARGUMENT, true,
         "transom_set_event_notify(NULL app)");
  expect(transom_post(NULL, 0, "c", "1"), TRANSOM_ERROR_NULL_ARGUMENT, true, "transom_post(NULL app)");
  expect(transom_invoke(NULL, 1, "f", "[]", 0, &id), TRANSOM_ERROR_NULL_ARGUMENT, id == SENTINEL_ID, "transom_invoke(NULL app)");
  expect(transom_resolve(NULL, 1, "1"), TRANSOM_ERROR_NULL_ARGUMENT, true, "transom_resolve(NULL app)");
  expect(transom_reject(NULL, 1, "no"), TRANSOM_ERROR_NULL_ARGUMENT, true, "transom_reject(NULL app)");
  expect(transom_window_create(NULL, "{}", &id), TRANSOM_ERROR_NULL_ARGUMENT, id == SENTINEL_ID, "transom_window_create(NULL app)");
  expect(transom_window_set(NULL, 1, "{}"), TRANSOM_ERROR_NULL_ARGUMENT, true, "transom_window_set(NULL app)");
  expect(transom_window_close(NULL, 1), TRANSOM_ERROR_NULL_ARGUMENT, true, "transom_window_close(NULL app)");
  expect(transom_webview_create(NULL, 1, "{}", &id), TRANSOM_ERROR_NULL_ARGUMENT, id == SENTINEL_ID,
         "transom_webview_create(NULL app)");
  expect(transom_webview_eval(NULL, 1, "1"), TRANSOM_ERROR_NULL_ARGUMENT, true, "transom_webview_eval(NULL app)");
  expect(transom_webview_navigate(NULL, 1, "about:blank"), TRANSOM_ERROR_NULL_ARGUMENT, true,
         "transom_webview_navigate(NULL app)");
  static const uint8_t three[3] = {1, 2, 3};
  char *value = SENTINEL_PTR;
  expect(transom_post_window(NULL, 1, "c", "1"), TRANSOM_ERROR_NULL_ARGUMENT, true, "transom_post_window(NULL app)");
  expect(transom_post_bytes(NULL, 0, "c", three, 3), TRANSOM_ERROR_NULL_ARGUMENT, true, "transom_post_bytes(NULL app)");
  expect(transom_invoke_cancel(NULL, 1), TRANSOM_ERROR_NULL_ARGUMENT, true, "transom_invoke_cancel(NULL app)");
  expect(transom_state_set(NULL, "k", "1"), TRANSOM_ERROR_NULL_ARGUMENT, true, "transom_state_set(NULL app)");
  expect(transom_state_get(NULL, "k", &value), TRANSOM_ERROR_NULL_ARGUMENT, value == SENTINEL_PTR,
         "transom_state_get(NULL app)");
  expect(transom_channel_open(NULL, 1, "c", &id), TRANSOM_ERROR_NULL_ARGUMENT, id == SENTINEL_ID, "transom_channel_open(NULL app)");
  expect(transom_channel_send(NULL, 1, "1"), TRANSOM_ERROR_NULL_ARGUMENT, true, "transom_channel_send(NULL app)");
  expect(transom_channel_send_bytes(NULL, 1, three, 3), TRANSOM_ERROR_NULL_ARGUMENT, true,
         "transom_channel_send_bytes(NULL app)");
  expect(transom_channel_close(NULL, 1), TRANSOM_ERROR_NULL_ARGUMENT, true, "transom_channel_close(NULL app)");
  size_t len = 12345;
  check(transom_event_bytes(NULL, &len) == NULL && len == 12345, "transom_event_bytes(NULL event) is NULL, len untouched");
  check(transom_event_bytes(NULL, NULL) == NULL, "transom_event_bytes(NULL, NULL) is NULL");
}

/* A second app with a tiny max_message_bytes: payload sizes are checked by the call. */
static void test_small_app(void) {
  section("a second app with max_message_bytes 16");
  transom_app *small = NULL;
  if (!expect(transom_app_new("{\"max_message_bytes\":16}", &small), TRANSOM_OK, true, "transom_app_new max_message_bytes 16"))
    return;
  check(small != NULL, "the app pointer is set");
  uint64_t call = SENTINEL_ID;
  expect(transom_post(small, 0, "c", "\"0123456789abcdef\""), TRANSOM_ERROR_TOO_LARGE, true, "transom_post of 18 bytes");
  expect(transom_post(small, 0, "c", "\"0123456789abcd\""), TRANSOM_OK, true, "transom_post of 16 bytes to every webview (none)");
  expect(transom_invoke(small, UNKNOWN_ID, "f", "[1,2,3,4,5,6,7,8,9]", 0, &call), TRANSOM_ERROR_TOO_LARGE,
         call == SENTINEL_ID, "transom_invoke with 19 bytes of args");
  expect(transom_resolve(small, UNKNOWN_ID, "[1,2,3,4,5,6,7,8,9]"), TRANSOM_ERROR_TOO_LARGE, true,
         "transom_resolve with 19 bytes");
  expect(transom_reject(small, UNKNOWN_ID, "0123456789abcdefg"), TRANSOM_ERROR_TOO_LARGE, true,
         "transom_reject with a 17-byte message");
  static const uint8_t bytes[17] = {0};
  expect(transom_post_window(small, UNKNOWN_ID, "c", "\"0123456789abcdef\""), TRANSOM_ERROR_TOO_LARGE, true,
         "transom_post_window of 18 bytes (checked before the window)");
  expect(transom_post_bytes(small, 0, "c", bytes, 17), TRANSOM_ERROR_TOO_LARGE, true, "transom_post_bytes of 17 bytes");
  expect(transom_post_bytes(small, 0, "c", bytes, 16), TRANSOM_OK, true, "transom_post_bytes of 16 bytes to every webview (none)");
  expect(transom_state_set(small, "k", "\"0123456789abcdef\""), TRANSOM_ERROR_TOO_LARGE, true, "transom_state_set of 18 bytes");
  expect(transom_channel_send(small, UNKNOWN_ID, "\"0123456789abcdef\""), TRANSOM_ERROR_TOO_LARGE, true,
         "transom_channel_send of 18 bytes (checked before the channel)");
  expect(transom_channel_send_bytes(small, UNKNOWN_ID, bytes, 17), TRANSOM_ERROR_TOO_LARGE, true,
         "transom_channel_send_bytes of 17 bytes (checked before the channel)");
  expect(transom_state_set(small, "k", "\"0123456789abcd\""), TRANSOM_OK, true, "transom_state_set of 16 bytes");
  char *value = NULL;
  if (expect(transom_state_get(small, "k", &value), TRANSOM_OK, true, "transom_state_get of it")) {
    check(value && strcmp(value, "\"0123456789abcd\"") == 0, "  ...gives the value (%s)", value ? value : "(NULL)");
    transom_string_free(value);
  }
  transom_app_free(small); /* shuts it down first */
  check(true, "transom_app_free on an app that was not shut down returns");
}

static void test_event_next_basics(transom_app *app) {
  section("transom_event_next and transom_event_fd basics");
  transom_event *ev = SENTINEL_PTR;
  expect(transom_event_next(app, 0, NULL), TRANSOM_ERROR_NULL_ARGUMENT, true, "transom_event_next(event_out NULL)");
  expect(transom_event_next(app, -2, &ev), TRANSOM_ERROR_INVALID_ARGUMENT, ev == SENTINEL_PTR, "transom_event_next(timeout -2)");
  expect(transom_event_next(app, 0, &ev), TRANSOM_ERROR_TIMEOUT, ev == SENTINEL_PTR, "transom_event_next(timeout 0) on a new app");
  double t0 = now_ms();
  transom_result rc = transom_event_next(app, 150, &ev);
  double took = now_ms() - t0;
  expect(rc, TRANSOM_ERROR_TIMEOUT, ev == SENTINEL_PTR, "transom_event_next(timeout 150)");
  check(took >= 140.0, "  ...it waited about 150 ms (%.0f ms)", took);
  const char *json = SENTINEL_PTR;
  expect(transom_event_next_json(app, 0, NULL, &json), TRANSOM_ERROR_NULL_ARGUMENT, json == SENTINEL_PTR,
         "transom_event_next_json(event_out NULL)");
  expect(transom_event_next_json(app, 0, &ev, NULL), TRANSOM_ERROR_NULL_ARGUMENT, ev == SENTINEL_PTR,
         "transom_event_next_json(json_out NULL)");
  expect(transom_event_next_json(app, -2, &ev, &json), TRANSOM_ERROR_INVALID_ARGUMENT, ev == SENTINEL_PTR && json == SENTINEL_PTR,
         "transom_event_next_json(timeout -2)");
  expect(transom_event_next_json(app, 0, &ev, &json), TRANSOM_ERROR_TIMEOUT, ev == SENTINEL_PTR && json == SENTINEL_PTR,
         "transom_event_next_json(timeout 0) on a new app");
  int fd = transom_event_fd(app);
  check(fd >= 0, "transom_event_fd is a file descriptor (%d)", fd);
  struct pollfd pfd = {.fd = fd, .events = POLLIN};
  check(fd >= 0 && poll(&pfd, 1, 0) == 0, "  ...not readable while no event is pending");
}

struct ids {
  uint64_t window, webview;
};

static struct ids test_window_and_webview(transom_app *app) {
  struct ids ids = {0, 0};
  uint64_t id = SENTINEL_ID;
  char *options = NULL;

  section("transom_window_create");
  expect(transom_window_create(app, NULL, &id), TRANSOM_ERROR_NULL_ARGUMENT, id == SENTINEL_ID, "options NULL");
  expect(transom_window_create(app, "{}", NULL), TRANSOM_ERROR_NULL_ARGUMENT, true, "window_out NULL");
  expect(transom_window_create(app, "{\"title\":\"\xff\"}", &id), TRANSOM_ERROR_INVALID_UTF8, id == SENTINEL_ID, "options \\xff");
  expect(transom_window_create(app, "{\"title\":", &id), TRANSOM_ERROR_INVALID_JSON, id == SENTINEL_ID, "options cut short");
  expect(transom_window_create(app, "{\"title\":\"x\"});alert(1);//", &id), TRANSOM_ERROR_INVALID_JSON, id == SENTINEL_ID,
         "options {\"title\":\"x\"});alert(1);//");
  expect(transom_window_create(app, "1]);alert(1);//", &id), TRANSOM_ERROR_INVALID_JSON, id == SENTINEL_ID,
         "options 1]);alert(1);//");
  expect(transom_window_create(app, "{\"titel\":1,", &id), TRANSOM_ERROR_INVALID_JSON, id == SENTINEL_ID, "options {\"titel\":1, (cut short)");
  expect(transom_window_create(app, "{\"titel\":\"x\"}", &id), TRANSOM_ERROR_INVALID_ARGUMENT, id == SENTINEL_ID, "unknown option titel");
  check(has(transom_last_error_message(), "titel"), "  ...the message names it (\"%s\")", transom_last_error_message());
  expect(transom_window_create(app, "{\"width\":\"wide\"}", &id), TRANSOM_ERROR_INVALID_ARGUMENT, id == SENTINEL_ID, "width of the wrong type");
  expect(transom_window_create(app, "{\"width\":-5}", &id), TRANSOM_ERROR_INVALID_ARGUMENT, id == SENTINEL_ID, "width -5");
  expect(transom_window_create(app, "{\"x\":10}", &id), TRANSOM_ERROR_INVALID_ARGUMENT, id == SENTINEL_ID, "x without y");
  expect(transom_window_create(app, "[]", &id), TRANSOM_ERROR_INVALID_ARGUMENT, id == SENTINEL_ID, "options are an array");

  if (!expect(transom_window_create(app, "{\"title\":\"transom C API test\",\"width\":480,\"height\":360}", &id),
              TRANSOM_OK, true, "transom_window_create"))
    return ids;
  ids.window = id;
  check(id != 0 && id != SENTINEL_ID, "  ...wrote a window id (%" PRIu64 ")", id);
  transom_event *e = wait_for(app, TRANSOM_EVENT_KIND_WINDOW_CREATED, NULL, NULL);
  check(e && transom_event_window(e) == ids.window && transom_event_webview(e) == 0,
        "window-created names the window (%s)", transom_event_json(e));
  transom_event_free(e);

  section("transom_webview_create");
  options = webview_options(main_page);
  id = SENTINEL_ID;
  expect(transom_webview_create(app, ids.window, NULL, &id), TRANSOM_ERROR_NULL_ARGUMENT, id == SENTINEL_ID, "options NULL");
  expect(transom_webview_create(app, ids.window, options, NULL), TRANSOM_ERROR_NULL_ARGUMENT, true, "webview_out NULL");
  expect(transom_webview_create(app, ids.window, "{\"html\":\"\xff\"}", &id), TRANSOM_ERROR_INVALID_UTF8, id == SENTINEL_ID, "options \\xff");
  expect(transom_webview_create(app, ids.window, "{\"html\":", &id), TRANSOM_ERROR_INVALID_JSON, id == SENTINEL_ID, "options cut short");
  expect(transom_webview_create(app, ids.window, "{\"htm\":\"x\"}", &id), TRANSOM_ERROR_INVALID_ARGUMENT, id == SENTINEL_ID, "unknown option htm");
  expect(transom_webview_create(app, ids.window, "{\"url\":\"https://example.com\",\"html\":\"x\"}", &id),
         TRANSOM_ERROR_INVALID_ARGUMENT, id == SENTINEL_ID, "url and html together");
  expect(transom_webview_create(app, ids.window, "{\"url\":\"relative/page.html\"}", &id), TRANSOM_ERROR_INVALID_ARGUMENT,
         id == SENTINEL_ID, "relative url");
  expect(transom_webview_create(app, ids.window, "{\"background_color\":\"red\"}", &id), TRANSOM_ERROR_INVALID_ARGUMENT,
         id == SENTINEL_ID, "background_color red");
  expect(transom_webview_create(app, UNKNOWN_ID, options, &id), TRANSOM_ERROR_NOT_FOUND, id == SENTINEL_ID, "unknown window");

  if (expect(transom_webview_create(app, ids.window, options, &id), TRANSOM_OK, true, "transom_webview_create with an html page")) {
    ids.webview = id;
    check(id != 0 && id != SENTINEL_ID && id != ids.window, "  ...wrote a webview id (%" PRIu64 ")", id);
    id = SENTINEL_ID;
    expect(transom_webview_create(app, ids.window, "{\"x\":0,\"y\":0}", &id), TRANSOM_ERROR_INVALID_ARGUMENT, id == SENTINEL_ID,
           "bounds without width and height");
    expect(transom_webview_create(app, ids.window, "{\"fill\":true,\"x\":0,\"y\":0,\"width\":9,\"height\":9}", &id),
           TRANSOM_ERROR_INVALID_ARGUMENT, id == SENTINEL_ID, "fill and bounds together");
    expect(transom_webview_create(app, ids.window, "{\"allowed_origins\":[\"example.com\"]}", &id),
           TRANSOM_ERROR_INVALID_ARGUMENT, id == SENTINEL_ID, "allowed_origins without a scheme");
    expect(transom_webview_set(app, ids.webview, NULL), TRANSOM_ERROR_NULL_ARGUMENT, true, "transom_webview_set(props NULL)");
    expect(transom_webview_set(NULL, ids.webview, "{}"), TRANSOM_ERROR_NULL_ARGUMENT, true, "transom_webview_set(NULL app)");
    expect(transom_webview_set(app, UNKNOWN_ID, "{\"visible\":true}"), TRANSOM_ERROR_NOT_FOUND, true, "transom_webview_set(unknown webview)");
    expect(transom_webview_set(app, ids.webview, "{\"width\":-1}"), TRANSOM_ERROR_INVALID_ARGUMENT, true, "transom_webview_set(width only, negative)");
    expect(transom_webview_set(app, ids.webview, "{\"colour\":1}"), TRANSOM_ERROR_INVALID_ARGUMENT, true, "transom_webview_set(unknown field)");
    expect(transom_webview_set(app, ids.webview, "{\"fill\":true,\"visible\":true}"), TRANSOM_OK, true, "transom_webview_set(fill, visible)");
    e = wait_for(app, TRANSOM_EVENT_KIND_WEBVIEW_CREATED, NULL, NULL);
    check(e && transom_event_window(e) == ids.window && transom_event_webview(e) == ids.webview,
          "webview-created names window and webview (%s)", transom_event_json(e));
    transom_event_free(e);
  }
  free(options);
  return ids;
}

static void test_page_to_host(transom_app *app, struct ids ids) {
  section("page -> host: host.send");
  transom_event *e = wait_for(app, TRANSOM_EVENT_KIND_MESSAGE, "\"channel\":\"loaded\"", NULL);
  check(e != NULL, "the page's host.send('loaded', ...) arrives as a message event");
  check(e && transom_event_window(e) == ids.window && transom_event_webview(e) == ids.webview,
        "  ...naming the window and webview");
  check(has(transom_event_json(e), "\"payload\":{\"title\":\"transom api test\"}"), "  ...with the payload (%s)",
        transom_event_json(e));
  transom_event_free(e);

  e = wait_for(app, TRANSOM_EVENT_KIND_PAGE_LOAD, "\"state\":\"finished\"", NULL);
  check(e && transom_event_webview(e) == ids.webview && has(transom_event_json(e), "\"url\":"),
        "page-load finished arrives (%s)", transom_event_json(e));
  transom_event_free(e);

  e = wait_for(app, TRANSOM_EVENT_KIND_TITLE_CHANGED, "\"title\":\"transom api test\"", NULL);
  check(e && transom_event_webview(e) == ids.webview, "title-changed arrives (%s)", transom_event_json(e));
  transom_event_free(e);
}

/* The handler allow-list: only names registered with transom_handle reach the program. */
static void test_handle(transom_app *app) {
  section("transom_handle / transom_unhandle");
  expect(transom_handle(NULL, "add"), TRANSOM_ERROR_NULL_ARGUMENT, true, "transom_handle(NULL app)");
  expect(transom_handle(app, NULL), TRANSOM_ERROR_NULL_ARGUMENT, true, "transom_handle(name NULL)");
  expect(transom_handle(app, "a\xff"), TRANSOM_ERROR_INVALID_UTF8, true, "transom_handle(\"a\\xff\")");
  expect(transom_handle(app, ""), TRANSOM_ERROR_INVALID_ARGUMENT, true, "transom_handle(\"\")");
  expect(transom_unhandle(app, "never-registered"), TRANSOM_ERROR_NOT_FOUND, true, "transom_unhandle(unknown name)");
  expect(transom_unhandle(NULL, "add"), TRANSOM_ERROR_NULL_ARGUMENT, true, "transom_unhandle(NULL app)");
  expect(transom_handle(app, "add"), TRANSOM_OK, true, "transom_handle(add)");
  expect(transom_handle(app, "add"), TRANSOM_OK, true, "transom_handle(add) again");
  expect(transom_handle(app, "fail"), TRANSOM_OK, true, "transom_handle(fail)");
  expect(transom_handle(app, "never-answered"), TRANSOM_OK, true, "transom_handle(never-answered)");
  expect(transom_handle(app, "unlisted"), TRANSOM_OK, true, "transom_handle(unlisted)");
  expect(transom_unhandle(app, "unlisted"), TRANSOM_OK, true, "transom_unhandle(unlisted)");

  section("transom_asset_respond: bad input (tests/security.rs answers real requests)");
  expect(transom_asset_respond(NULL, 1, 200, NULL, NULL, 0), TRANSOM_ERROR_NULL_ARGUMENT, true, "transom_asset_respond(NULL app)");
  expect(transom_asset_respond(app, UNKNOWN_ID, 200, NULL, NULL, 0), TRANSOM_ERROR_NOT_FOUND, true,
         "transom_asset_respond(no such request)");
  expect(transom_asset_respond(app, UNKNOWN_ID, 99, NULL, NULL, 0), TRANSOM_ERROR_INVALID_ARGUMENT, true,
         "transom_asset_respond(status 99)");
  expect(transom_asset_respond(app, UNKNOWN_ID, 200, "{\"a b\":\"x\"}", NULL, 0), TRANSOM_ERROR_INVALID_ARGUMENT, true,
         "transom_asset_respond(header name with a space)");
  expect(transom_asset_respond(app, UNKNOWN_ID, 200, "{\"x\":\"\\n\"}", NULL, 0), TRANSOM_ERROR_INVALID_ARGUMENT, true,
         "transom_asset_respond(header value with a newline)");
  expect(transom_asset_respond(app, UNKNOWN_ID, 200, "{", NULL, 0), TRANSOM_ERROR_INVALID_JSON, true,
         "transom_asset_respond(headers not JSON)");
  expect(transom_asset_respond(app, UNKNOWN_ID, 200, "{\"x\":\"\xff\"}", NULL, 0), TRANSOM_ERROR_INVALID_UTF8, true,
         "transom_asset_respond(headers \\xff)");
  expect(transom_asset_respond(app, UNKNOWN_ID, 200, NULL, NULL, 5), TRANSOM_ERROR_NULL_ARGUMENT, true,
         "transom_asset_respond(body NULL, length 5)");
}

static void test_page_invoke(transom_app *app) {
  section("page -> host: host.invoke answered with transom_resolve");
  transom_event *e = wait_for(app, TRANSOM_EVENT_KIND_INVOKE, "\"name\":\"add\"", NULL);
  const char *json = transom_event_json(e);
  uint64_t call = json_u64(json, "call");
  check(e && call != 0 && has(json, "\"args\":[2,3]"), "invoke event for add(2, 3) with a call id (%s)", json);
  expect(transom_resolve(app, call, NULL), TRANSOM_ERROR_NULL_ARGUMENT, true, "transom_resolve(value NULL)");
  expect(transom_resolve(app, call, "\"\xff\""), TRANSOM_ERROR_INVALID_UTF8, true, "transom_resolve(\"\\xff\")");
  expect(transom_resolve(app, call, "1]);alert(1);//"), TRANSOM_ERROR_INVALID_JSON, true, "transom_resolve(script injection)");
  expect(transom_resolve(app, call, "{\"sum\":"), TRANSOM_ERROR_INVALID_JSON, true, "transom_resolve(JSON cut short)");
  expect(transom_resolve(app, call, ""), TRANSOM_ERROR_INVALID_JSON, true, "transom_resolve(\"\")");
  expect(transom_resolve(app, UNKNOWN_ID, "1"), TRANSOM_ERROR_NOT_FOUND, true, "transom_resolve(unknown call)");
  expect(transom_resolve(app, call, "{\"sum\":5}"), TRANSOM_OK, true, "transom_resolve(call, {\"sum\":5})");
  expect(transom_resolve(app, call, "1"), TRANSOM_ERROR_NOT_FOUND, true, "transom_resolve a second time");
  expect(transom_reject(app, call, "late"), TRANSOM_ERROR_NOT_FOUND, true, "transom_reject after resolve");
  transom_event_free(e);
  expect_message(app, "add-result", "\"payload\":{\"ok\":true,\"v\":{\"sum\":5}}", "the page's Promise resolved with {sum: 5}");

  section("page -> host: host.invoke answered with transom_reject");
  e = wait_for(app, TRANSOM_EVENT_KIND_INVOKE, "\"name\":\"fail\"", NULL);
  json = transom_event_json(e);
  call = json_u64(json, "call");
  check(e && call != 0 && has(json, "\"args\":[\"x\"]"), "invoke event for fail('x') (%s)", json);
  expect(transom_reject(app, call, NULL), TRANSOM_ERROR_NULL_ARGUMENT, true, "transom_reject(message NULL)");
  expect(transom_reject(app, call, "bad \xff"), TRANSOM_ERROR_INVALID_UTF8, true, "transom_reject(\"bad \\xff\")");
  expect(transom_reject(app, UNKNOWN_ID, "no"), TRANSOM_ERROR_NOT_FOUND, true, "transom_reject(unknown call)");
  expect(transom_reject(app, call, "nope: \"quoted\" </script> \xc3\xa9"), TRANSOM_OK, true, "transom_reject(call, message)");
  expect(transom_reject(app, call, "again"), TRANSOM_ERROR_NOT_FOUND, true, "transom_reject a second time");
  transom_event_free(e);
  expect_message(app, "fail-result",
                 "\"payload\":{\"ok\":false,\"e\":\"nope: \\\"quoted\\\" </script> \xc3\xa9\",\"isError\":true}",
                 "the page's Promise rejected with an Error carrying the message");
  expect_message(app, "unlisted-result", "\"payload\":{\"ok\":false,\"e\":\"no handler named unlisted\"}",
                 "a call to an unregistered name is refused in the page");
}

static void test_post(transom_app *app, struct ids ids) {
  section("host -> page: transom_post");
  static const char long_channel[] =
      "cccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccc"
      "cccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccc"
      "ccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccc"; /* 259 bytes */
  expect(transom_post(app, ids.webview, NULL, "1"), TRANSOM_ERROR_NULL_ARGUMENT, true, "channel NULL");
  expect(transom_post(app, ids.webview, "ping", NULL), TRANSOM_ERROR_NULL_ARGUMENT, true, "payload NULL");
  expect(transom_post(app, ids.webview, "pi\xffng", "1"), TRANSOM_ERROR_INVALID_UTF8, true, "channel \\xff");
  expect(transom_post(app, ids.webview, "ping", "\"\xff\""), TRANSOM_ERROR_INVALID_UTF8, true, "payload \\xff");
  expect(transom_post(app, ids.webview, "ping", "1]);alert(1);//"), TRANSOM_ERROR_INVALID_JSON, true, "payload 1]);alert(1);//");
  expect(transom_post(app, ids.webview, "ping", "{\"n\":1});alert(1);({"), TRANSOM_ERROR_INVALID_JSON, true,
         "payload {\"n\":1});alert(1);({");
  expect(transom_post(app, ids.webview, "ping", "alert(1)"), TRANSOM_ERROR_INVALID_JSON, true, "payload alert(1)");
  expect(transom_post(app, ids.webview, "ping", "{'n':1}"), TRANSOM_ERROR_INVALID_JSON, true, "payload with single quotes");
  expect(transom_post(app, ids.webview, "ping", "1 2"), TRANSOM_ERROR_INVALID_JSON, true, "payload of two values");
  expect(transom_post(app, ids.webview, "ping", ""), TRANSOM_ERROR_INVALID_JSON, true, "payload \"\"");
  expect(transom_post(app, ids.webview, "", "1"), TRANSOM_ERROR_INVALID_ARGUMENT, true, "channel \"\"");
  expect(transom_post(app, ids.webview, long_channel, "1"), TRANSOM_ERROR_INVALID_ARGUMENT, true, "channel of 259 bytes");
  expect(transom_post(app, UNKNOWN_ID, "ping", "1"), TRANSOM_ERROR_NOT_FOUND, true, "unknown webview");
  expect(transom_post(app, ids.webview, "ping", "{\"n\":41,\"s\":\"h\\u00e9 </script>\"}"), TRANSOM_OK, true,
         "transom_post(ping, {n: 41, ...})");
  expect_message(app, "pong", "\"payload\":{\"n\":42,\"s\":\"h\xc3\xa9 </script>\"}", "the page answered pong with n+1");
  expect(transom_post(app, 0, "ping", "{\"n\":50,\"s\":\"all\"}"), TRANSOM_OK, true, "transom_post to every webview (0)");
  expect_message(app, "pong", "\"n\":51,", "the broadcast reached the page");
}

static void test_host_invoke(transom_app *app, struct ids ids) {
  section("host -> page: transom_invoke");
  uint64_t call = SENTINEL_ID;
  expect(transom_invoke(app, ids.webview, NULL, "[]", 0, &call), TRANSOM_ERROR_NULL_ARGUMENT, call == SENTINEL_ID, "name NULL");
  expect(transom_invoke(app, ids.webview, "mul", NULL, 0, &call), TRANSOM_ERROR_NULL_ARGUMENT, call == SENTINEL_ID, "args NULL");
  expect(transom_invoke(app, ids.webview, "mul", "[]", 0, NULL), TRANSOM_ERROR_NULL_ARGUMENT, true, "call_out NULL");
  expect(transom_invoke(app, ids.webview, "m\xff", "[]", 0, &call), TRANSOM_ERROR_INVALID_UTF8, call == SENTINEL_ID, "name \\xff");
  expect(transom_invoke(app, ids.webview, "mul", "[\"\xff\"]", 0, &call), TRANSOM_ERROR_INVALID_UTF8, call == SENTINEL_ID, "args \\xff");
  expect(transom_invoke(app, ids.webview, "mul", "1]);alert(1);//", 0, &call), TRANSOM_ERROR_INVALID_JSON, call == SENTINEL_ID,
         "args 1]);alert(1);//");
  expect(transom_invoke(app, ids.webview, "mul", "[6,", 0, &call), TRANSOM_ERROR_INVALID_JSON, call == SENTINEL_ID, "args [6,");
  expect(transom_invoke(app, ids.webview, "mul", "{\"a\":1}", 0, &call), TRANSOM_ERROR_INVALID_ARGUMENT, call == SENTINEL_ID,
         "args not an array");
  expect(transom_invoke(app, ids.webview, "", "[]", 0, &call), TRANSOM_ERROR_INVALID_ARGUMENT, call == SENTINEL_ID, "name \"\"");
  expect(transom_invoke(app, UNKNOWN_ID, "mul", "[]", 0, &call), TRANSOM_ERROR_NOT_FOUND, call == SENTINEL_ID, "unknown webview");

  uint64_t mul = 0, boom = 0, missing = 0, never = 0;
  expect(transom_invoke(app, ids.webview, "mul", "[6,7]", 0, &mul), TRANSOM_OK, true, "transom_invoke(mul, [6,7])");
  expect(transom_invoke(app, ids.webview, "boom", "[]", 0, &boom), TRANSOM_OK, true, "transom_invoke(boom)");
  expect(transom_invoke(app, ids.webview, "missing", "[]", 0, &missing), TRANSOM_OK, true, "transom_invoke(missing)");
  expect(transom_invoke(app, ids.webview, "never", "[]", 200, &never), TRANSOM_OK, true, "transom_invoke(never, timeout 200 ms)");
  check(mul && boom && missing && never && mul != boom && boom != missing && missing != never,
        "  ...four distinct call ids");

  struct {
    uint64_t call;
    const char *needle, *what;
  } results[] = {
      {mul, "\"ok\":true,\"value\":42}", "mul(6, 7) gives 42"},
      {boom, "\"ok\":false,\"error\":\"handler broke\"", "a throwing handler gives ok:false with its message"},
      {missing, "\"ok\":false,\"error\":\"no handler named missing\"", "a missing handler gives ok:false"},
      {never, "\"code\":\"TRANSOM_ERROR_TIMEOUT\"", "an unanswered call times out"},
  };
  for (size_t i = 0; i < sizeof results / sizeof results[0]; i++) {
    char needle[64];
    snprintf(needle, sizeof needle, "\"call\":%" PRIu64 ",", results[i].call);
    transom_event *e = wait_for(app, TRANSOM_EVENT_KIND_INVOKE_RESULT, needle, NULL);
    check(e && has(transom_event_json(e), results[i].needle) && transom_event_webview(e) == ids.webview,
          "invoke-result: %s (%s)", results[i].what, transom_event_json(e));
    transom_event_free(e);
  }
}

static void test_eval_navigate_set(transom_app *app, struct ids ids) {
  section("transom_webview_eval, transom_webview_navigate, transom_window_set");
  expect(transom_webview_eval(app, ids.webview, NULL), TRANSOM_ERROR_NULL_ARGUMENT, true, "eval script NULL");
  expect(transom_webview_eval(app, ids.webview, "'\xff'"), TRANSOM_ERROR_INVALID_UTF8, true, "eval script \\xff");
  expect(transom_webview_eval(app, UNKNOWN_ID, "1"), TRANSOM_ERROR_NOT_FOUND, true, "eval in an unknown webview");
  expect(transom_webview_eval(app, ids.webview, "host.send('evaluated', {sum: 1 + 1});"), TRANSOM_OK, true, "transom_webview_eval");
  expect_message(app, "evaluated", "\"payload\":{\"sum\":2}", "the script ran in the page");

  expect(transom_webview_navigate(app, ids.webview, NULL), TRANSOM_ERROR_NULL_ARGUMENT, true, "navigate url NULL");
  expect(transom_webview_navigate(app, ids.webview, "https://\xff"), TRANSOM_ERROR_INVALID_UTF8, true, "navigate url \\xff");
  expect(transom_webview_navigate(app, ids.webview, "relative/page.html"), TRANSOM_ERROR_INVALID_ARGUMENT, true,
         "navigate to a relative url");
  expect(transom_webview_navigate(app, UNKNOWN_ID, "about:blank"), TRANSOM_ERROR_NOT_FOUND, true, "navigate an unknown webview");

  expect(transom_window_set(app, ids.window, NULL), TRANSOM_ERROR_NULL_ARGUMENT, true, "window_set props NULL");
  expect(transom_window_set(app, ids.window, "{\"title\":\"\xff\"}"), TRANSOM_ERROR_INVALID_UTF8, true, "window_set props \\xff");
  expect(transom_window_set(app, ids.window, "{\"title\":"), TRANSOM_ERROR_INVALID_JSON, true, "window_set props cut short");
  expect(transom_window_set(app, ids.window, "{\"colour\":1}"), TRANSOM_ERROR_INVALID_ARGUMENT, true, "window_set unknown prop");
  expect(transom_window_set(app, ids.window, "{\"transparent\":true}"), TRANSOM_ERROR_INVALID_ARGUMENT, true,
         "window_set transparent");
  expect(transom_window_set(app, UNKNOWN_ID, "{\"title\":\"x\"}"), TRANSOM_ERROR_NOT_FOUND, true, "window_set unknown window");
  expect(transom_window_set(app, ids.window, "{\"title\":\"transom C API test (renamed)\",\"min_width\":200}"), TRANSOM_OK,
         true, "transom_window_set title and min_width");
}

static void test_send_json(transom_app *app, struct ids ids) {
  section("transom_send_json");
  char command[256];
  char *reply = SENTINEL_PTR;
  snprintf(command, sizeof command, "{\"cmd\":\"post\",\"webview\":%" PRIu64 ",\"channel\":\"ping\",\"payload\":{\"n\":1,\"s\":\"json\"}}",
           ids.webview);
  expect(transom_send_json(app, NULL, &reply), TRANSOM_ERROR_NULL_ARGUMENT, reply == SENTINEL_PTR, "command NULL");
  expect(transom_send_json(app, command, NULL), TRANSOM_ERROR_NULL_ARGUMENT, true, "reply_json_out NULL");
  expect(transom_send_json(app, "{\"cmd\":\"\xff\"}", &reply), TRANSOM_ERROR_INVALID_UTF8, reply == SENTINEL_PTR, "command \\xff");
  expect(transom_send_json(app, "not json", &reply), TRANSOM_ERROR_INVALID_JSON, reply == SENTINEL_PTR, "command not json");
  expect(transom_send_json(app, "{\"cmd\":\"post\",\"channel\":\"c\",\"payload\":1}x", &reply), TRANSOM_ERROR_INVALID_JSON,
         reply == SENTINEL_PTR, "command with trailing text");
  expect(transom_send_json(app, "1]);alert(1);//", &reply), TRANSOM_ERROR_INVALID_JSON, reply == SENTINEL_PTR,
         "command 1]);alert(1);//");
  expect(transom_send_json(app, "{\"cmd\":\"post\",\"channel\":\"c\",\"payload\":1]);alert(1);//}", &reply),
         TRANSOM_ERROR_INVALID_JSON, reply == SENTINEL_PTR, "post with a script as payload");
  expect(transom_send_json(app, "{\"cmd\":\"fly\"}", &reply), TRANSOM_ERROR_INVALID_ARGUMENT, reply == SENTINEL_PTR, "unknown command fly");
  check(has(transom_last_error_message(), "fly"), "  ...the message names it (\"%s\")", transom_last_error_message());
  expect(transom_send_json(app, "{\"channel\":\"c\",\"payload\":1}", &reply), TRANSOM_ERROR_INVALID_ARGUMENT, reply == SENTINEL_PTR,
         "no cmd");
  expect(transom_send_json(app, "{\"cmd\":\"post\",\"channel\":\"c\"}", &reply), TRANSOM_ERROR_INVALID_ARGUMENT,
         reply == SENTINEL_PTR, "post without payload");
  expect(transom_send_json(app, "{\"cmd\":\"post\",\"channel\":\"c\",\"payload\":1,\"url\":\"x\"}", &reply),
         TRANSOM_ERROR_INVALID_ARGUMENT, reply == SENTINEL_PTR, "post with a field it does not take");
  expect(transom_send_json(app, "{\"cmd\":\"window.close\",\"window\":987654321987}", &reply), TRANSOM_ERROR_NOT_FOUND,
         reply == SENTINEL_PTR, "window.close of an unknown window");

  reply = NULL;
  if (expect(transom_send_json(app, command, &reply), TRANSOM_OK, true, "post command")) {
    check(reply && strcmp(reply, "{\"type\":\"ok\"}") == 0, "  ...reply is {\"type\":\"ok\"} (%s)", reply ? reply : "(NULL)");
    transom_string_free(reply);
    expect_message(app, "pong", "\"payload\":{\"n\":2,\"s\":\"json\"}", "the page got the post command");
  }

  snprintf(command, sizeof command, "{\"req\":7,\"cmd\":\"invoke\",\"webview\":%" PRIu64 ",\"name\":\"mul\",\"args\":[3,4]}",
           ids.webview);
  reply = NULL;
  if (expect(transom_send_json(app, command, &reply), TRANSOM_OK, true, "invoke command with req 7")) {
    uint64_t call = json_u64(reply ? reply : "", "call");
    check(reply && has(reply, "\"type\":\"ok\"") && has(reply, "\"req\":7") && call != 0, "  ...reply has req and call (%s)",
          reply ? reply : "(NULL)");
    transom_string_free(reply);
    char needle[64];
    snprintf(needle, sizeof needle, "\"call\":%" PRIu64 ",", call);
    transom_event *e = wait_for(app, TRANSOM_EVENT_KIND_INVOKE_RESULT, needle, "\"value\":12}");
    check(e != NULL, "invoke-result for that call with value 12 (%s)", transom_event_json(e));
    transom_event_free(e);
  }
}

/* ---- the message model ----------------------------------------------------------------------- */

/* The checksum the main page computes over bytes: h = h * 31 + byte, modulo 2^32. */
static uint32_t sum31(const uint8_t *b, size_t n) {
  uint32_t h = 0;
  for (size_t i = 0; i < n; i++)
    h = h * 31u + b[i];
  return h;
}

/* `"channel":ID` followed by `,` or `}` (as the id is followed in event JSON), for needles. */
static void channel_needle(char *buf, size_t size, uint64_t channel, char after) {
  snprintf(buf, size, "\"channel\":%" PRIu64 "%c", channel, after);
}

/* The page's `idle` channel: it stays open until its window closes. */
static uint64_t idle_channel;

static void test_post_window(transom_app *app, struct ids ids) {
  section("host -> page: transom_post_window");
  expect(transom_post_window(app, ids.window, NULL, "1"), TRANSOM_ERROR_NULL_ARGUMENT, true, "channel NULL");
  expect(transom_post_window(app, ids.window, "ping", NULL), TRANSOM_ERROR_NULL_ARGUMENT, true, "payload NULL");
  expect(transom_post_window(app, ids.window, "pi\xffng", "1"), TRANSOM_ERROR_INVALID_UTF8, true, "channel \\xff");
  expect(transom_post_window(app, ids.window, "ping", "\"\xff\""), TRANSOM_ERROR_INVALID_UTF8, true, "payload \\xff");
  expect(transom_post_window(app, ids.window, "ping", "1]);alert(1);//"), TRANSOM_ERROR_INVALID_JSON, true,
         "payload 1]);alert(1);//");
  expect(transom_post_window(app, ids.window, "ping", ""), TRANSOM_ERROR_INVALID_JSON, true, "payload \"\"");
  expect(transom_post_window(app, ids.window, "", "1"), TRANSOM_ERROR_INVALID_ARGUMENT, true, "channel \"\"");
  expect(transom_post_window(app, UNKNOWN_ID, "ping", "1"), TRANSOM_ERROR_NOT_FOUND, true, "unknown window");
  expect(transom_post_window(app, 0, "ping", "1"), TRANSOM_ERROR_NOT_FOUND, true, "window 0");
  expect(transom_post_window(app, ids.webview, "ping", "1"), TRANSOM_ERROR_NOT_FOUND, true, "a webview id is not a window id");
  expect(transom_post_window(app, ids.window, "ping", "{\"n\":60,\"s\":\"window\"}"), TRANSOM_OK, true,
         "transom_post_window(window, ping, {n: 60})");
  expect_message(app, "pong", "\"payload\":{\"n\":61,\"s\":\"window\"}", "the window's page answered");
}

static void test_bytes(transom_app *app, struct ids ids) {
  section("bytes: transom_post_bytes and transom_event_bytes");
  static uint8_t data[100000];
  for (size_t i = 0; i < sizeof data; i++)
    data[i] = (uint8_t)(i * 13 + 5);
  expect(transom_post_bytes(app, ids.webview, NULL, data, 4), TRANSOM_ERROR_NULL_ARGUMENT, true, "channel NULL");
  expect(transom_post_bytes(app, ids.webview, "blob", NULL, 4), TRANSOM_ERROR_NULL_ARGUMENT, true, "data NULL with len 4");
  expect(transom_post_bytes(app, ids.webview, "bl\xffob", data, 4), TRANSOM_ERROR_INVALID_UTF8, true, "channel \\xff");
  expect(transom_post_bytes(app, ids.webview, "", data, 4), TRANSOM_ERROR_INVALID_ARGUMENT, true, "channel \"\"");
  expect(transom_post_bytes(app, UNKNOWN_ID, "blob", data, 4), TRANSOM_ERROR_NOT_FOUND, true, "unknown webview");

  char needle[128];
  expect(transom_post_bytes(app, ids.webview, "blob", data, sizeof data), TRANSOM_OK, true, "transom_post_bytes of 100000 bytes");
  snprintf(needle, sizeof needle, "\"payload\":{\"isBytes\":true,\"len\":100000,\"sum\":%" PRIu32 "}", sum31(data, sizeof data));
  expect_message(app, "blob-info", needle, "the page got a Uint8Array with those bytes");
  expect(transom_post_bytes(app, 0, "blob", NULL, 0), TRANSOM_OK, true, "transom_post_bytes(data NULL, len 0) to every webview");
  expect_message(app, "blob-info", "\"payload\":{\"isBytes\":true,\"len\":0,\"sum\":0}", "the page got an empty Uint8Array");

  section("bytes: a page sends a Uint8Array");
  expect(transom_post(app, ids.webview, "make", "300000"), TRANSOM_OK, true, "ask the page for 300000 bytes");
  transom_event *e = wait_for(app, TRANSOM_EVENT_KIND_MESSAGE, "\"channel\":\"bytes-up\"", "\"bytes\":300000}");
  const char *json = transom_event_json(e);
  check(e && !has(json, "\"payload\"") && transom_event_webview(e) == ids.webview,
        "a message event with \"bytes\":300000 and no payload");
  size_t len = 12345;
  const uint8_t *bytes = transom_event_bytes(e, &len);
  bool same = bytes != NULL && len == 300000;
  for (size_t i = 0; same && i < len; i++)
    same = bytes[i] == (uint8_t)((i * 7 + 3) & 255);
  check(same, "  ...transom_event_bytes gives exactly those bytes (len %zu)", len);
  check(e && transom_event_bytes(e, NULL) == NULL, "  ...transom_event_bytes(event, NULL) is NULL");
  transom_event_free(e);
  e = wait_for(app, TRANSOM_EVENT_KIND_MESSAGE, "\"channel\":\"after-bytes\"", "\"payload\":300000}");
  check(e != NULL, "what the page sent after the bytes follows");
  len = 12345;
  check(e && transom_event_bytes(e, &len) == NULL && len == 12345, "  ...transom_event_bytes of a JSON message is NULL, len untouched");
  transom_event_free(e);

  expect(transom_post(app, ids.webview, "make", "0"), TRANSOM_OK, true, "ask the page for 0 bytes");
  e = wait_for(app, TRANSOM_EVENT_KIND_MESSAGE, "\"channel\":\"bytes-up\"", "\"bytes\":0}");
  len = 12345;
  bytes = transom_event_bytes(e, &len);
  check(e && bytes != NULL && len == 0, "an empty Uint8Array: non-NULL pointer and length 0");
  transom_event_free(e);
  expect_message(app, "after-bytes", "\"payload\":0}", "what the page sent after the empty bytes follows");
}

static void test_invoke_cancel(transom_app *app, struct ids ids) {
  section("host -> page: transom_invoke_cancel");
  expect(transom_invoke_cancel(app, UNKNOWN_ID), TRANSOM_ERROR_NOT_FOUND, true, "cancel an unknown call");
  expect(transom_invoke_cancel(app, 0), TRANSOM_ERROR_NOT_FOUND, true, "cancel call 0");
  uint64_t slow = 0;
  char needle[64];
  if (!expect(transom_invoke(app, ids.webview, "slow", "[]", 0, &slow), TRANSOM_OK, true, "transom_invoke(slow)"))
    return;
  expect(transom_invoke_cancel(app, slow), TRANSOM_OK, true, "transom_invoke_cancel(slow)");
  snprintf(needle, sizeof needle, "\"call\":%" PRIu64 ",", slow);
  transom_event *e = wait_for(app, TRANSOM_EVENT_KIND_INVOKE_RESULT, needle, "\"code\":\"TRANSOM_ERROR_CANCELLED\"}");
  const char *json = transom_event_json(e);
  check(e && has(json, "\"ok\":false,\"error\":\"cancelled by the program\"") && transom_event_webview(e) == ids.webview,
        "invoke-result with code TRANSOM_ERROR_CANCELLED (%s)", json);
  transom_event_free(e);
  expect(transom_invoke_cancel(app, slow), TRANSOM_ERROR_NOT_FOUND, true, "cancel it again");
  expect(transom_invoke_cancel(app, ids.webview), TRANSOM_ERROR_NOT_FOUND, true, "a webview id is not a call id");

  section("page -> host: the page gives up on a call (invoke-cancelled)");
  expect(transom_post(app, ids.webview, "give-up", "null"), TRANSOM_OK, true, "post give-up");
  e = wait_for(app, TRANSOM_EVENT_KIND_INVOKE, "\"name\":\"never-answered\"", NULL);
  uint64_t call = json_u64(transom_event_json(e), "call");
  check(e && call != 0, "invoke event for never-answered (%s)", transom_event_json(e));
  transom_event_free(e);
  snprintf(needle, sizeof needle, "\"call\":%" PRIu64 ",", call);
  e = wait_for(app, TRANSOM_EVENT_KIND_INVOKE_CANCELLED, needle, "\"reason\":\"the page's timeout ran out\"}");
  check(e && transom_event_window(e) == ids.window && transom_event_webview(e) == ids.webview,
        "invoke-cancelled names the call, window and webview (%s)", transom_event_json(e));
  transom_event_free(e);
  expect_message(app, "gave-up", "\"payload\":\"invoke never-answered timed out after 100 ms\"",
                 "the page's Promise rejected after its timeout");
  expect(transom_resolve(app, call, "1"), TRANSOM_ERROR_NOT_FOUND, true, "resolve the call the page gave up on");

  /* The cancelled call's handler answers 300 ms after the call: no second invoke-result. */
  sleep_ms(400);
  drain_now(app);
  snprintf(needle, sizeof needle, "\"call\":%" PRIu64 ",", slow);
  unsigned results = 0;
  for (size_t i = 0; i < held_len; i++)
    results += matches(held[i], TRANSOM_EVENT_KIND_INVOKE_RESULT, needle, NULL);
  check(results == 0, "the page's late answer to the cancelled call is dropped (%u more results)", results);
}

static void test_state(transom_app *app, struct ids ids) {
  section("shared state: transom_state_set and transom_state_get");
  char long_key[258];
  memset(long_key, 'k', 257);
  long_key[257] = '\0';
  char *value = SENTINEL_PTR;
  expect(transom_state_set(app, NULL, "1"), TRANSOM_ERROR_NULL_ARGUMENT, true, "state_set key NULL");
  expect(transom_state_set(app, "theme", NULL), TRANSOM_ERROR_NULL_ARGUMENT, true, "state_set value NULL");
  expect(transom_state_set(app, "th\xff", "1"), TRANSOM_ERROR_INVALID_UTF8, true, "state_set key \\xff");
  expect(transom_state_set(app, "theme", "\"\xff\""), TRANSOM_ERROR_INVALID_UTF8, true, "state_set value \\xff");
  expect(transom_state_set(app, "theme", "1]);alert(1);//"), TRANSOM_ERROR_INVALID_JSON, true, "state_set value 1]);alert(1);//");
  expect(transom_state_set(app, "theme", ""), TRANSOM_ERROR_INVALID_JSON, true, "state_set value \"\"");
  expect(transom_state_set(app, "", "1"), TRANSOM_ERROR_INVALID_ARGUMENT, true, "state_set key \"\"");
  expect(transom_state_set(app, long_key, "1"), TRANSOM_ERROR_INVALID_ARGUMENT, true, "state_set key of 257 bytes");
  expect(transom_state_get(app, NULL, &value), TRANSOM_ERROR_NULL_ARGUMENT, value == SENTINEL_PTR, "state_get key NULL");
  expect(transom_state_get(app, "theme", NULL), TRANSOM_ERROR_NULL_ARGUMENT, true, "state_get value_json_out NULL");
  expect(transom_state_get(app, "th\xff", &value), TRANSOM_ERROR_INVALID_UTF8, value == SENTINEL_PTR, "state_get key \\xff");
  expect(transom_state_get(app, "theme", &value), TRANSOM_ERROR_NOT_FOUND, value == SENTINEL_PTR, "state_get of a key never set");

  /* The program writes: state-changed (source host, no ids), the page's watcher, state_get. */
  expect(transom_state_set(app, "theme", "\"dark\""), TRANSOM_OK, true, "transom_state_set(theme, \"dark\")");
  transom_event *e = wait_for(app, TRANSOM_EVENT_KIND_STATE_CHANGED, "\"key\":\"theme\",\"value\":\"dark\"", "\"source\":\"host\"}");
  uint64_t host_version = json_u64(transom_event_json(e), "version");
  check(e && host_version > 0 && transom_event_window(e) == 0 && transom_event_webview(e) == 0,
        "state-changed with a version, source host and no window or webview (%s)", transom_event_json(e));
  transom_event_free(e);
  value = NULL;
  if (expect(transom_state_get(app, "theme", &value), TRANSOM_OK, true, "transom_state_get(theme)")) {
    check(value && strcmp(value, "\"dark\"") == 0, "  ...is \"dark\" (%s)", value ? value : "(NULL)");
    transom_string_free(value);
  }
  expect_message(app, "watched", "\"payload\":{\"v\":\"dark\",\"old\":null}", "the page's watchState saw the change");

  /* The page writes: state-changed with source page and its ids, and a higher version. */
  expect(transom_post(app, ids.webview, "write-state", "\"light\""), TRANSOM_OK, true, "ask the page to write \"light\"");
  e = wait_for(app, TRANSOM_EVENT_KIND_STATE_CHANGED, "\"value\":\"light\"", "\"source\":\"page\"}");
  uint64_t page_version = json_u64(transom_event_json(e), "version");
  check(e && transom_event_window(e) == ids.window && transom_event_webview(e) == ids.webview && page_version > host_version,
        "state-changed with source page, the page's ids and a higher version (%s)", transom_event_json(e));
  transom_event_free(e);
  expect_message(app, "watched", "\"payload\":{\"v\":\"light\",\"old\":\"dark\"}", "the page's own write reached its watcher");
  value = NULL;
  if (expect(transom_state_get(app, "theme", &value), TRANSOM_OK, true, "transom_state_get(theme) after the page's write")) {
    check(value && strcmp(value, "\"light\"") == 0, "  ...is \"light\" (%s)", value ? value : "(NULL)");
    transom_string_free(value);
  }

  /* The same through transom_send_json. */
  char *reply = NULL;
  if (expect(transom_send_json(app, "{\"req\":3,\"cmd\":\"state.set\",\"key\":\"count\",\"value\":[1,2]}", &reply), TRANSOM_OK,
             true, "send_json state.set")) {
    check(reply && has(reply, "{\"type\":\"ok\",\"req\":3,\"version\":") && json_u64(reply, "version") > page_version,
          "  ...the reply has the version (%s)", reply ? reply : "(NULL)");
    transom_string_free(reply);
  }
  reply = NULL;
  if (expect(transom_send_json(app, "{\"cmd\":\"state.get\",\"key\":\"count\"}", &reply), TRANSOM_OK, true, "send_json state.get")) {
    check(reply && strcmp(reply, "{\"type\":\"ok\",\"value\":[1,2]}") == 0, "  ...the reply has the value (%s)",
          reply ? reply : "(NULL)");
    transom_string_free(reply);
  }
  reply = SENTINEL_PTR;
  expect(transom_send_json(app, "{\"cmd\":\"state.get\",\"key\":\"never-set\"}", &reply), TRANSOM_ERROR_NOT_FOUND,
         reply == SENTINEL_PTR, "send_json state.get of a key never set");
}

static void test_channels(transom_app *app, struct ids ids) {
  section("channels the page opens");
  char needle[96], needle2[96];
  expect(transom_post(app, ids.webview, "open-logs", "null"), TRANSOM_OK, true, "ask the page to open logs and idle");
  transom_event *e = wait_for(app, TRANSOM_EVENT_KIND_CHANNEL_OPEN, "\"name\":\"logs\"}", NULL);
  uint64_t logs = json_u64(transom_event_json(e), "channel");
  check(e && logs != 0 && transom_event_window(e) == ids.window && transom_event_webview(e) == ids.webview,
        "channel-open for logs with a channel id (%s)", transom_event_json(e));
  transom_event_free(e);
  e = wait_for(app, TRANSOM_EVENT_KIND_CHANNEL_OPEN, "\"name\":\"idle\"}", NULL);
  idle_channel = json_u64(transom_event_json(e), "channel");
  check(e && idle_channel != 0 && idle_channel != logs, "channel-open for idle (%s)", transom_event_json(e));
  transom_event_free(e);
  channel_needle(needle, sizeof needle, logs, ',');
  e = wait_for(app, TRANSOM_EVENT_KIND_CHANNEL_MESSAGE, needle, NULL);
  check(e && has(transom_event_json(e), "\"payload\":{\"line\":1}}") && transom_event_webview(e) == ids.webview,
        "the first channel-message is line 1 (%s)", transom_event_json(e));
  transom_event_free(e);
  e = wait_for(app, TRANSOM_EVENT_KIND_CHANNEL_MESSAGE, needle, NULL);
  check(e && has(transom_event_json(e), "\"payload\":{\"line\":2}}"), "the second is line 2 (%s)", transom_event_json(e));
  transom_event_free(e);

  expect(transom_channel_send(app, logs, NULL), TRANSOM_ERROR_NULL_ARGUMENT, true, "channel_send payload NULL");
  expect(transom_channel_send(app, logs, "\"\xff\""), TRANSOM_ERROR_INVALID_UTF8, true, "channel_send payload \\xff");
  expect(transom_channel_send(app, logs, "1]);alert(1);//"), TRANSOM_ERROR_INVALID_JSON, true, "channel_send payload 1]);alert(1);//");
  expect(transom_channel_send(app, logs, ""), TRANSOM_ERROR_INVALID_JSON, true, "channel_send payload \"\"");
  expect(transom_channel_send(app, UNKNOWN_ID, "1"), TRANSOM_ERROR_NOT_FOUND, true, "channel_send to an unknown channel");
  expect(transom_channel_send(app, ids.webview, "1"), TRANSOM_ERROR_NOT_FOUND, true, "a webview id is not a channel id");
  expect(transom_channel_send(app, logs, "\"hi\""), TRANSOM_OK, true, "transom_channel_send(logs, \"hi\")");
  expect_message(app, "logs-got", "\"payload\":\"hi\"", "the page's channel listener got it");

  expect(transom_post(app, ids.webview, "close-logs", "null"), TRANSOM_OK, true, "ask the page to close logs");
  channel_needle(needle, sizeof needle, logs, ',');
  e = wait_for(app, TRANSOM_EVENT_KIND_CHANNEL_CLOSE, needle, "\"reason\":\"closed by the page\"}");
  check(e && transom_event_webview(e) == ids.webview, "channel-close, closed by the page (%s)", transom_event_json(e));
  transom_event_free(e);
  expect(transom_channel_send(app, logs, "1"), TRANSOM_ERROR_NOT_FOUND, true, "channel_send on the closed channel");
  expect(transom_channel_close(app, logs), TRANSOM_ERROR_NOT_FOUND, true, "channel_close of the closed channel");

  section("channels the program opens, with backpressure");
  char long_name[260];
  memset(long_name, 'c', 259);
  long_name[259] = '\0';
  uint64_t id = SENTINEL_ID;
  expect(transom_channel_open(app, ids.webview, NULL, &id), TRANSOM_ERROR_NULL_ARGUMENT, id == SENTINEL_ID, "channel_open name NULL");
  expect(transom_channel_open(app, ids.webview, "bulk", NULL), TRANSOM_ERROR_NULL_ARGUMENT, true, "channel_open channel_out NULL");
  expect(transom_channel_open(app, ids.webview, "bu\xfflk", &id), TRANSOM_ERROR_INVALID_UTF8, id == SENTINEL_ID, "channel_open name \\xff");
  expect(transom_channel_open(app, ids.webview, "", &id), TRANSOM_ERROR_INVALID_ARGUMENT, id == SENTINEL_ID, "channel_open name \"\"");
  expect(transom_channel_open(app, ids.webview, long_name, &id), TRANSOM_ERROR_INVALID_ARGUMENT, id == SENTINEL_ID,
         "channel_open name of 259 bytes");
  expect(transom_channel_open(app, UNKNOWN_ID, "bulk", &id), TRANSOM_ERROR_NOT_FOUND, id == SENTINEL_ID, "channel_open unknown webview");
  uint64_t bulk = 0;
  if (!expect(transom_channel_open(app, ids.webview, "bulk", &bulk), TRANSOM_OK, true, "transom_channel_open(bulk)"))
    return;
  check(bulk != 0 && bulk != SENTINEL_ID, "  ...wrote a channel id (%" PRIu64 ")", bulk);

  /* The page takes the channel but does not listen yet: nothing is acknowledged, and four
   * messages of 1 MiB fill the 4 MiB window. */
  size_t chunk_len = 1024 * 1024;
  char *chunk = malloc(chunk_len + 1);
  if (!chunk)
    abort();
  memset(chunk, 'x', chunk_len);
  chunk[0] = chunk[chunk_len - 1] = '"';
  chunk[chunk_len] = '\0';
  unsigned sent = 0;
  transom_result rc;
  while ((rc = transom_channel_send(app, bulk, chunk)) == TRANSOM_OK && sent < 16)
    sent++;
  check(sent == 4, "four messages of 1 MiB went out before the window was full (%u)", sent);
  expect(rc, TRANSOM_ERROR_WOULD_BLOCK, true, "the fifth transom_channel_send");
  expect(transom_channel_send(app, bulk, chunk), TRANSOM_ERROR_WOULD_BLOCK, true, "still blocked while the page takes nothing");
  static const uint8_t ten[10] = {0};
  expect(transom_channel_send_bytes(app, bulk, ten, sizeof ten), TRANSOM_ERROR_WOULD_BLOCK, true,
         "transom_channel_send_bytes is blocked too");

  expect(transom_post(app, ids.webview, "listen-bulk", "null"), TRANSOM_OK, true, "let the page listen");
  channel_needle(needle, sizeof needle, bulk, '}');
  e = wait_for(app, TRANSOM_EVENT_KIND_CHANNEL_READY, needle, NULL);
  check(e && transom_event_window(e) == ids.window && transom_event_webview(e) == ids.webview, "channel-ready (%s)",
        transom_event_json(e));
  transom_event_free(e);
  expect(transom_channel_send(app, bulk, chunk), TRANSOM_OK, true, "transom_channel_send after channel-ready");
  free(chunk);

  /* Bytes through the channel; the page echoes them back through it. */
  uint8_t small[1000];
  for (size_t i = 0; i < sizeof small; i++)
    small[i] = (uint8_t)(255 - i % 256);
  expect(transom_channel_send_bytes(app, bulk, NULL, 3), TRANSOM_ERROR_NULL_ARGUMENT, true, "channel_send_bytes data NULL with len 3");
  expect(transom_channel_send_bytes(app, UNKNOWN_ID, small, 3), TRANSOM_ERROR_NOT_FOUND, true, "channel_send_bytes to an unknown channel");
  expect(transom_channel_send_bytes(app, bulk, small, sizeof small), TRANSOM_OK, true, "transom_channel_send_bytes of 1000 bytes");
  channel_needle(needle, sizeof needle, bulk, ',');
  e = wait_for(app, TRANSOM_EVENT_KIND_CHANNEL_MESSAGE, needle, "\"bytes\":1000}");
  size_t len = 0;
  const uint8_t *bytes = transom_event_bytes(e, &len);
  check(e && bytes && len == sizeof small && memcmp(bytes, small, len) == 0 && !has(transom_event_json(e), "\"payload\""),
        "the page echoed them: a channel-message with the same 1000 bytes (%s)", transom_event_json(e));
  transom_event_free(e);
  expect(transom_channel_send_bytes(app, bulk, NULL, 0), TRANSOM_OK, true, "transom_channel_send_bytes(data NULL, len 0)");
  e = wait_for(app, TRANSOM_EVENT_KIND_CHANNEL_MESSAGE, needle, "\"bytes\":0}");
  len = 12345;
  bytes = transom_event_bytes(e, &len);
  check(e && bytes != NULL && len == 0, "  ...echoed as an empty binary channel-message");
  transom_event_free(e);
  expect(transom_post(app, ids.webview, "bulk-report", "null"), TRANSOM_OK, true, "ask the page what it got");
  expect_message(app, "bulk-report", "\"payload\":{\"count\":5,\"chars\":5242870}", "five messages of 1048574 characters");

  expect(transom_channel_close(app, UNKNOWN_ID), TRANSOM_ERROR_NOT_FOUND, true, "channel_close of an unknown channel");
  expect(transom_channel_close(app, bulk), TRANSOM_OK, true, "transom_channel_close(bulk)");
  expect_message(app, "bulk-closed", "\"payload\":\"closed by the program\"", "the page's side closed");
  expect(transom_channel_close(app, bulk), TRANSOM_ERROR_NOT_FOUND, true, "channel_close again");
  expect(transom_channel_send(app, bulk, "1"), TRANSOM_ERROR_NOT_FOUND, true, "channel_send after close");
  expect(transom_channel_send_bytes(app, bulk, small, 3), TRANSOM_ERROR_NOT_FOUND, true, "channel_send_bytes after close");

  section("a channel the page has no handler for");
  uint64_t nobody = 0;
  if (expect(transom_channel_open(app, ids.webview, "nobody", &nobody), TRANSOM_OK, true, "transom_channel_open(nobody)")) {
    channel_needle(needle, sizeof needle, nobody, ',');
    snprintf(needle2, sizeof needle2, "\"reason\":\"no channel handler named nobody\"}");
    e = wait_for(app, TRANSOM_EVENT_KIND_CHANNEL_CLOSE, needle, needle2);
    check(e && transom_event_webview(e) == ids.webview, "channel-close with the reason (%s)", transom_event_json(e));
    transom_event_free(e);
  }
  /* transom_channel_close sends no channel-close event. */
  drain_now(app);
  channel_needle(needle, sizeof needle, bulk, ',');
  unsigned closes = 0;
  for (size_t i = 0; i < held_len; i++)
    closes += matches(held[i], TRANSOM_EVENT_KIND_CHANNEL_CLOSE, needle, NULL);
  check(closes == 0, "no channel-close event for the channel the program closed (%u)", closes);
}

static bool readable(int fd, int timeout_ms) {
  struct pollfd pfd = {.fd = fd, .events = POLLIN};
  return poll(&pfd, 1, timeout_ms) == 1 && (pfd.revents & POLLIN);
}

/* After poll(2) said the fd is readable: the event must be there, so transom_event_next(app, 0)
 * takes it at once. Holds the event; returns whether one was taken. */
static bool take_after_poll(transom_app *app) {
  transom_event *e = NULL;
  if (transom_event_next(app, 0, &e) != TRANSOM_OK)
    return false;
  note_event(e);
  hold(e);
  return true;
}

/* The fd is quiet once drained: not readable, or (an event slipped in after the drain) readable
 * with an event that can be taken. */
static bool quiet_once_drained(transom_app *app, int fd) {
  drain_now(app);
  return !readable(fd, 0) || take_after_poll(app);
}

static void test_event_fd(transom_app *app, struct ids ids) {
  section("transom_event_fd with poll(2)");
  int fd = transom_event_fd(app);
  check(fd >= 0 && fd == transom_event_fd(app), "the fd is stable (%d)", fd);
  check(quiet_once_drained(app, fd), "not readable once every event was taken");
  expect(transom_post(app, ids.webview, "ping", "{\"n\":300,\"s\":\"fd\"}"), TRANSOM_OK, true, "post ping 300");
  double t0 = now_ms();
  bool woke = readable(fd, (int)patience_ms);
  check(woke, "poll(fd) becomes readable when an event arrives (%.0f ms)", now_ms() - t0);
  check(woke && take_after_poll(app), "  ...and transom_event_next(app, 0) then has an event at once");
  expect_message(app, "pong", "\"n\":301,", "the pong that woke the poller");
  check(quiet_once_drained(app, fd), "not readable again once drained");
}

static void test_callback(transom_app *app, struct ids ids) {
  section("transom_set_event_callback");
  cb.app = app;
  cb.webview = ids.webview;
  cb.main_thread = pthread_self();
  expect(transom_set_event_callback(app, on_event, &cb), TRANSOM_OK, true, "transom_set_event_callback(on_event)");
  expect(transom_post(app, ids.webview, "ping", "{\"n\":10,\"s\":\"cb\"}"), TRANSOM_OK, true, "post ping 10");
  struct timespec deadline = deadline_in(patience_ms);
  pthread_mutex_lock(&cb.mu);
  while (!cb.done) {
    if (pthread_cond_timedwait(&cb.cv, &cb.mu, &deadline) != 0)
      break;
  }
  bool done = cb.done, first = cb.got_first, off = cb.off_main_thread;
  transom_result post_rc = cb.post_rc;
  unsigned n = cb.events;
  pthread_mutex_unlock(&cb.mu);
  check(first, "the callback got pong 11");
  check(post_rc == TRANSOM_OK, "  ...and transom_post from inside the callback worked (%s)", transom_result_name(post_rc));
  check(done, "the callback got pong 101 (the answer to its own post)");
  check(off, "the callback ran on another thread than main (%u events)", n);
  transom_event *ev = SENTINEL_PTR;
  check(transom_event_next(app, 0, &ev) == TRANSOM_ERROR_TIMEOUT && ev == SENTINEL_PTR,
        "nothing is queued for transom_event_next while the callback is set");

  expect(transom_set_event_callback(app, NULL, NULL), TRANSOM_OK, true, "transom_set_event_callback(NULL) goes back to queueing");
  expect(transom_post(app, ids.webview, "ping", "{\"n\":200,\"s\":\"queue\"}"), TRANSOM_OK, true, "post ping 200");
  expect_message(app, "pong", "\"n\":201,", "transom_event_next gets events again");
}

static void test_event_notify(transom_app *app, struct ids ids) {
  section("transom_set_event_notify");
  notified.main_thread = pthread_self();
  drain_now(app);
  expect(transom_set_event_notify(app, on_notify, &notified), TRANSOM_OK, true, "transom_set_event_notify(on_notify)");
  drain_now(app); /* an event that slipped in may have called it here, on this thread */
  pthread_mutex_lock(&notified.mu);
  notified.on_main_thread = false;
  pthread_mutex_unlock(&notified.mu);
  unsigned seen = notify_calls();
  expect(transom_post(app, ids.webview, "ping", "{\"n\":400,\"s\":\"notify\"}"), TRANSOM_OK, true, "post ping 400");
  double t0 = now_ms();
  bool woke = notified_after(seen);
  check(woke, "notify is called when the pong is queued (%.0f ms)", now_ms() - t0);
  check(woke && take_after_poll(app), "  ...and transom_event_next(app, 0) then has an event at once");
  expect_message(app, "pong", "\"n\":401,", "the pong that notify announced");
  pthread_mutex_lock(&notified.mu);
  bool main_thread = notified.on_main_thread;
  pthread_mutex_unlock(&notified.mu);
  check(!main_thread, "notify ran on another thread than main (the GUI thread)");

  /* Nothing pending: a new notify is not called at once. With an event pending, it is. */
  drain_now(app);
  seen = notify_calls();
  expect(transom_set_event_notify(app, on_notify, &notified), TRANSOM_OK, true, "set it again with the queue empty");
  check(notify_calls() == seen || take_after_poll(app), "  ...not called (or an event did come)");
  expect(transom_post(app, ids.webview, "ping", "{\"n\":410,\"s\":\"pending\"}"), TRANSOM_OK, true, "post ping 410");
  check(notified_after(seen), "the pong 411 calls notify");
  seen = notify_calls();
  expect(transom_set_event_notify(app, on_notify, &notified), TRANSOM_OK, true, "set it again with the pong pending");
  check(notify_calls() == seen + 1, "  ...called once at once, on the calling thread");
  expect_message(app, "pong", "\"n\":411,", "the pong 411");

  expect(transom_set_event_notify(app, NULL, NULL), TRANSOM_OK, true, "transom_set_event_notify(NULL)");
  seen = notify_calls();
  expect(transom_post(app, ids.webview, "ping", "{\"n\":420,\"s\":\"off\"}"), TRANSOM_OK, true, "post ping 420");
  expect_message(app, "pong", "\"n\":421,", "events are still queued without notify");
  check(notify_calls() == seen, "  ...and notify is not called any more");
}

static void test_close_window(transom_app *app, struct ids ids) {
  section("transom_window_close");
  uint64_t never = 0;
  expect(transom_invoke(app, ids.webview, "never", "[]", 0, &never), TRANSOM_OK, true, "a call that stays pending (never)");
  expect(transom_window_close(app, UNKNOWN_ID), TRANSOM_ERROR_NOT_FOUND, true, "close an unknown window");
  expect(transom_window_close(app, ids.window), TRANSOM_OK, true, "transom_window_close");
  expect(transom_window_close(app, ids.window), TRANSOM_ERROR_NOT_FOUND, true, "close it again");
  expect(transom_post(app, ids.webview, "ping", "1"), TRANSOM_ERROR_NOT_FOUND, true, "post to its webview");
  expect(transom_webview_eval(app, ids.webview, "1"), TRANSOM_ERROR_NOT_FOUND, true, "eval in its webview");
  expect(transom_window_set(app, ids.window, "{\"title\":\"x\"}"), TRANSOM_ERROR_NOT_FOUND, true, "window_set on it");
  expect(transom_post_window(app, ids.window, "ping", "1"), TRANSOM_ERROR_NOT_FOUND, true, "post_window to it");
  expect(transom_post_bytes(app, ids.webview, "ping", NULL, 0), TRANSOM_ERROR_NOT_FOUND, true, "post_bytes to its webview");
  uint64_t channel = SENTINEL_ID;
  expect(transom_channel_open(app, ids.webview, "bulk", &channel), TRANSOM_ERROR_NOT_FOUND, channel == SENTINEL_ID,
         "channel_open to its webview");

  char needle[64];
  snprintf(needle, sizeof needle, "\"call\":%" PRIu64 ",", never);
  transom_event *e = wait_for(app, TRANSOM_EVENT_KIND_INVOKE_RESULT, needle, NULL);
  check(e && has(transom_event_json(e), "\"ok\":false") && has(transom_event_json(e), "the webview was closed"),
        "the pending call ends with an error (%s)", transom_event_json(e));
  transom_event_free(e);
  if (idle_channel != 0) {
    snprintf(needle, sizeof needle, "\"channel\":%" PRIu64 ",", idle_channel);
    e = wait_for(app, TRANSOM_EVENT_KIND_CHANNEL_CLOSE, needle, "\"reason\":\"the webview was closed\"}");
    check(e && transom_event_webview(e) == ids.webview, "the page's open channel closes with it (%s)", transom_event_json(e));
    transom_event_free(e);
    expect(transom_channel_send(app, idle_channel, "1"), TRANSOM_ERROR_NOT_FOUND, true, "channel_send on it");
  }
  e = wait_for(app, TRANSOM_EVENT_KIND_WEBVIEW_DESTROYED, NULL, NULL);
  check(e && transom_event_webview(e) == ids.webview && transom_event_window(e) == ids.window, "webview-destroyed (%s)",
        transom_event_json(e));
  transom_event_free(e);
  e = wait_for(app, TRANSOM_EVENT_KIND_WINDOW_DESTROYED, NULL, NULL);
  check(e && transom_event_window(e) == ids.window, "window-destroyed (%s)", transom_event_json(e));
  transom_event_free(e);
}

static void test_shutdown(transom_app *app) {
  section("transom_app_shutdown");
  uint64_t window = 0, webview = 0, never = 0;
  char *options = webview_options(second_page);
  expect(transom_window_create(app, "{\"title\":\"transom C API test 2\",\"width\":320,\"height\":240}", &window), TRANSOM_OK,
         true, "a second window");
  expect(transom_webview_create(app, window, options, &webview), TRANSOM_OK, true, "  ...with a page");
  free(options);
  expect_message(app, "loaded2", "\"payload\":{\"theme\":\"light\"}",
                 "the second page runs and starts from the current shared state");
  expect(transom_invoke(app, webview, "never", "[]", 0, &never), TRANSOM_OK, true, "a call left pending at shutdown");

  runner.app = app;
  pthread_t thread;
  bool runner_started = pthread_create(&thread, NULL, run_main_thread, &runner) == 0;
  check(runner_started, "transom_app_run_main waits on another thread");
  sleep_ms(100);
  pthread_mutex_lock(&runner.mu);
  check(!runner.done, "  ...and is still waiting before the shutdown");
  pthread_mutex_unlock(&runner.mu);

  expect(transom_app_shutdown(app), TRANSOM_OK, true, "transom_app_shutdown");
  expect(transom_app_shutdown(app), TRANSOM_OK, true, "transom_app_shutdown again (idempotent)");

  if (runner_started) {
    struct timespec deadline = deadline_in(patience_ms);
    pthread_mutex_lock(&runner.mu);
    while (!runner.done) {
      if (pthread_cond_timedwait(&runner.cv, &runner.mu, &deadline) != 0)
        break;
    }
    bool done = runner.done;
    transom_result rc = runner.rc;
    pthread_mutex_unlock(&runner.mu);
    check(done && rc == TRANSOM_OK, "transom_app_run_main returned TRANSOM_OK after the shutdown");
    if (done)
      pthread_join(thread, NULL);
    else
      pthread_detach(thread);
  }

  uint64_t id = SENTINEL_ID;
  char *reply = SENTINEL_PTR;
  expect(transom_window_create(app, "{}", &id), TRANSOM_ERROR_CLOSED, id == SENTINEL_ID, "window_create after shutdown");
  expect(transom_webview_create(app, window, "{}", &id), TRANSOM_ERROR_CLOSED, id == SENTINEL_ID, "webview_create after shutdown");
  expect(transom_window_set(app, window, "{}"), TRANSOM_ERROR_CLOSED, true, "window_set after shutdown");
  expect(transom_window_close(app, window), TRANSOM_ERROR_CLOSED, true, "window_close after shutdown");
  expect(transom_webview_eval(app, webview, "1"), TRANSOM_ERROR_CLOSED, true, "eval after shutdown");
  expect(transom_webview_navigate(app, webview, "about:blank"), TRANSOM_ERROR_CLOSED, true, "navigate after shutdown");
  expect(transom_post(app, webview, "c", "1"), TRANSOM_ERROR_CLOSED, true, "post after shutdown");
  expect(transom_post(app, 0, "c", "1"), TRANSOM_ERROR_CLOSED, true, "post to every webview after shutdown");
  expect(transom_invoke(app, webview, "never", "[]", 0, &id), TRANSOM_ERROR_CLOSED, id == SENTINEL_ID, "invoke after shutdown");
  expect(transom_resolve(app, 1, "1"), TRANSOM_ERROR_CLOSED, true, "resolve after shutdown");
  expect(transom_reject(app, 1, "no"), TRANSOM_ERROR_CLOSED, true, "reject after shutdown");
  expect(transom_set_event_callback(app, on_event, &cb), TRANSOM_ERROR_CLOSED, true, "set_event_callback after shutdown");
  expect(transom_set_event_notify(app, on_notify, &notified), TRANSOM_ERROR_CLOSED, true, "set_event_notify after shutdown");
  expect(transom_set_event_notify(app, NULL, NULL), TRANSOM_OK, true, "set_event_notify(NULL) after shutdown is fine");
  static const uint8_t three[3] = {1, 2, 3};
  char *value = SENTINEL_PTR;
  expect(transom_post_window(app, window, "c", "1"), TRANSOM_ERROR_CLOSED, true, "post_window after shutdown");
  expect(transom_post_bytes(app, webview, "c", three, 3), TRANSOM_ERROR_CLOSED, true, "post_bytes after shutdown");
  expect(transom_invoke_cancel(app, never), TRANSOM_ERROR_CLOSED, true, "invoke_cancel after shutdown");
  expect(transom_state_set(app, "theme", "1"), TRANSOM_ERROR_CLOSED, true, "state_set after shutdown");
  expect(transom_state_get(app, "theme", &value), TRANSOM_ERROR_CLOSED, value == SENTINEL_PTR, "state_get after shutdown");
  expect(transom_channel_open(app, webview, "c", &id), TRANSOM_ERROR_CLOSED, id == SENTINEL_ID, "channel_open after shutdown");
  expect(transom_channel_send(app, 1, "1"), TRANSOM_ERROR_CLOSED, true, "channel_send after shutdown");
  expect(transom_channel_send_bytes(app, 1, three, 3), TRANSOM_ERROR_CLOSED, true, "channel_send_bytes after shutdown");
  expect(transom_channel_close(app, 1), TRANSOM_ERROR_CLOSED, true, "channel_close after shutdown");
  expect(transom_handle(app, "add"), TRANSOM_ERROR_CLOSED, true, "handle after shutdown");
  expect(transom_unhandle(app, "add"), TRANSOM_ERROR_CLOSED, true, "unhandle after shutdown");
  expect(transom_webview_set(app, webview, "{\"visible\":true}"), TRANSOM_ERROR_CLOSED, true, "webview_set after shutdown");
  expect(transom_asset_respond(app, 1, 200, NULL, NULL, 0), TRANSOM_ERROR_CLOSED, true, "asset_respond after shutdown");
  expect(transom_send_json(app, "{\"cmd\":\"post\",\"channel\":\"c\",\"payload\":1}", &reply), TRANSOM_ERROR_CLOSED,
         reply == SENTINEL_PTR, "send_json post after shutdown");
  reply = NULL;
  expect(transom_send_json(app, "{\"cmd\":\"shutdown\"}", &reply), TRANSOM_OK, true, "send_json shutdown after shutdown (idempotent)");
  transom_string_free(reply);

  int fd = transom_event_fd(app);
  check(fd >= 0 && readable(fd, 0), "the event fd is readable after shutdown");

  /* The events left: the pending call's rejection and the second window's end. */
  bool got_call = false, got_webview = false, got_window = false;
  unsigned left = 0;
  transom_event *e = NULL;
  transom_result rc;
  double deadline = now_ms() + (double)patience_ms;
  char needle[64];
  snprintf(needle, sizeof needle, "\"call\":%" PRIu64 ",", never);
  for (;;) {
    rc = transom_event_next(app, 1000, &e);
    if (rc != TRANSOM_OK)
      break;
    note_event(e);
    left++;
    const char *json = transom_event_json(e);
    enum transom_event_kind kind = transom_event_kind(e);
    if (kind == TRANSOM_EVENT_KIND_INVOKE_RESULT && has(json, needle) && has(json, "\"code\":\"TRANSOM_ERROR_CLOSED\""))
      got_call = true;
    if (kind == TRANSOM_EVENT_KIND_WEBVIEW_DESTROYED && transom_event_webview(e) == webview)
      got_webview = true;
    if (kind == TRANSOM_EVENT_KIND_WINDOW_DESTROYED && transom_event_window(e) == window)
      got_window = true;
    transom_event_free(e);
    e = NULL;
    if (now_ms() > deadline)
      break;
  }
  check(rc == TRANSOM_ERROR_CLOSED, "transom_event_next drains %u events left, then TRANSOM_ERROR_CLOSED (%s)", left,
        transom_result_name(rc));
  check(got_call, "  ...the pending call was rejected with code TRANSOM_ERROR_CLOSED");
  check(got_webview && got_window, "  ...webview-destroyed and window-destroyed came for the second window");
  transom_event *ev = SENTINEL_PTR;
  expect(transom_event_next(app, 0, &ev), TRANSOM_ERROR_CLOSED, ev == SENTINEL_PTR, "transom_event_next(0) once drained");
  expect(transom_event_next(app, -1, &ev), TRANSOM_ERROR_CLOSED, ev == SENTINEL_PTR, "transom_event_next(-1) once drained does not wait");
  const char *json = SENTINEL_PTR;
  expect(transom_event_next_json(app, -1, &ev, &json), TRANSOM_ERROR_CLOSED, ev == SENTINEL_PTR && json == SENTINEL_PTR,
         "transom_event_next_json(-1) once drained does not wait");
}

int main(void) {
  const char *p = getenv("TRANSOM_TEST_PATIENCE_MS");
  if (p && atol(p) > 0)
    patience_ms = atol(p);
  verbose = getenv("TRANSOM_TEST_VERBOSE") != NULL;
  signal(SIGALRM, watchdog);
  alarm((unsigned)(patience_ms / 1000 * 10 + 60));
  printf("# transom %s C API test, patience %ld ms\n", transom_version(), patience_ms);

  test_without_app();

  section("transom_app_new");
  transom_app *app = NULL;
  if (!expect(transom_app_new(NULL, &app), TRANSOM_OK, true, "transom_app_new(NULL options)") || app == NULL) {
    printf("%d passed, %d failed\n", passed, failed);
    return 1;
  }
  test_small_app();
  test_handle(app);
  test_event_next_basics(app);
  struct ids ids = test_window_and_webview(app);
  if (ids.webview != 0) {
    test_page_to_host(app, ids);
    test_page_invoke(app);
    test_post(app, ids);
    test_host_invoke(app, ids);
    test_eval_navigate_set(app, ids);
    test_send_json(app, ids);
    test_post_window(app, ids);
    test_bytes(app, ids);
    test_invoke_cancel(app, ids);
    test_state(app, ids);
    test_channels(app, ids);
    test_event_fd(app, ids);
    test_event_notify(app, ids);
    test_callback(app, ids);
    test_close_window(app, ids);
  }
  test_shutdown(app);

  section("whole run");
  drain_now(app);
  check(!injected_seen, "no payload ever ran as script in the page (no message on \"injected\")");
  check(events_seen > 0 && events_inconsistent == 0,
        "every event's JSON has the type of its kind and its window/webview ids (%u events)", events_seen);
  free_held();
  bool runner_done;
  pthread_mutex_lock(&runner.mu);
  runner_done = runner.done || runner.app == NULL;
  pthread_mutex_unlock(&runner.mu);
  if (runner_done)
    transom_app_free(app); /* never while run_main might still use it */

  printf("%d passed, %d failed\n", passed, failed);
  return failed == 0 ? 0 : 1;
}
