import { spawn } from 'node:child_process';
import { StackError, outputTail } from './errors';

export interface RunOptions {
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  uid?: number;
  gid?: number;
  /**
   * Output that means the command's work is done: it is then stopped rather than waited for
   * (for commands that linger on idle timers after their work).
   */
  doneWhen?: RegExp;
}

/** Runs a one-shot command to completion; returns its output, or throws it in a StackError. */
export function runCommand(what: string, command: string, args: string[], options: RunOptions = {}): Promise<string> {
  return new Promise((resolve, reject) => {
    const { doneWhen, ...spawnOptions } = options;
    const child = spawn(command, args, { ...spawnOptions, env: options.env ?? process.env, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    let done = false;
    const collect = (chunk: Buffer) => {
      output += chunk.toString();
      if (doneWhen && !done && doneWhen.test(output)) {
        done = true;
        child.kill('SIGTERM');
      }
    };
    child.stdout.on('data', collect);
    child.stderr.on('data', collect);
    child.once('error', (err) => reject(new StackError(`${what} could not run ${command}: ${err.message}`)));
    child.once('close', (code, signal) => {
      if (code === 0 || done) return resolve(output);
      const how = signal ? `was killed by ${signal}` : `exited with code ${code}`;
      const lines = output.trimEnd().split('\n').slice(-30);
      reject(new StackError(`${what} failed: ${command} ${how}:\n${outputTail(lines)}`));
    });
  });
}
