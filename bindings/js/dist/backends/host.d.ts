import type { Backend, BackendSink } from "../backend.ts";
export interface HostOptions {
    optionsJson: string | null;
    path: string;
    delays: number[];
    healthyAfter: number;
}
export declare class HostBackend implements Backend {
    private readonly sink;
    private readonly options;
    readonly mode: "host";
    readonly runtime: import("../runtime.ts").RuntimeName;
    private current;
    private crashes;
    private stopping;
    private gaveUp;
    private alive;
    private restartTimer;
    private constructor();
    static create(sink: BackendSink, options: HostOptions): Promise<HostBackend>;
    get version(): string;
    get pid(): number | undefined;
    private launch;
    private ended;
    private crashed;
    run(command: string, onReply?: (reply: string) => void): Promise<string>;
    postBytes(webview: number, channel: string, bytes: Uint8Array): Promise<void>;
    channelSendBytes(channel: number, bytes: Uint8Array): Promise<void>;
    keepAlive(on: boolean): void;
    shutdown(): Promise<void>;
    /** For tests and supervision tools: ends the running host as a crash would. */
    killHost(signal?: string): void;
}
