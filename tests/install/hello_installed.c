/* A C program built outside the source tree against an installed transom (tests/install/run.sh):
 * the header's version macros match the library's transom_version(), and an app opens a window
 * on the display (xvfb-run) and shuts down. Prints "transom VERSION: window N created". */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <transom.h>

#define STR_(x) #x
#define STR(x) STR_(x)

int main(void) {
  const char *header = STR(TRANSOM_VERSION_MAJOR) "." STR(TRANSOM_VERSION_MINOR) "." STR(TRANSOM_VERSION_PATCH);
  if (strcmp(header, transom_version()) != 0) {
    fprintf(stderr, "header version %s, library version %s\n", header, transom_version());
    return 1;
  }
  transom_app *app = NULL;
  transom_result r = transom_app_new(NULL, &app);
  if (r != TRANSOM_OK) {
    fprintf(stderr, "transom_app_new: %s: %s\n", transom_result_name(r), transom_last_error_message());
    return 1;
  }
  uint64_t window = 0;
  r = transom_window_create(app, "{\"title\":\"installed\",\"width\":320,\"height\":200}", &window);
  if (r != TRANSOM_OK) {
    fprintf(stderr, "transom_window_create: %s\n", transom_last_error_message());
    transom_app_free(app);
    return 1;
  }
  int status = 1;
  for (;;) {
    transom_event *event = NULL;
    r = transom_event_next(app, 20000, &event);
    if (r != TRANSOM_OK) {
      fprintf(stderr, "no window-created event: %s\n", transom_result_name(r));
      break;
    }
    enum transom_event_kind kind = transom_event_kind(event);
    uint64_t id = transom_event_window(event);
    transom_event_free(event);
    if (kind == TRANSOM_EVENT_KIND_WINDOW_CREATED && id == window) {
      printf("transom %s: window %llu created\n", transom_version(), (unsigned long long)window);
      status = 0;
      break;
    }
  }
  transom_app_free(app);
  return status;
}
