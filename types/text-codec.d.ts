// The pure library compiles against the ES lib only (no Node or DOM types), so it cannot touch
// I/O by accident. Every runtime it targets (Node >= 20, browsers) has these two classes.
declare class TextEncoder {
  encode(input?: string): Uint8Array;
}
declare class TextDecoder {
  constructor(label?: string, options?: { fatal?: boolean });
  decode(input?: Uint8Array): string;
}
