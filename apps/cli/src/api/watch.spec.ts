import { fakeIo, sequence } from '../testing/fake-io';
import { modelView, searchView } from '../testing/documents';
import { ProgressLine, waitForModel, watchSearch } from './watch';

const running = (done: number) =>
  searchView({ status: 'running', progress: { done, total: 4, phase: 'records' } });

describe('ProgressLine', () => {
  it('redraws one line on a terminal and ends it once', () => {
    const io = fakeIo({}, { tty: true });
    const line = new ProgressLine(io);
    line.update('a', 'x');
    line.update('b', 'x');
    line.finish();
    line.finish();
    expect(io.raw).toEqual(['\ra\x1b[K', '\rb\x1b[K', '\n']);
    expect(io.stderr).toEqual([]);
  });

  it('prints plain lines on change, and on the heartbeat when nothing changes', async () => {
    const io = fakeIo({}, { heartbeatMs: 5000 });
    const line = new ProgressLine(io);
    line.update('a 0:00', 'a');
    await io.sleep(1000);
    line.update('a 0:01', 'a');
    line.update('b 0:01', 'b');
    await io.sleep(5000);
    line.update('b 0:06', 'b');
    line.finish();
    expect(io.stderr).toEqual(['a 0:00', 'b 0:01', 'b 0:06']);
    expect(io.raw).toEqual([]);
  });
});

describe('watchSearch', () => {
  it('polls until the search ends and returns its last view', async () => {
    const search = jest
      .fn()
      .mockImplementation(
        sequence(running(1), running(1), running(4), searchView({ status: 'completed' })),
      );
    const io = fakeIo({ search });
    const ended = await watchSearch({ search } as never, 's-1', io, searchView());
    expect(ended.status).toBe('completed');
    expect(search).toHaveBeenCalledTimes(4);
    // Plain lines, one per change (the repeated 1/4 is not printed again).
    expect(io.stderr).toEqual([
      'search s-1  queued · records 0/4 (0%)  0:00',
      'search s-1  running · records 1/4 (25%)  0:01',
      'search s-1  running · records 4/4 (100%)  0:03',
      'search s-1  completed · records 0/4 (0%)  0:04',
    ]);
  });

  it('draws a bar on a terminal and ends the line even when a poll fails', async () => {
    const search = jest
      .fn()
      .mockResolvedValueOnce(running(2))
      .mockRejectedValueOnce(new Error('gone'));
    const io = fakeIo({ search }, { tty: true });
    await expect(watchSearch({ search } as never, 's-1', io)).rejects.toThrow('gone');
    expect(io.raw[0]).toMatch(/^\rsearch s-1 {2}\[█{12}░{12}\] {2}running · records 2\/4/);
    expect(io.raw[io.raw.length - 1]).toBe('\n');
  });
});

describe('waitForModel', () => {
  it('waits while the status is pending, without printing for a model already there', async () => {
    const model = jest
      .fn()
      .mockImplementation(sequence(modelView(), modelView({ status: 'ready' })));
    const io = fakeIo({ model });
    const ready = await waitForModel({ model } as never, 'cnn-tiny', io, (s) => s === 'profiling');
    expect(ready.status).toBe('ready');
    expect(io.stderr).toEqual(['model cnn-tiny: profiling  0:00']);

    const quiet = fakeIo({ model });
    await waitForModel({ model } as never, 'cnn-tiny', quiet, (s) => s === 'profiling');
    expect(quiet.stderr).toEqual([]);
  });
});
