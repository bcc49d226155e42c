import type { Backend, BackendSink } from "../backend.ts";
import type { RuntimeName } from "../runtime.ts";
export declare function createNodeBackend(sink: BackendSink, options: {
    optionsJson: string | null;
    path: string;
    runtime: RuntimeName;
}): Promise<Backend>;
