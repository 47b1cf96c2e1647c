// Types of what TypeScript code (the benches, the tests) imports from the launcher's plain JavaScript.
export declare const projectRoot: string;
export declare const RUNTIME_ENV: Readonly<{ MALLOC_MMAP_THRESHOLD_: string }>;
export declare const RUNTIME_NODE_OPTIONS: readonly string[];
export declare function runtimeEnv(env?: NodeJS.ProcessEnv): NodeJS.ProcessEnv;
export declare function typeScriptFlags(version: string): string[] | null;
export declare function resolveRuntime(): string[];
export declare const FORWARDED_SIGNALS: readonly NodeJS.Signals[];
export declare function runUnderSuitableNode(script: string, args: readonly string[]): void;
