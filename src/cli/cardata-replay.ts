#!/usr/bin/env node
/**
 * `cardata-replay`: JSON lines of a recorded trace on stdin, the messages the nodes would send as JSON lines on
 * stdout, errors on stderr (DESIGN.md §6, docs/replay.md).
 *
 * Exit codes: 0 when the whole of stdin was read (bad lines are reported on stderr and skipped, they do not fail the
 * run); 1 when stdin could not be read or the state could not be written to the state dir; 2 for a bad command line
 * or a state dir holding a file replay cannot read (it is not overwritten).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { parseReplayArgs, REPLAY_USAGE, type ReplayArgs } from './replay-args';
import { Replay, ReplayStateError } from './replay';

function complain(message: string): void {
  process.stderr.write(`cardata-replay: ${message}\n`);
}

/** Resolves when stdout can take more, or has failed (its error handler has seen the failure then). */
function drained(): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      process.stdout.off('drain', done);
      process.stdout.off('error', done);
      resolve();
    };
    process.stdout.on('drain', done);
    process.stdout.on('error', done);
  });
}

async function run(args: ReplayArgs, stateDir: string): Promise<number> {
  let stdoutClosed = false;
  let mustDrain = false;
  const stdoutFailed = (err: NodeJS.ErrnoException) => {
    // The reader went away (`| head`): nothing more can be delivered, but the state is still saved.
    stdoutClosed = true;
    if (err.code !== 'EPIPE') complain(`cannot write stdout: ${err.message}`);
  };
  process.stdout.on('error', stdoutFailed);
  const replay = new Replay(
    { stateDir, vehicle: args.vehicle },
    {
      output: (line) => {
        if (stdoutClosed) return;
        try {
          if (!process.stdout.write(`${JSON.stringify(line)}\n`)) mustDrain = true;
        } catch (err) {
          stdoutFailed(err as NodeJS.ErrnoException);
        }
      },
      error: complain,
    },
  );

  let readFailed = false;
  const lines = createInterface({ input: process.stdin, crlfDelay: Infinity });
  process.stdin.on('error', (err) => {
    complain(`cannot read stdin: ${err.message}`);
    readFailed = true;
    lines.close();
  });
  try {
    for await (const line of lines) {
      replay.input(line);
      if (stdoutClosed) break;
      if (mustDrain) {
        mustDrain = false;
        await drained();
      }
    }
  } catch (err) {
    // replay.input reports its own failures per line; what reaches here is the reading itself.
    complain(`cannot read stdin: ${(err as Error).message}`);
    readFailed = true;
  }
  const saved = replay.end();
  return readFailed || !saved ? 1 : 0;
}

async function main(): Promise<void> {
  let args: ReplayArgs;
  try {
    args = parseReplayArgs(process.argv.slice(2));
  } catch (err) {
    complain(`${(err as Error).message}\n\n${REPLAY_USAGE}`);
    process.exitCode = 2;
    return;
  }
  if (args.help) {
    process.stdout.write(`${REPLAY_USAGE}\n`);
    return;
  }
  for (const warning of args.warnings) complain(warning);
  const stateDir = args.stateDir ?? mkdtempSync(join(tmpdir(), 'cardata-replay-'));
  const temporary = args.stateDir === null;
  try {
    process.exitCode = await run(args, stateDir);
  } catch (err) {
    if (!(err instanceof ReplayStateError)) throw err;
    complain(err.message);
    process.exitCode = 2;
  } finally {
    if (temporary) rmSync(stateDir, { recursive: true, force: true });
  }
}

main().catch((err: Error) => {
  complain(err.stack ?? err.message);
  process.exitCode = 1;
});
