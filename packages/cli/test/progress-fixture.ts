import { createProgress } from '../src/progress.js';

/** Drives the TTY progress bar against a fake terminal stream and returns what it drew. */
export function createProgressForTest(): string {
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
  };
  let t = 0;
  const progress = createProgress(stream, 'replicate lb', 4, () => (t += 100));
  for (let i = 1; i <= 3; i++) progress.update(i, i * 1024);
  progress.stop();
  return text;
}
