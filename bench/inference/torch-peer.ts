// The PyTorch peer as a long-lived child process (bench/inference/peer_torch.py, Debian's
// /usr/bin/python3): the bench sends one command at a time and waits for its answer, so it can
// wait for quiet and measure other processes' CPU around every pass, as it does for the limit
// and the farm. Starting Python and importing torch once (seconds) keeps that out of the passes.
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import type { ResolvedPreprocess } from '@tinysaver/cascade';
import type { BenchModel } from './bench-models';

export const PEER_SCRIPT = join(__dirname, 'peer_torch.py');
export const PYTHON = '/usr/bin/python3';

export interface PeerVersions {
  readonly python: string;
  readonly torch: string;
  readonly torchvision: string;
  readonly pil: string;
  readonly numpy: string;
  readonly threads: number;
  readonly interopThreads: number;
  readonly mkldnn: boolean;
  readonly blas: string;
  readonly pid: number;
}

export interface PeerPass {
  readonly images: number;
  /** Shard file opened → predictions saved. */
  readonly ms: number;
  /** Inside model(x) and softmax, summed over batches. */
  readonly inferMs: number;
  /** Python's process CPU plus its reaped DataLoader workers'. */
  readonly cpuMs: number;
  /** Of cpuMs, the DataLoader workers' (num_workers > 0). */
  readonly childCpuMs: number;
}

export interface PeerTensors {
  readonly count: number;
  readonly tensors: string;
  readonly probs: string;
  readonly classes: number;
}

export class TorchPeer {
  private constructor(
    private readonly child: ChildProcess,
    private readonly answers: AsyncIterator<string>,
    readonly versions: PeerVersions,
    readonly stderr: string[],
  ) {}

  get pid(): number {
    return this.child.pid!;
  }

  static async start(): Promise<TorchPeer> {
    const child = spawn(PYTHON, [PEER_SCRIPT], { stdio: ['pipe', 'pipe', 'pipe'] });
    const stderr: string[] = [];
    child.stderr.on('data', (chunk: Buffer) => stderr.push(chunk.toString()));
    const answers = createInterface({ input: child.stdout })[Symbol.asyncIterator]();
    const first = await answers.next();
    if (first.done)
      throw new Error(
        `${PEER_SCRIPT} exited at start (python3-torch installed?):\n${stderr.join('')}`,
      );
    const ready = JSON.parse(first.value) as { ready: PeerVersions };
    return new TorchPeer(child, answers, ready.ready, stderr);
  }

  private async call<T>(command: Record<string, unknown>): Promise<T> {
    this.child.stdin!.write(`${JSON.stringify(command)}\n`);
    const line = await this.answers.next();
    if (line.done)
      throw new Error(`the PyTorch peer exited:\n${this.stderr.join('').slice(-3000)}`);
    const answer = JSON.parse(line.value) as { ok?: T; error?: string };
    if (answer.error !== undefined)
      throw new Error(`the PyTorch peer failed on ${String(command.op)}: ${answer.error}`);
    return answer.ok!;
  }

  /** Builds the model (same weights as its ONNX file) and points the peer at the shard file. */
  load(model: BenchModel, shardFile: string): Promise<{ loadMs: number }> {
    const p: ResolvedPreprocess = model.preprocess;
    return this.call({
      op: 'load',
      kind: model.peerKind,
      name: model.name,
      onnx: model.path,
      shard: shardFile,
      preprocess: {
        inputSize: p.inputSize,
        cropPct: p.cropPct,
        interpolation: p.interpolation,
        mean: p.mean,
        std: p.std,
        channels: p.channels,
      },
    });
  }

  /** One forward of a zero batch of `batch` images: oneDNN picks its kernels per shape. */
  warm(batch: number): Promise<{ ms: number }> {
    return this.call({ op: 'warm', batch });
  }

  pass(images: number, batch: number, workers: number): Promise<PeerPass> {
    return this.call({ op: 'run', images, batch, workers });
  }

  tensors(count: number): Promise<PeerTensors> {
    return this.call({ op: 'tensors', count });
  }

  async stop(): Promise<void> {
    if (this.child.exitCode !== null) return;
    const exited = new Promise((resolve) => this.child.once('exit', resolve));
    this.child.stdin!.end(`${JSON.stringify({ op: 'exit' })}\n`);
    await Promise.race([exited, new Promise((r) => setTimeout(r, 5_000))]);
    if (this.child.exitCode === null) this.child.kill('SIGKILL');
  }
}
