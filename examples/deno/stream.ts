// stream.ts: streams through transom channels (Deno), both ways, with backpressure.
//
// The program pushes TRANSOM_STREAM_MB (default 64) MiB of text through a channel it opens to the
// page ("feed"); each `await feed.send(...)` waits while 4 MiB are still unread by the page, so
// memory stays flat however fast the program produces. The page draws its progress and sends its
// own statistics back four times a second through a channel it opens ("stats"), which the
// program reads with `for await`.
//
// It ends when the window is closed; with TRANSOM_DEMO_SECONDS=n, after n seconds (the stream
// stops early if it is not through by then).
//
//   deno run --allow-ffi --allow-read --allow-env --allow-run examples/deno/stream.ts
//   TRANSOM_DEMO_SECONDS=10 xvfb-run -a deno run -A examples/deno/stream.ts
import { start } from "../../bindings/js/mod.ts";

const PAGE = `<!doctype html>
<html><head><meta charset="utf-8"><title>transom stream</title>
<style>
  body { font-family: system-ui, 'DejaVu Sans', sans-serif; margin: 32px; background: #0f172a; color: #e2e8f0; }
  progress { width: 100%; height: 24px; }
  .big { font-size: 40px; font-variant-numeric: tabular-nums; margin: 16px 0; }
  pre { background: #1e293b; padding: 12px; border-radius: 8px; height: 160px; overflow: hidden; font-size: 11px; }
</style></head>
<body>
  <h1>Streaming from the program</h1>
  <progress id="progress" max="1" value="0"></progress>
  <div class="big"><span id="mib">0</span> MiB &middot; <span id="rate">0</span> MiB/s</div>
  <pre id="last"></pre>
<script>
  const $ = (id) => document.getElementById(id);
  let messages = 0, bytes = 0, started = 0, done = false;
  host.onChannel("feed", (feed) => {
    started = performance.now();
    feed.on("message", (m) => {
      messages++;
      bytes += m.text.length;
      if (messages % 16 === 0) $('last').textContent = m.text.slice(0, 600);
      $('progress').value = (m.seq + 1) / m.count;
    });
    feed.on("close", () => { done = true; });
  });
  const stats = host.channel("stats");
  setInterval(() => {
    const seconds = (performance.now() - started) / 1000;
    $('mib').textContent = (bytes / 1048576).toFixed(1);
    $('rate').textContent = started ? (bytes / 1048576 / seconds).toFixed(1) : '0';
    if (stats.isOpen) stats.send({ messages, bytes, done });
  }, 250);
</script></body></html>`;

const seconds = Deno.env.get("TRANSOM_DEMO_SECONDS") ? Number(Deno.env.get("TRANSOM_DEMO_SECONDS")) : undefined;
const totalMiB = Number(Deno.env.get("TRANSOM_STREAM_MB") ?? 64);
const CHUNK = 64 * 1024; // characters of text per message
const count = Math.ceil((totalMiB * 1048576) / CHUNK);

const app = await start();
const win = await app.createWindow({ title: "transom stream", width: 720, height: 480 });
const view = await win.createWebview({ html: PAGE });
console.log(`stream: transom ${app.version} (${app.mode}, ${app.runtime}): ${count} messages of ${CHUNK / 1024} KiB`);

// What the page reports, through the channel it opens.
let pageStats: { messages: number; bytes: number; done: boolean } = { messages: 0, bytes: 0, done: false };
view.onChannel("stats", async (stats) => {
  for await (const s of stats) pageStats = s;
});

// The end: the window closed, or the time is up.
let stop = false;
const end = new Promise<string>((resolve) => {
  win.closed.then(() => resolve("window closed"));
  if (seconds) setTimeout(() => resolve("time is up"), seconds * 1000);
});
end.then(() => (stop = true));

const feed = view.channel("feed");
const line = (seq: number, n: number) => `${String(seq).padStart(6, "0")}.${String(n).padStart(4, "0")} the quick brown fox jumps over the lazy dog\n`;
const started = Date.now();
const progress = setInterval(() => {
  const mib = pageStats.bytes / 1048576;
  console.log(`stream: the page has ${mib.toFixed(1)} MiB (${pageStats.messages} messages); sends waited ${feed.waits} times`);
}, 1000);
let sent = 0;
try {
  for (let seq = 0; seq < count && !stop; seq++) {
    let text = "";
    for (let n = 0; text.length < CHUNK; n++) text += line(seq, n);
    await feed.send({ seq, count, text: text.slice(0, CHUNK) }); // waits while the page is behind
    sent++;
  }
} catch (error) {
  if (!stop) throw error; // otherwise the window was closed under us
}
const ms = Date.now() - started;
const mib = (sent * CHUNK) / 1048576;
console.log(`stream: sent ${mib.toFixed(1)} MiB in ${ms} ms (${(mib / (ms / 1000)).toFixed(1)} MiB/s); waited for the page ${feed.waits} times`);
await feed.close();
const why = await end;
clearInterval(progress);
await app.close();
console.log(`stream: ${why}; the page had ${(pageStats.bytes / 1048576).toFixed(1)} MiB in ${pageStats.messages} messages`);
