// The page the tests load: it answers what the tests ask through window.host.
export const PAGE = `<!doctype html><html><head><title>fixture</title></head><body><script>
host.on("echo", (d) => host.send("echoed", d));
host.on("bytes", (b) => host.send("bytes-info", {
  isBytes: b instanceof Uint8Array, length: b.length, sum: Array.from(b).reduce((a, x) => a + x, 0) }));
host.on("send-bytes", (n) => host.send("page-bytes", new Uint8Array(n).map((_, i) => i % 251)));
host.handle("mul", (a, b) => a * b);
host.handle("fail", (m) => { throw new Error(m); });
host.handle("slow", (ms) => new Promise((r) => setTimeout(() => r("late"), ms)));
host.handle("args", (...args) => args);
host.on("call", async ({ name, args }) => {
  try { host.send("called", { ok: true, value: await host.invoke(name, ...args) }); }
  catch (e) { host.send("called", { ok: false, error: e.message }); }
});
host.on("call-with-timeout", async ({ name, timeout }) => {
  try { host.send("called", { ok: true, value: await host.invokeWith({ timeout }, name) }); }
  catch (e) { host.send("called", { ok: false, error: e.message }); }
});
host.onChannel("echo-channel", (ch) => ch.on("message", (m) => ch.send(m)));
host.onChannel("sink", (ch) => {
  let count = 0, bytes = 0, ordered = true, last = -1;
  ch.on("message", (m) => {
    // The first message holds the page up for 1.5 s, so the program's sends pile up.
    if (count === 0) { const until = Date.now() + 1500; while (Date.now() < until); }
    count++; bytes += m.pad.length; if (m.i !== last + 1) ordered = false; last = m.i;
  });
  ch.on("close", (reason) => host.send("sink-closed", { count, bytes, ordered, reason }));
});
host.on("open-channel", async ({ name, count, size }) => {
  const ch = host.channel(name);
  for (let i = 0; i < count; i++) await ch.send({ i, pad: "x".repeat(size) });
  if (count >= 0) ch.close();
});
host.on("state-set", ({ key, value }) => { host.state[key] = value; });
host.on("state-get", (key) => host.send("state-value", { key, value: host.state[key] === undefined ? "<undefined>" : host.state[key] }));
host.watchState("theme", (value, old) => host.send("theme-changed", { value, old: old === undefined ? "<undefined>" : old }));
host.on("burst", (n) => { for (let i = 0; i < n; i++) host.send("burst-item", i); });
let count = 0, last = -1, ordered = true;
host.on("count", (i) => { count++; if (i !== last + 1) ordered = false; last = i; });
host.on("count-report", () => { host.send("count-result", { count, ordered }); count = 0; last = -1; ordered = true; });
host.send("ready", location.href);
</script></body></html>`;
