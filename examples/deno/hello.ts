// hello.ts: the transom demo in Deno.
//
// Opens a window "transom hello" whose page has a button that calls the program's `system_info`
// with host.invoke; the program answers with what Node knows about the machine. Every second the
// program also pushes a counter and the time to the page (`tick`).
//
// It runs until the window is closed. With TRANSOM_DEMO_SECONDS=n it stops by itself after n
// seconds (for headless runs). TRANSOM_MODE=host runs it through transom-host.
//
//   deno run --allow-ffi --allow-read --allow-env --allow-run examples/deno/hello.ts
//   TRANSOM_DEMO_SECONDS=5 xvfb-run -a deno run -A examples/deno/hello.ts
// (--allow-run is for TRANSOM_MODE=host; the package is imported by path, nothing to install.)
import { start, TransomError } from "../../bindings/js/mod.ts";

const PAGE = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>transom hello</title>
<style>
  :root { font-family: system-ui, 'DejaVu Sans', sans-serif; }
  body { margin: 0; min-height: 100vh; display: grid; place-items: center;
         background: linear-gradient(135deg, #14532d, #0f766e); }
  main { background: #fff; border-radius: 16px; padding: 28px 32px; width: 560px;
         box-shadow: 0 20px 50px rgba(0, 0, 0, 0.35); }
  h1 { margin: 0 0 4px; font-size: 28px; }
  p.sub { margin: 0 0 20px; color: #475569; }
  button { font: inherit; font-weight: 600; color: #fff; background: #15803d; border: 0;
           border-radius: 10px; padding: 10px 18px; cursor: pointer; }
  table { margin-top: 16px; border-collapse: collapse; width: 100%; }
  td { padding: 6px 8px; border-bottom: 1px solid #e2e8f0; }
  td:first-child { color: #64748b; width: 40%; }
  .tick { margin-top: 22px; padding: 12px 16px; border-radius: 10px; background: #f1f5f9;
          display: flex; justify-content: space-between; font-variant-numeric: tabular-nums; }
</style></head>
<body><main>
  <h1>transom hello</h1>
  <p class="sub">A native window, a system webview and a JavaScript program talking to each other.</p>
  <button id="info">Show system info</button>
  <table id="table"><tr><td colspan="2">Press the button to ask the program.</td></tr></table>
  <div class="tick"><span>Tick <b id="count">&ndash;</b></span><span>Program time <b id="time">&ndash;</b></span></div>
</main>
<script>
  const $ = (id) => document.getElementById(id);
  const row = (name, value) => {
    const tr = document.createElement('tr');
    for (const text of [name, value]) tr.appendChild(document.createElement('td')).textContent = text;
    return tr;
  };
  $('info').addEventListener('click', async () => {
    try {
      const info = await host.invoke('system_info');
      $('table').replaceChildren(...Object.entries(info).map(([k, v]) => row(k, v)));
    } catch (error) {
      $('table').replaceChildren(row('Error', error.message));
    }
  });
  host.on('tick', ({ count, time }) => { $('count').textContent = count; $('time').textContent = time; });
</script></body></html>`;

const seconds = Deno.env.get("TRANSOM_DEMO_SECONDS") ? Number(Deno.env.get("TRANSOM_DEMO_SECONDS")) : undefined;
if (seconds !== undefined && !(seconds > 0)) {
  console.error(`hello: TRANSOM_DEMO_SECONDS must be a positive number, got ${Deno.env.get("TRANSOM_DEMO_SECONDS")}`);
  Deno.exit(2);
}

let app: Awaited<ReturnType<typeof start>>;
try {
  app = await start();
} catch (error) {
  console.error(`hello: cannot start transom (is there a display?): ${error instanceof TransomError ? `${error.code}: ${error.message}` : error}`);
  Deno.exit(1);
}
const win = await app.createWindow({ title: "transom hello", width: 720, height: 520 });
const view = await win.createWebview({ html: PAGE });
console.log(`hello: transom ${app.version} (${app.mode}, ${app.runtime}), window ${win.id}, webview ${view.id}`);

view.handle("system_info", () => {
  const info = {
    System: `${Deno.build.os} ${Deno.osRelease()}`,
    Machine: Deno.build.arch,
    Runtime: `Deno ${Deno.version.deno}`,
    transom: `${app.version} (${app.mode})`,
  };
  console.log("hello: answered system_info:", info);
  return info;
});

let ticks = 0;
const ticker = setInterval(() => {
  ticks += 1;
  view.send("tick", { count: ticks, time: new Date().toLocaleTimeString() }).catch(() => {});
}, 1000);

const timeUp = seconds ? new Promise<string>((resolve) => setTimeout(resolve, seconds * 1000, "time is up")) : new Promise<string>(() => {});
const why = await Promise.race([win.closed.then(() => "window closed"), timeUp]);
clearInterval(ticker);
await app.close();
console.log(`hello: ${why} after ${ticks} ticks`);
