import type { Backend, BackendSink } from "../backend.ts";
export declare function createNodeBackend(sink: BackendSink, options: {
    optionsJson: string | null;
    path: string;
}): Promise<Backend>;
