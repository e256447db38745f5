import cliProgress from 'cli-progress';
import { bytes } from './format.js';
import { type CliStream, line } from './io.js';

/** Progress of a transfer: a bar (objects, bytes, rate, ETA) on a terminal, plain lines otherwise. */
export interface Progress {
  update(objects: number, transferred: number): void;
  setTotal(total: number): void;
  /** Draws the final state and restores the cursor. Idempotent: later calls do nothing. */
  stop(): void;
}

export function createProgress(stream: CliStream, label: string, total: number, now: () => number = () => performance.now()): Progress {
  const started = now();
  let objects = 0;
  let transferred = 0;
  let lastLine = started;
  let max = total;
  let stopped = false;
  const rate = () => {
    const s = Math.max((now() - started) / 1000, 0.001);
    return { perSecond: objects / s, bytesPerSecond: transferred / s };
  };
  const eta = () => {
    const r = rate().perSecond;
    return r > 0 && max > objects ? `${Math.ceil((max - objects) / r)}s` : '0s';
  };
  if (stream.isTTY) {
    const bar = new cliProgress.SingleBar(
      {
        format: `${label} [{bar}] {value}/{total} objects | {bytes} | {rate} | ETA {eta_text}`,
        stream: stream as NodeJS.WritableStream,
        hideCursor: true,
        clearOnComplete: false,
      },
      cliProgress.Presets.shades_classic,
    );
    bar.start(Math.max(total, 1), 0, { bytes: bytes(0), rate: '0 obj/s', eta_text: '-' });
    const payload = () => ({ bytes: bytes(transferred), rate: `${rate().perSecond.toFixed(1)} obj/s, ${bytes(rate().bytesPerSecond)}/s`, eta_text: eta() });
    return {
      update(o, b) {
        objects = o;
        transferred = b;
        if (objects > max) bar.setTotal((max = objects));
        bar.update(objects, payload());
      },
      setTotal(t) {
        max = Math.max(t, objects, 1);
        bar.setTotal(max);
      },
      stop() {
        if (stopped) return;
        stopped = true;
        bar.update(objects, payload());
        bar.stop();
      },
    };
  }
  const print = () => {
    const r = rate();
    line(stream, `${label}: ${objects}/${Math.max(max, objects)} objects, ${bytes(transferred)}, ${r.perSecond.toFixed(1)} obj/s, ${bytes(r.bytesPerSecond)}/s, ETA ${eta()}`);
  };
  return {
    update(o, b) {
      objects = o;
      transferred = b;
      if (now() - lastLine >= 1000) {
        lastLine = now();
        print();
      }
    },
    setTotal(t) {
      max = t;
    },
    stop() {
      if (stopped) return;
      stopped = true;
      print();
    },
  };
}
