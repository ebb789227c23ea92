/**
 * A failure the person running the stack can act on (a port taken, a binary missing, a server
 * that would not start): it is printed as its message alone, never with a stack trace.
 */
export class StackError extends Error {
  override name = 'StackError';
}

/** The last lines a process printed, indented, to put under a StackError. */
export function outputTail(lines: readonly string[]): string {
  return lines.length === 0 ? '  (it printed nothing)' : lines.map((l) => `  | ${l}`).join('\n');
}
