// Type tests: `tsc -p tests/types` must pass. Each @ts-expect-error line must be an error.
import { invokeOptions, start, TransomError, type TransomEvent } from "../../src/index.ts";
import type { PageHost } from "../../page.js";

interface User {
  id: number;
  name: string;
}
// Declared as interfaces on purpose (no index signatures).
interface ProgramHandlers {
  "get-user": (id: number) => Promise<User>;
  add: (a: number, b: number) => number;
}
interface MyIpc {
  events: { tick: number; clicked: { id: number } };
  handlers: ProgramHandlers;
  pageHandlers: { selection: () => string; scale: (factor: number, label: string) => { label: string } };
  channels: { logs: { line: string } };
  state: { theme: "light" | "dark"; count: number };
}

declare const host: PageHost<MyIpc>;

export async function typed(): Promise<void> {
  const app = await start<MyIpc>({ mode: "auto" });
  const win = await app.createWindow({ title: "typed", minWidth: 100, closeGuard: true });
  const view = await win.createWebview({ html: "<p>x</p>", initScript: "1", navigation: { allow: ["*"] } });

  // Program -> page calls: names, arguments and results from pageHandlers.
  const text: string = await view.invoke("selection");
  const scaled: { label: string } = await view.invoke("scale", 2, "x");
  await view.invoke<"scale">("scale", 2, "x", invokeOptions({ timeout: 100 }));
  await view.invokeWith({ timeout: 5 }, "scale", 1, "y");
  // @ts-expect-error: factor is a number
  await view.invoke("scale", "2", "x");
  // @ts-expect-error: no page handler of that name
  await view.invoke("nope");
  // @ts-expect-error: the result is a string
  const wrong: number = await view.invoke("selection");
  // @ts-expect-error: missing argument
  await view.invoke("scale", 2);

  // Page -> program handlers.
  view.handle("get-user", async (id) => ({ id, name: `user ${id}` }));
  view.handle("add", (a, b) => a + b);
  // @ts-expect-error: must resolve with a User
  view.handle("get-user", async (id) => ({ id }));
  // @ts-expect-error: a is a number
  view.handle("add", (a: string, b: number) => b);
  // @ts-expect-error: no program handler of that name
  view.handle("unknown", () => 1);
  app.handle("add", (a, b) => a * b);

  // Events both ways.
  view.on("tick", (n) => {
    const k: number = n;
    void k;
  });
  await view.send("clicked", { id: 1 });
  // @ts-expect-error: tick carries a number
  await view.send("tick", "not a number");
  await view.send("tick", new Uint8Array(4));
  // @ts-expect-error: unknown event channel
  view.on("nothing", () => {});

  // Channels.
  const logs = view.channel("logs");
  await logs.send({ line: "x" });
  // @ts-expect-error: a logs message has a line
  await logs.send({ nope: 1 });
  for await (const m of logs) {
    const line: string = m.line;
    void line;
  }
  view.onChannel("logs", (ch) => ch.on("message", (m) => void m.line));

  // State.
  app.watchState("theme", (value, old) => {
    const t: "light" | "dark" = value;
    const o: "light" | "dark" | undefined = old;
    void t, o;
  });
  await app.setState("count", 3);
  // @ts-expect-error: not a theme
  await app.setState("theme", "blue");
  const theme: "light" | "dark" | undefined = app.state.theme;
  void theme;

  // Events and errors.
  for await (const e of app.events()) {
    if (e.type === "resize") {
      const w: number = e.width;
      void w;
    }
    if (e.type === "host-crashed") {
      const next: number | null = e.restartIn;
      void next;
    }
  }
  const first: TransomEvent = await app.next("window-created", { timeout: 10 });
  void first;
  for await (const m of app.channelEvents("clicked")) {
    const id: number = m.payload.id;
    void id;
  }
  try {
    await app.close();
  } catch (e) {
    if (e instanceof TransomError) {
      const code: string = e.code;
      void code;
    }
  }
  void text, scaled, wrong;
}

export async function untyped(): Promise<void> {
  const app = await start();
  const win = await app.createWindow();
  const view = await win.createWebview();
  const anything = await view.invoke("whatever", 1, { a: 2 }, [3]);
  view.handle("sum", (a, b) => a + b);
  view.on("any", (payload) => void payload);
  app.state.free = { form: true };
  void anything;
}

export async function page(): Promise<void> {
  const user: User = await host.invoke("get-user", 1);
  const sum: number = await host.invoke("add", 1, 2);
  // @ts-expect-error: id is a number
  await host.invoke("get-user", "1");
  // @ts-expect-error: no such program handler
  await host.invoke("missing");
  host.on("tick", (n) => {
    const k: number = n;
    void k;
  });
  host.send("clicked", { id: 2 });
  // @ts-expect-error: clicked carries {id}
  host.send("clicked", { name: "x" });
  void user, sum;
}
