import { runCli } from './run';

void runCli(process.argv.slice(2), process.env, { stdout: process.stdout, stderr: process.stderr }).then((code) => {
  process.exitCode = code;
});
