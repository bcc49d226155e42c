/**
 * The host backend: spawns `transom-host` and speaks docs/protocol.md over its stdin/stdout, in
 * Bun, Deno and Node alike (node:child_process). It supervises the host: when it dies without
 * being asked to, every pending command is rejected at once with TRANSOM_ERROR_HOST_CRASHED, the
 * core is told (host-crashed), and a new host is started after 1 s, 2 s, 4 s (at most three
 * restarts in a row; a host that ran `healthyAfter` ms resets the count).
 */
import { spawn, type ChildProcess } from "node:child_process";
import { Buffer } from "node:buffer";
import { setImmediate } from "node:timers";

import type { Backend, BackendSink } from "../backend.ts";
import { TransomError, messageOf, type TransomErrorCode } from "../errors.ts";
import { LineSplitter } from "../lines.ts";
import { runtimeName } from "../runtime.ts";

export interface HostOptions {
  optionsJson: string | null;
  path: string;
  delays: number[];
  healthyAfter: number;
}

interface Pending {
  onReply?: (reply: string) => void;
  resolve(reply: string): void;
  reject(error: TransomError): void;
}

/** How long a new host may take to say hello and answer its first command. */
const START_TIMEOUT_MS = 20_000;
/** How long `shutdown` waits for the host to exit before killing it. */
const EXIT_TIMEOUT_MS = 15_000;

/** One running transom-host process and its line protocol. */
class HostProcess {
  readonly child: ChildProcess;
  readonly pid: number;
  readonly startedAt = Date.now();
  private hello: { resolve(): void; reject(e: TransomError): void } | null = null;
  private helloSeen = false;
  private readonly pending: Pending[] = [];
  private nextReq = 1;
  private exited = false;
  /** Resolves with the exit status once the process has exited and its output is read. */
  readonly ended: Promise<{ exitCode: number | null; signal: string | null }>;

  constructor(path: string, args: string[], private readonly sink: BackendSink) {
    this.child = spawn(path, args, { stdio: ["pipe", "pipe", "inherit"] });
    this.pid = this.child.pid ?? 0;
    let endResolve!: (v: { exitCode: number | null; signal: string | null }) => void;
    this.ended = new Promise((resolve) => (endResolve = resolve));
    const stdout = this.child.stdout!;
    stdout.on("data", (chunk: Uint8Array) => this.read(chunk));
    // Writes to a host that just died fail with EPIPE; its exit is handled below.
    this.child.stdin!.on("error", () => {});
    let status: { exitCode: number | null; signal: string | null } | null = null;
    let outputDone = false;
    const finish = (): void => {
      if (!status || !outputDone || this.exited) return;
      if (this.paused) {
        setImmediate(finish);
        return;
      }
      this.exited = true;
      this.failAll("TRANSOM_ERROR_HOST_CRASHED", "transom-host exited");
      endResolve(status);
    };
    stdout.on("end", () => {
      outputDone = true;
      finish();
    });
    stdout.on("error", () => {
      outputDone = true;
      finish();
    });
    this.child.on("exit", (code, signal) => {
      status = { exitCode: code, signal: signal ?? null };
      // Some runtimes do not end stdout when the child dies abruptly: do not wait long for it.
      setTimeout(() => {
        outputDone = true;
        finish();
      }, 200).unref?.();
      finish();
    });
    this.child.on("error", (error) => {
      status = { exitCode: null, signal: null };
      outputDone = true;
      this.hello?.reject(new TransomError("TRANSOM_ERROR_NOT_AVAILABLE", `cannot run transom-host (${path}): ${messageOf(error)}`));
      finish();
    });
  }

  /** Waits for the hello line, then checks with a first command that the app started. */
  async start(): Promise<void> {
    const timer = setTimeout(() => {
      this.hello?.reject(new TransomError("TRANSOM_ERROR_TIMEOUT", `transom-host did not start within ${START_TIMEOUT_MS} ms`));
      this.kill();
    }, START_TIMEOUT_MS);
    try {
      await new Promise<void>((resolve, reject) => {
        this.hello = { resolve, reject };
        if (this.exited) reject(new TransomError("TRANSOM_ERROR_NOT_AVAILABLE", "transom-host exited before it said hello"));
      });
      // The app starts after the hello line; a failure to start (no display) is an error reply
      // without `req` followed by exit. A probe command tells which it is.
      const probe = await this.run('{"cmd":"state.get","key":"transom.probe"}').then(
        (reply) => ({ reply, error: null as TransomError | null }),
        (error: TransomError) => ({ reply: null, error }),
      );
      if (probe.error && probe.error.code !== "TRANSOM_ERROR_NOT_FOUND") throw probe.error;
    } catch (error) {
      this.kill();
      throw error;
    } finally {
      clearTimeout(timer);
      this.hello = null;
    }
  }

  /** Lines are not handed on while the continuations of a reply just given run. */
  private paused = false;
  /** Complete lines not handed on yet (from `head` on). */
  private lines: string[] = [];
  private head = 0;
  private readonly splitter = new LineSplitter();

  private read(chunk: Uint8Array): void {
    this.splitter.push(chunk, this.lines);
    if (!this.paused) this.drain();
  }

  /**
   * Handles the complete lines read so far. An event line right behind a reply waits for the next
   * turn of the event loop, so that code awaiting the reply runs first (as in-process, where
   * events always come later): `await view.send(...)` then `view.next(...)` misses nothing.
   * Replies one after another are handed on at once (pipelined commands cost no extra turns).
   */
  private drain(): void {
    const lines = this.lines;
    while (this.head < lines.length) {
      const line = lines[this.head++];
      // After the hello line, whatever follows (the reply to start()'s probe, or a failed start's
      // error line without `req`) waits until start() has sent its probe.
      const hello = !this.helloSeen;
      if (line.length > 0 && this.line(line) && this.head < lines.length && (hello || !isReply(lines[this.head]))) {
        this.paused = true;
        if (this.head > 1024 && this.head * 2 > lines.length) {
          this.lines = lines.slice(this.head);
          this.head = 0;
        }
        setImmediate(() => {
          this.paused = false;
          this.drain();
        });
        return;
      }
    }
    this.lines = [];
    this.head = 0;
  }

  /** Handles one line; true when it was a reply. */
  private line(line: string): boolean {
    if (!this.helloSeen) {
      this.helloSeen = true;
      let hello: any;
      try {
        hello = JSON.parse(line);
      } catch {
        hello = null;
      }
      if (!hello || hello.type !== "hello" || hello.protocol !== 1) {
        this.hello?.reject(new TransomError("TRANSOM_ERROR_PROTOCOL", `transom-host: expected a protocol 1 hello line, got ${line.slice(0, 200)}`));
        this.kill();
        return false;
      }
      this.version = String(hello.version);
      this.hello?.resolve();
      return true;
    }
    if (line.startsWith('{"type":"ok"')) {
      const waiting = this.pending.shift();
      if (this.pending.length === 0) this.reref();
      if (waiting) {
        try {
          waiting.onReply?.(line);
        } catch (error) {
          console.error("transom: reply handler failed:", error);
        }
        waiting.resolve(line);
      }
      return true;
    }
    if (line.startsWith('{"type":"error"') && !line.startsWith('{"type":"error","id":')) {
      let code: TransomErrorCode = "TRANSOM_ERROR_PROTOCOL";
      let message = line;
      try {
        const reply = JSON.parse(line);
        code = reply.code;
        message = reply.message;
      } catch {
        // keep the line as the message
      }
      const error = new TransomError(code, message);
      const waiting = this.pending.shift();
      if (this.pending.length === 0) this.reref();
      if (waiting) waiting.reject(error);
      else this.hello?.reject(error);
      return true;
    }
    const at = line.lastIndexOf(',"base64":"');
    if (at > 0 && line.endsWith('"}')) {
      const bytes = Buffer.from(line.slice(at + 11, -2), "base64");
      this.sink.event(line.slice(0, at) + "}", new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength));
      return false;
    }
    this.sink.event(line);
    return false;
  }

  version = "";

  run(command: string, onReply?: (reply: string) => void): Promise<string> {
    if (this.exited) return Promise.reject(new TransomError("TRANSOM_ERROR_HOST_CRASHED", "transom-host is not running"));
    return new Promise<string>((resolve, reject) => {
      this.pending.push({ onReply, resolve, reject });
      if (this.pending.length === 1) this.reref();
      this.write('{"req":' + this.nextReq++ + "," + command.slice(1) + "\n");
    });
  }

  /** Commands given in one turn of the event loop, written together at its end (one write). */
  private outgoing: string[] = [];
  private flushing = false;

  /**
   * Queues a line for the host. Commands never wait for the replies of those before them: the
   * host answers in order, so replies are matched by position.
   */
  private write(line: string): void {
    this.outgoing.push(line);
    if (!this.flushing) {
      this.flushing = true;
      queueMicrotask(() => this.flush());
    }
  }

  private flush(): void {
    this.flushing = false;
    const out = this.outgoing;
    if (out.length === 0) return;
    this.outgoing = [];
    this.child.stdin!.write(out.length === 1 ? out[0] : out.join(""));
  }

  failAll(code: TransomErrorCode, message: string): void {
    for (const waiting of this.pending.splice(0)) waiting.reject(new TransomError(code, message));
  }

  /** Whether the app wants the runtime kept alive; it also is while replies are awaited. */
  private wanted = false;
  /** A spawned child starts referenced. (Bun counts ref() calls: never ref twice.) */
  private referenced = true;

  keepAlive(on: boolean): void {
    this.wanted = on;
    this.reref();
  }

  private reref(): void {
    const on = this.wanted || this.pending.length > 0;
    if (on === this.referenced) return;
    this.referenced = on;
    const streams = [this.child, this.child.stdout, this.child.stdin] as any[];
    for (const s of streams) {
      try {
        if (on) s?.ref?.();
        else s?.unref?.();
      } catch {
        // a runtime without ref/unref on this object
      }
    }
  }

  /** Closes stdin: the host shuts its app down and exits. */
  endInput(): void {
    this.flush();
    try {
      this.child.stdin!.end();
    } catch {
      // already closed
    }
  }

  kill(): void {
    try {
      this.child.kill("SIGKILL");
    } catch {
      // already gone
    }
  }

  get isRunning(): boolean {
    return !this.exited;
  }
}

export class HostBackend implements Backend {
  readonly mode = "host" as const;
  readonly runtime = runtimeName();
  private current: HostProcess | null = null;
  private crashes = 0;
  private stopping = false;
  private gaveUp = false;
  private alive = false;
  private restartTimer: ReturnType<typeof setTimeout> | null = null;

  private constructor(private readonly sink: BackendSink, private readonly options: HostOptions) {}

  static async create(sink: BackendSink, options: HostOptions): Promise<HostBackend> {
    const backend = new HostBackend(sink, options);
    backend.current = await backend.launch();
    return backend;
  }

  get version(): string {
    return this.current?.version ?? "";
  }

  get pid(): number | undefined {
    return this.current?.pid;
  }

  private async launch(): Promise<HostProcess> {
    const args = this.options.optionsJson ? ["--options", this.options.optionsJson] : [];
    const host = new HostProcess(this.options.path, args, this.sink);
    await host.start();
    host.keepAlive(this.alive);
    host.ended.then((status) => this.ended(host, status));
    return host;
  }

  private ended(host: HostProcess, status: { exitCode: number | null; signal: string | null }): void {
    if (host !== this.current || this.stopping) return;
    this.current = null;
    if (Date.now() - host.startedAt >= this.options.healthyAfter) this.crashes = 0;
    this.crashed(status);
  }

  private crashed(status: { exitCode: number | null; signal: string | null }): void {
    this.crashes += 1;
    const delay = this.options.delays[this.crashes - 1];
    const restartIn = delay === undefined ? null : delay;
    if (restartIn === null) this.gaveUp = true;
    this.sink.crashed({ ...status, crashes: this.crashes, restartIn });
    if (restartIn === null || this.stopping) return;
    this.restartTimer = setTimeout(() => {
      this.restartTimer = null;
      if (this.stopping) return;
      this.launch().then(
        (host) => {
          if (this.stopping) {
            host.endInput();
            return;
          }
          this.current = host;
          this.sink.restarted({ restarts: this.crashes, pid: host.pid });
        },
        () => this.crashed({ exitCode: null, signal: null }),
      );
    }, restartIn);
  }

  run(command: string, onReply?: (reply: string) => void): Promise<string> {
    if (this.current) return this.current.run(command, onReply);
    const why = this.stopping ? "the app was shut down" : this.gaveUp ? "transom-host crashed too often; the app gave up" : "transom-host crashed and is restarting";
    return Promise.reject(new TransomError(this.stopping ? "TRANSOM_ERROR_CLOSED" : "TRANSOM_ERROR_HOST_CRASHED", why));
  }

  async postBytes(webview: number, channel: string, bytes: Uint8Array): Promise<void> {
    await this.run(
      '{"cmd":"post","webview":' + webview + ',"channel":' + JSON.stringify(channel) + ',"base64":"' + base64(bytes) + '"}',
    );
  }

  async channelSendBytes(channel: number, bytes: Uint8Array): Promise<void> {
    await this.run('{"cmd":"channel.send","channel":' + channel + ',"base64":"' + base64(bytes) + '"}');
  }

  keepAlive(on: boolean): void {
    this.alive = on;
    this.current?.keepAlive(on);
  }

  async shutdown(): Promise<void> {
    if (this.stopping) return;
    this.stopping = true;
    if (this.restartTimer) clearTimeout(this.restartTimer);
    const host = this.current;
    if (!host) return;
    host.keepAlive(true);
    await host.run('{"cmd":"shutdown"}').catch(() => {});
    host.endInput();
    let timer: ReturnType<typeof setTimeout> | undefined;
    await Promise.race([
      host.ended,
      new Promise<void>((resolve) => {
        timer = setTimeout(() => {
          host.kill();
          resolve();
        }, EXIT_TIMEOUT_MS);
      }),
    ]);
    clearTimeout(timer);
    this.current = null;
  }

  /** For tests and supervision tools: ends the running host as a crash would. */
  killHost(signal = "SIGKILL"): void {
    this.current?.child.kill(signal as any);
  }
}

/** The host writes `type` first: replies are `ok` lines and `error` lines without `id`. */
function isReply(line: string): boolean {
  return line.startsWith('{"type":"ok"') || (line.startsWith('{"type":"error"') && !line.startsWith('{"type":"error","id":'));
}

function base64(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString("base64");
}
