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

export interface ProgressOptions {
  /** Draw nothing (`--quiet`, `--json`). */
  quiet?: boolean;
  now?: () => number;
}

const BAR_MAX = 40;
const BAR_MIN = 10;

export interface ProgressFields {
  label: string;
  objects: number;
  /** 0: unknown (nothing to count against): no bar, no ETA. */
  total: number;
  transferred: number;
  perSecond: number;
  bytesPerSecond: number;
  eta: string;
}

/**
 * One progress line that fits `width` columns (cli-progress cuts a longer line at the
 * terminal's edge). What goes first when it is too wide: the bar (down to 10 cells,
 * then entirely), then the byte count, then the byte rate; the object counts, the
 * object rate and the ETA stay; the label is shortened last. No bar when the total is
 * unknown (0).
 */
export function fitLine(f: ProgressFields, width: number): string {
  const max = Math.max(width - 1, 20); // the last column: some terminals wrap when it is written
  const counts = f.total > 0 ? `${f.objects}/${f.total} objects` : `${f.objects} object${f.objects === 1 ? '' : 's'}`;
  const rate = `${f.perSecond.toFixed(1)} obj/s`;
  const byteRate = `${bytes(f.bytesPerSecond)}/s`;
  const eta = f.total > 0 ? `ETA ${f.eta}` : '';
  const variants: string[][] = [
    [counts, bytes(f.transferred), `${rate}, ${byteRate}`, eta],
    [counts, `${rate}, ${byteRate}`, eta],
    [counts, rate, eta],
  ].map((v) => v.filter(Boolean));
  const bar = (cells: number) => {
    const done = f.total > 0 ? Math.min(cells, Math.round((Math.min(f.objects, f.total) / f.total) * cells)) : 0;
    return `[${'█'.repeat(done)}${'░'.repeat(cells - done)}]`;
  };
  for (const parts of variants) {
    const rest = parts.join(' | ');
    if (f.total > 0) {
      const cells = Math.min(BAR_MAX, max - f.label.length - rest.length - 4);
      if (cells >= BAR_MIN) return `${f.label} ${bar(cells)} ${rest}`;
    }
    const plain = `${f.label}: ${rest}`;
    if (plain.length <= max) return plain;
  }
  const rest = variants.at(-1)!.join(' | ');
  const room = max - rest.length - 2;
  const label = room >= 4 ? (f.label.length > room ? `${f.label.slice(0, room - 1)}…` : f.label) : '';
  return (label ? `${label}: ${rest}` : rest).slice(0, max);
}

export function createProgress(stream: CliStream, label: string, total: number, options: ProgressOptions | (() => number) = {}): Progress {
  const opts = typeof options === 'function' ? { now: options } : options;
  const now = opts.now ?? (() => performance.now());
  if (opts.quiet) return { update() {}, setTotal() {}, stop() {} };
  const started = now();
  let objects = 0;
  let transferred = 0;
  let lastLine = started;
  let max = total;
  let stopped = false;
  const fields = (): ProgressFields => {
    const s = Math.max((now() - started) / 1000, 0.001);
    const perSecond = objects / s;
    return {
      label,
      objects,
      total: max,
      transferred,
      perSecond,
      bytesPerSecond: transferred / s,
      eta: perSecond > 0 && max > objects ? `${Math.ceil((max - objects) / perSecond)}s` : max > objects ? '-' : '0s',
    };
  };
  if (stream.isTTY) {
    const bar = new cliProgress.SingleBar(
      {
        // Drawn by fitLine: it fits the terminal's width at every redraw (a resize included).
        format: () => fitLine(fields(), stream.columns ?? 80),
        stream: stream as NodeJS.WritableStream,
        hideCursor: true,
        clearOnComplete: false,
      },
      cliProgress.Presets.shades_classic,
    );
    bar.start(Math.max(total, 1), 0);
    return {
      update(o, b) {
        objects = o;
        transferred = b;
        if (max > 0 && objects > max) max = objects;
        bar.update(Math.min(objects, Math.max(max, 1)));
      },
      setTotal(t) {
        max = Math.max(t, objects);
        bar.setTotal(Math.max(max, 1));
      },
      stop() {
        if (stopped) return;
        stopped = true;
        bar.update(Math.min(objects, Math.max(max, 1)));
        bar.stop();
      },
    };
  }
  const print = () => {
    const f = fields();
    line(
      stream,
      `${label}: ${f.total > 0 ? `${objects}/${Math.max(max, objects)}` : objects} objects, ${bytes(transferred)}, ${f.perSecond.toFixed(1)} obj/s, ${bytes(f.bytesPerSecond)}/s${f.total > 0 ? `, ETA ${f.eta}` : ''}`,
    );
  };
  return {
    update(o, b) {
      objects = o;
      transferred = b;
      if (max > 0 && objects > max) max = objects;
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
