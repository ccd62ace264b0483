// Typed access to a node's attributes with ONNX defaults.
import type { OnnxAttribute, OnnxNode, OnnxTensor } from './onnx-model';

const utf8 = new TextDecoder('utf-8');

export class Attributes {
  private readonly byName: Map<string, OnnxAttribute>;

  constructor(node: OnnxNode) {
    this.byName = new Map(node.attributes.map((a) => [a.name, a]));
  }

  has(name: string): boolean {
    return this.byName.has(name);
  }

  int(name: string, fallback: number): number {
    return this.byName.get(name)?.i ?? fallback;
  }

  float(name: string, fallback: number): number {
    return this.byName.get(name)?.f ?? fallback;
  }

  /** `undefined` when absent, so callers can tell "not given" from "empty". */
  ints(name: string): number[] | undefined {
    return this.byName.get(name)?.ints;
  }

  floats(name: string): number[] | undefined {
    return this.byName.get(name)?.floats;
  }

  string(name: string, fallback: string): string {
    const s = this.byName.get(name)?.s;
    return s ? utf8.decode(s) : fallback;
  }

  tensor(name: string): OnnxTensor | undefined {
    return this.byName.get(name)?.t;
  }
}
