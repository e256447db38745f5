import { createProgress } from '../src/progress.js';

/** A fake terminal: what cli-progress needs of a TTY stream; `text` is what was drawn. */
export function fakeTerminal() {
  let text = '';
  const stream = {
    isTTY: true,
    columns: 200,
    write(chunk: string) {
      text += chunk;
      return true;
    },
    cursorTo() {
      return true;
    },
    clearLine() {
      return true;
    },
    moveCursor() {
      return true;
    },
    on() {
      return stream;
    },
    removeListener() {
      return stream;
    },
    get text() {
      return text;
    },
  };
  return stream;
}

/** Drives the TTY progress bar against a fake terminal and returns what it drew. */
export function createProgressForTest(): string {
  const stream = fakeTerminal();
  let t = 0;
  const progress = createProgress(stream, 'replicate lb', 4, () => (t += 100));
  for (let i = 1; i <= 3; i++) progress.update(i, i * 1024);
  progress.stop();
  return stream.text;
}
