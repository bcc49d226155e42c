/**
 * Types of the transom package: options, events and the typed-IPC schema.
 */
export {};
