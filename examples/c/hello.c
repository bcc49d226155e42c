/*
 * hello.c: the transom demo in C.
 *
 * Opens a window "transom hello" whose page (inline HTML below) has a button that calls the host
 * function `system_info` with `host.invoke`; this program answers with what uname(2) says and the
 * transom version. Every second the program also pushes a counter and the time to the page on
 * channel `tick` (`host.on('tick', ...)` in the page).
 *
 * It runs until the window is closed. With TRANSOM_DEMO_SECONDS=n it stops by itself after n
 * seconds; if TRANSOM_DEMO_SCREENSHOT=path is set too, it first clicks the page's button (by
 * running a script in the page), waits until the answer is on screen and saves a screenshot of the
 * whole display with ImageMagick (`import -window root path`).
 *
 * Build (from the repository root, after `cargo build`):
 *   cc -std=c11 -Wall -Wextra -Werror -Iinclude examples/c/hello.c -Ltarget/debug -ltransom -o hello
 *   LD_LIBRARY_PATH=target/debug ./hello
 * or simply run examples/c/run.sh.
 */

#define _POSIX_C_SOURCE 200809L

#include <inttypes.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <time.h>

#include "transom.h"

/* The page. It is passed to transom as the `html` option of the webview, inside a JSON string,
 * so it is escaped at run time (json_escape below); it can use any quotes it likes. `window.host`
 * is there before the page's own script runs. */
static const char PAGE[] =
    "<!doctype html>\n"
    "<html lang=\"en\"><head><meta charset=\"utf-8\"><title>transom hello</title>\n"
    "<style>\n"
    "  :root { color-scheme: light; font-family: system-ui, 'DejaVu Sans', sans-serif; }\n"
    "  body { margin: 0; min-height: 100vh; display: grid; place-items: center;\n"
    "         background: linear-gradient(135deg, #1e3a8a, #0f766e); color: #0f172a; }\n"
    "  main { background: #ffffff; border-radius: 16px; padding: 28px 32px; width: 560px;\n"
    "         box-shadow: 0 20px 50px rgba(0, 0, 0, 0.35); }\n"
    "  h1 { margin: 0 0 4px; font-size: 28px; }\n"
    "  p.sub { margin: 0 0 20px; color: #475569; }\n"
    "  button { font: inherit; font-weight: 600; color: #ffffff; background: #2563eb; border: 0;\n"
    "           border-radius: 10px; padding: 10px 18px; cursor: pointer; }\n"
    "  button:hover { background: #1d4ed8; }\n"
    "  table { margin-top: 16px; border-collapse: collapse; width: 100%; }\n"
    "  td { padding: 6px 8px; border-bottom: 1px solid #e2e8f0; }\n"
    "  td:first-child { color: #64748b; width: 40%; }\n"
    "  td:last-child { font-family: ui-monospace, 'DejaVu Sans Mono', monospace; }\n"
    "  .tick { margin-top: 22px; padding: 12px 16px; border-radius: 10px; background: #f1f5f9;\n"
    "          display: flex; justify-content: space-between; font-variant-numeric: tabular-nums; }\n"
    "  .muted { color: #94a3b8; }\n"
    "</style></head>\n"
    "<body><main>\n"
    "  <h1>transom hello</h1>\n"
    "  <p class=\"sub\">A native window, a system webview and a C program talking to each other.</p>\n"
    "  <button id=\"info-button\">Show system info</button>\n"
    "  <table id=\"info\"><tr><td class=\"muted\" colspan=\"2\">Press the button to ask the host.</td></tr></table>\n"
    "  <div class=\"tick\"><span>Tick <b id=\"count\">&ndash;</b></span>"
    "<span>Host time <b id=\"time\">&ndash;</b></span></div>\n"
    "</main>\n"
    "<script>\n"
    "  const $ = (id) => document.getElementById(id);\n"
    "  function row(name, value) {\n"
    "    const tr = document.createElement('tr');\n"
    "    for (const text of [name, value]) {\n"
    "      const td = document.createElement('td');\n"
    "      td.textContent = text;\n"
    "      tr.appendChild(td);\n"
    "    }\n"
    "    return tr;\n"
    "  }\n"
    "  // Calls the C function system_info and shows its answer.\n"
    "  $('info-button').addEventListener('click', async () => {\n"
    "    const table = $('info');\n"
    "    try {\n"
    "      const info = await host.invoke('system_info');\n"
    "      table.replaceChildren(row('System', info.sysname), row('Release', info.release),\n"
    "                            row('Machine', info.machine), row('transom', info.transom));\n"
    "    } catch (error) {\n"
    "      table.replaceChildren(row('Error', error.message));\n"
    "    }\n"
    "    // Tell the host the answer is on the page (the demo waits for this before its screenshot).\n"
    "    requestAnimationFrame(() => host.send('info-shown', true));\n"
    "  });\n"
    "  // The host pushes {count, time} every second.\n"
    "  host.on('tick', (tick) => {\n"
    "    $('count').textContent = tick.count;\n"
    "    $('time').textContent = tick.time;\n"
    "  });\n"
    "</script></body></html>\n";

/* Appends `s` to `out` (of size `size`, holding `*len` bytes) as a JSON string literal. Returns
 * false if it does not fit. */
static bool json_escape(char *out, size_t size, size_t *len, const char *s) {
  size_t n = *len;
  if (n + 1 >= size)
    return false;
  out[n++] = '"';
  for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
    if (n + 7 >= size)
      return false;
    if (*p == '"' || *p == '\\') {
      out[n++] = '\\';
      out[n++] = (char)*p;
    } else if (*p < 0x20) {
      n += (size_t)snprintf(out + n, size - n, "\\u%04x", *p);
    } else {
      out[n++] = (char)*p;
    }
  }
  out[n++] = '"';
  out[n] = '\0';
  *len = n;
  return true;
}

/* Appends plain text to `out`. */
static bool append(char *out, size_t size, size_t *len, const char *text) {
  size_t t = strlen(text);
  if (*len + t >= size)
    return false;
  memcpy(out + *len, text, t + 1);
  *len += t;
  return true;
}

/* The answer to `system_info`: {"sysname":…,"release":…,"machine":…,"transom":…}. */
static bool system_info_json(char *out, size_t size) {
  struct utsname u;
  if (uname(&u) != 0)
    return false;
  size_t len = 0;
  out[0] = '\0';
  return append(out, size, &len, "{\"sysname\":") && json_escape(out, size, &len, u.sysname) &&
         append(out, size, &len, ",\"release\":") && json_escape(out, size, &len, u.release) &&
         append(out, size, &len, ",\"machine\":") && json_escape(out, size, &len, u.machine) &&
         append(out, size, &len, ",\"transom\":") && json_escape(out, size, &len, transom_version()) &&
         append(out, size, &len, "}");
}

static double now_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec * 1000.0 + (double)ts.tv_nsec / 1e6;
}

/* Prints what went wrong with a transom call and returns false. */
static bool fail(const char *what, transom_result r) {
  fprintf(stderr, "hello: %s failed: %s (%s)\n", what, transom_result_name(r), transom_last_error_message());
  return false;
}

/* Takes a screenshot of the whole display with ImageMagick. */
static bool screenshot(const char *path) {
  /* Quote the path for the shell: 'it'\''s' */
  char command[4096];
  size_t n = (size_t)snprintf(command, sizeof command, "import -window root '");
  for (const char *p = path; *p && n + 8 < sizeof command; p++) {
    if (*p == '\'') {
      memcpy(command + n, "'\\''", 4);
      n += 4;
    } else {
      command[n++] = *p;
    }
  }
  if (n + 2 >= sizeof command)
    return false;
  command[n++] = '\'';
  command[n] = '\0';
  int status = system(command);
  if (status != 0) {
    fprintf(stderr, "hello: `%s` failed (status %d); is ImageMagick installed?\n", command, status);
    return false;
  }
  return true;
}

/* What the main loop does with one event. */
struct demo {
  transom_app *app;
  uint64_t window, webview;
  bool window_gone;
  bool info_shown;
};

static void handle_event(struct demo *d, const transom_event *event) {
  const char *json = transom_event_json(event);
  switch (transom_event_kind(event)) {
  case TRANSOM_EVENT_KIND_INVOKE: {
    /* {"type":"invoke","window":1,"webview":2,"call":3,"name":"system_info","args":[]} */
    const char *p = strstr(json, "\"call\":");
    uint64_t call = p ? strtoull(p + 7, NULL, 10) : 0;
    if (strstr(json, "\"name\":\"system_info\"")) {
      char info[1024];
      transom_result r = system_info_json(info, sizeof info) ? transom_resolve(d->app, call, info)
                                                             : transom_reject(d->app, call, "uname failed");
      if (r != TRANSOM_OK)
        fail("answering system_info", r);
      else
        printf("hello: answered system_info: %s\n", info);
    } else {
      transom_reject(d->app, call, "no such host function");
    }
    break;
  }
  case TRANSOM_EVENT_KIND_MESSAGE:
    if (strstr(json, "\"channel\":\"info-shown\""))
      d->info_shown = true;
    break;
  case TRANSOM_EVENT_KIND_ERROR:
    fprintf(stderr, "hello: %s\n", json);
    break;
  case TRANSOM_EVENT_KIND_WINDOW_DESTROYED:
    if (transom_event_window(event) == d->window)
      d->window_gone = true;
    break;
  default:
    break;
  }
}

/* Pushes {"count":n,"time":"HH:MM:SS"} to the page on channel `tick`. */
static void send_tick(struct demo *d, unsigned count) {
  char clock[16] = "?";
  time_t t = time(NULL);
  struct tm tm;
  if (localtime_r(&t, &tm))
    strftime(clock, sizeof clock, "%H:%M:%S", &tm);
  char payload[64];
  snprintf(payload, sizeof payload, "{\"count\":%u,\"time\":\"%s\"}", count, clock);
  transom_result r = transom_post(d->app, d->webview, "tick", payload);
  if (r != TRANSOM_OK && r != TRANSOM_ERROR_NOT_FOUND) /* NOT_FOUND: the window just closed */
    fail("transom_post tick", r);
}

/* Runs the event loop until the window is gone or `until_ms` (monotonic; 0: no limit) passes,
 * or, with `stop_when_info_shown`, until the page says the system info is shown. Ticks go out every
 * second. */
static void run_loop(struct demo *d, double until_ms, bool stop_when_info_shown, unsigned *ticks, double *next_tick) {
  while (!d->window_gone && !(stop_when_info_shown && d->info_shown)) {
    double now = now_ms();
    if (until_ms > 0 && now >= until_ms)
      return;
    if (now >= *next_tick) {
      send_tick(d, ++*ticks);
      *next_tick += 1000.0;
      continue;
    }
    double wait = *next_tick - now;
    if (until_ms > 0 && until_ms - now < wait)
      wait = until_ms - now;
    transom_event *event = NULL;
    transom_result r = transom_event_next(d->app, (int32_t)wait + 1, &event);
    if (r == TRANSOM_ERROR_TIMEOUT)
      continue;
    if (r != TRANSOM_OK) {
      fail("transom_event_next", r);
      d->window_gone = true;
      return;
    }
    handle_event(d, event);
    transom_event_free(event);
  }
}

int main(void) {
  const char *seconds_env = getenv("TRANSOM_DEMO_SECONDS");
  const char *shot_path = getenv("TRANSOM_DEMO_SCREENSHOT");
  double seconds = seconds_env ? strtod(seconds_env, NULL) : 0;
  if (seconds_env && !(seconds > 0)) {
    fprintf(stderr, "hello: TRANSOM_DEMO_SECONDS must be a positive number, got \"%s\"\n", seconds_env);
    return 2;
  }

  struct demo d = {0};
  transom_result r = transom_app_new(NULL, &d.app);
  if (r != TRANSOM_OK) {
    fail("transom_app_new (is there a display?)", r);
    return 1;
  }
  int status = 0;

  /* Pages may only call the handlers the program names: here the one this demo answers. */
  if ((r = transom_handle(d.app, "system_info")) != TRANSOM_OK) {
    fail("transom_handle", r);
    transom_app_free(d.app);
    return 1;
  }

  /* The webview options are a JSON object: {"html": "<the page as a JSON string>"}. */
  size_t size = sizeof PAGE * 2 + 64, len = 0;
  char *options = malloc(size);
  if (!options || !append(options, size, &len, "{\"html\":") || !json_escape(options, size, &len, PAGE) ||
      !append(options, size, &len, "}")) {
    fprintf(stderr, "hello: out of memory\n");
    free(options);
    transom_app_free(d.app);
    return 1;
  }

  if ((r = transom_window_create(d.app, "{\"title\":\"transom hello\",\"width\":720,\"height\":520}", &d.window)) != TRANSOM_OK ||
      (r = transom_webview_create(d.app, d.window, options, &d.webview)) != TRANSOM_OK) {
    fail("opening the window", r);
    free(options);
    transom_app_free(d.app);
    return 1;
  }
  free(options);
  printf("hello: transom %s, window %" PRIu64 ", webview %" PRIu64 "\n", transom_version(), d.window, d.webview);

  unsigned ticks = 0;
  double start = now_ms(), next_tick = start;
  run_loop(&d, seconds > 0 ? start + seconds * 1000.0 : 0, false, &ticks, &next_tick);

  if (!d.window_gone && shot_path && *shot_path) {
    /* Click the button from inside the page, wait (at most 10 s) until the answer is shown, let
     * it paint, then take the picture. */
    r = transom_webview_eval(d.app, d.webview, "document.getElementById('info-button').click();");
    if (r != TRANSOM_OK)
      fail("transom_webview_eval", r);
    run_loop(&d, now_ms() + 10000.0, true, &ticks, &next_tick);
    if (!d.info_shown)
      fprintf(stderr, "hello: the page did not show the system info in time\n");
    run_loop(&d, now_ms() + 500.0, false, &ticks, &next_tick);
    if (screenshot(shot_path) && d.info_shown)
      printf("hello: screenshot saved to %s\n", shot_path);
    else
      status = 1;
  }

  printf("hello: %s after %u ticks\n", d.window_gone ? "window closed" : "time is up", ticks);
  r = transom_app_shutdown(d.app);
  if (r != TRANSOM_OK)
    fail("transom_app_shutdown", r);
  transom_app_free(d.app);
  return status;
}
