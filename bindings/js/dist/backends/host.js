/**
 * The host backend: spawns `transom-host` and speaks docs/protocol.md over its stdin/stdout, in
 * Bun, Deno and Node alike (node:child_process). It supervises the host: when it dies without
 * being asked to, every pending command is rejected at once with TRANSOM_ERROR_HOST_CRASHED, the
 * core is told (host-crashed), and a new host is started after 1 s, 2 s, 4 s (at most three
 * restarts in a row; a host that ran `healthyAfter` ms resets the count).
 */
import { spawn } from "node:child_process";
import { Buffer } from "node:buffer";
import { setImmediate } from "node:timers";
import { TransomError, messageOf } from "../errors.js";
import { LineSplitter } from "../lines.js";
import { runtimeName } from "../runtime.js";
/** How long a new host may take to say hello and answer its first command. */
const START_TIMEOUT_MS = 20_000;
/** How long `shutdown` waits for the host to exit before killing it. */
const EXIT_TIMEOUT_MS = 15_000;
/** One running transom-host process and its line protocol. */
class HostProcess {
    sink;
    child;
    pid;
    startedAt = Date.now();
    hello = null;
    helloSeen = false;
    pending = [];
    nextReq = 1;
    exited = false;
    /** Resolves with the exit status once the process has exited and its output is read. */
    ended;
    constructor(path, args, sink) {
        this.sink = sink;
        this.child = spawn(path, args, { stdio: ["pipe", "pipe", "inherit"] });
        this.pid = this.child.pid ?? 0;
        let endResolve;
        this.ended = new Promise((resolve) => (endResolve = resolve));
        const stdout = this.child.stdout;
        stdout.on("data", (chunk) => this.read(chunk));
        // Writes to a host that just died fail with EPIPE; its exit is handled below.
        this.child.stdin.on("error", () => { });
        let status = null;
        let outputDone = false;
        const finish = () => {
            if (!status || !outputDone || this.exited)
                return;
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
    async start() {
        const timer = setTimeout(() => {
            this.hello?.reject(new TransomError("TRANSOM_ERROR_TIMEOUT", `transom-host did not start within ${START_TIMEOUT_MS} ms`));
            this.kill();
        }, START_TIMEOUT_MS);
        try {
            await new Promise((resolve, reject) => {
                this.hello = { resolve, reject };
                if (this.exited)
                    reject(new TransomError("TRANSOM_ERROR_NOT_AVAILABLE", "transom-host exited before it said hello"));
            });
            // The app starts after the hello line; a failure to start (no display) is an error reply
            // without `req` followed by exit. A probe command tells which it is.
            const probe = await this.run('{"cmd":"state.get","key":"transom.probe"}').then((reply) => ({ reply, error: null }), (error) => ({ reply: null, error }));
            if (probe.error && probe.error.code !== "TRANSOM_ERROR_NOT_FOUND")
                throw probe.error;
        }
        catch (error) {
            this.kill();
            throw error;
        }
        finally {
            clearTimeout(timer);
            this.hello = null;
        }
    }
    /** Lines are not handed on while the continuations of a reply just given run. */
    paused = false;
    /** Complete lines not handed on yet (from `head` on). */
    lines = [];
    head = 0;
    splitter = new LineSplitter();
    read(chunk) {
        this.splitter.push(chunk, this.lines);
        if (!this.paused)
            this.drain();
    }
    /**
     * Handles the complete lines read so far. An event line right behind a reply waits for the next
     * turn of the event loop, so that code awaiting the reply runs first (as in-process, where
     * events always come later): `await view.send(...)` then `view.next(...)` misses nothing.
     * Replies one after another are handed on at once (pipelined commands cost no extra turns).
     */
    drain() {
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
    line(line) {
        if (!this.helloSeen) {
            this.helloSeen = true;
            let hello;
            try {
                hello = JSON.parse(line);
            }
            catch {
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
            if (this.pending.length === 0)
                this.reref();
            if (waiting) {
                try {
                    waiting.onReply?.(line);
                }
                catch (error) {
                    console.error("transom: reply handler failed:", error);
                }
                waiting.resolve(line);
            }
            return true;
        }
        if (line.startsWith('{"type":"error"') && !line.startsWith('{"type":"error","id":')) {
            let code = "TRANSOM_ERROR_PROTOCOL";
            let message = line;
            try {
                const reply = JSON.parse(line);
                code = reply.code;
                message = reply.message;
            }
            catch {
                // keep the line as the message
            }
            const error = new TransomError(code, message);
            const waiting = this.pending.shift();
            if (this.pending.length === 0)
                this.reref();
            if (waiting)
                waiting.reject(error);
            else
                this.hello?.reject(error);
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
    run(command, onReply) {
        if (this.exited)
            return Promise.reject(new TransomError("TRANSOM_ERROR_HOST_CRASHED", "transom-host is not running"));
        return new Promise((resolve, reject) => {
            this.pending.push({ onReply, resolve, reject });
            if (this.pending.length === 1)
                this.reref();
            this.write('{"req":' + this.nextReq++ + "," + command.slice(1) + "\n");
        });
    }
    /** Commands given in one turn of the event loop, written together at its end (one write). */
    outgoing = [];
    flushing = false;
    /**
     * Queues a line for the host. Commands never wait for the replies of those before them: the
     * host answers in order, so replies are matched by position.
     */
    write(line) {
        this.outgoing.push(line);
        if (!this.flushing) {
            this.flushing = true;
            queueMicrotask(() => this.flush());
        }
    }
    flush() {
        this.flushing = false;
        const out = this.outgoing;
        if (out.length === 0)
            return;
        this.outgoing = [];
        this.child.stdin.write(out.length === 1 ? out[0] : out.join(""));
    }
    failAll(code, message) {
        for (const waiting of this.pending.splice(0))
            waiting.reject(new TransomError(code, message));
    }
    /** Whether the app wants the runtime kept alive; it also is while replies are awaited. */
    wanted = false;
    /** A spawned child starts referenced. (Bun counts ref() calls: never ref twice.) */
    referenced = true;
    keepAlive(on) {
        this.wanted = on;
        this.reref();
    }
    reref() {
        const on = this.wanted || this.pending.length > 0;
        if (on === this.referenced)
            return;
        this.referenced = on;
        const streams = [this.child, this.child.stdout, this.child.stdin];
        for (const s of streams) {
            try {
                if (on)
                    s?.ref?.();
                else
                    s?.unref?.();
            }
            catch {
                // a runtime without ref/unref on this object
            }
        }
    }
    /** Closes stdin: the host shuts its app down and exits. */
    endInput() {
        this.flush();
        try {
            this.child.stdin.end();
        }
        catch {
            // already closed
        }
    }
    kill() {
        try {
            this.child.kill("SIGKILL");
        }
        catch {
            // already gone
        }
    }
    get isRunning() {
        return !this.exited;
    }
}
export class HostBackend {
    sink;
    options;
    mode = "host";
    runtime = runtimeName();
    current = null;
    crashes = 0;
    stopping = false;
    gaveUp = false;
    alive = false;
    restartTimer = null;
    constructor(sink, options) {
        this.sink = sink;
        this.options = options;
    }
    static async create(sink, options) {
        const backend = new HostBackend(sink, options);
        backend.current = await backend.launch();
        return backend;
    }
    get version() {
        return this.current?.version ?? "";
    }
    get pid() {
        return this.current?.pid;
    }
    async launch() {
        const args = this.options.optionsJson ? ["--options", this.options.optionsJson] : [];
        const host = new HostProcess(this.options.path, args, this.sink);
        await host.start();
        host.keepAlive(this.alive);
        host.ended.then((status) => this.ended(host, status));
        return host;
    }
    ended(host, status) {
        if (host !== this.current || this.stopping)
            return;
        this.current = null;
        if (Date.now() - host.startedAt >= this.options.healthyAfter)
            this.crashes = 0;
        this.crashed(status);
    }
    crashed(status) {
        this.crashes += 1;
        const delay = this.options.delays[this.crashes - 1];
        const restartIn = delay === undefined ? null : delay;
        if (restartIn === null)
            this.gaveUp = true;
        this.sink.crashed({ ...status, crashes: this.crashes, restartIn });
        if (restartIn === null || this.stopping)
            return;
        this.restartTimer = setTimeout(() => {
            this.restartTimer = null;
            if (this.stopping)
                return;
            this.launch().then((host) => {
                if (this.stopping) {
                    host.endInput();
                    return;
                }
                this.current = host;
                this.sink.restarted({ restarts: this.crashes, pid: host.pid });
            }, () => this.crashed({ exitCode: null, signal: null }));
        }, restartIn);
    }
    run(command, onReply) {
        if (this.current)
            return this.current.run(command, onReply);
        const why = this.stopping ? "the app was shut down" : this.gaveUp ? "transom-host crashed too often; the app gave up" : "transom-host crashed and is restarting";
        return Promise.reject(new TransomError(this.stopping ? "TRANSOM_ERROR_CLOSED" : "TRANSOM_ERROR_HOST_CRASHED", why));
    }
    async postBytes(webview, channel, bytes) {
        await this.run('{"cmd":"post","webview":' + webview + ',"channel":' + JSON.stringify(channel) + ',"base64":"' + base64(bytes) + '"}');
    }
    async channelSendBytes(channel, bytes) {
        await this.run('{"cmd":"channel.send","channel":' + channel + ',"base64":"' + base64(bytes) + '"}');
    }
    keepAlive(on) {
        this.alive = on;
        this.current?.keepAlive(on);
    }
    async shutdown() {
        if (this.stopping)
            return;
        this.stopping = true;
        if (this.restartTimer)
            clearTimeout(this.restartTimer);
        const host = this.current;
        if (!host)
            return;
        host.keepAlive(true);
        await host.run('{"cmd":"shutdown"}').catch(() => { });
        host.endInput();
        let timer;
        await Promise.race([
            host.ended,
            new Promise((resolve) => {
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
    killHost(signal = "SIGKILL") {
        this.current?.child.kill(signal);
    }
}
/** The host writes `type` first: replies are `ok` lines and `error` lines without `id`. */
function isReply(line) {
    return line.startsWith('{"type":"ok"') || (line.startsWith('{"type":"error"') && !line.startsWith('{"type":"error","id":'));
}
function base64(bytes) {
    return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString("base64");
}
