#!/usr/bin/env node
import { createWriteStream, type WriteStream } from 'node:fs';
import { CarDataSimulator } from '../sim/simulator';
import { parseSimArgs, SIM_USAGE } from './sim-args';

async function main(): Promise<void> {
  let parsed;
  try {
    parsed = parseSimArgs(process.argv.slice(2));
  } catch (err) {
    process.stderr.write(`cardata-sim: ${(err as Error).message}\n\n${SIM_USAGE}\n`);
    process.exit(2);
  }
  if (parsed.help) {
    process.stdout.write(`${SIM_USAGE}\n`);
    return;
  }
  const { options } = parsed;
  let truth: WriteStream | NodeJS.WriteStream | undefined;
  if (options.truthFile) truth = options.truthFile === '-' ? process.stderr : createWriteStream(options.truthFile);
  const sim = await CarDataSimulator.start({
    ...options,
    onTruth: truth ? (line) => truth.write(JSON.stringify(line) + '\n') : undefined,
  });
  // The ready line is the contract (DESIGN.md §6): one JSON line on stdout, nothing else ever goes there.
  process.stdout.write(JSON.stringify(sim.ready) + '\n');
  process.stderr.write(
    `cardata-sim: ${sim.ready.vins.length} vehicle(s), login and REST on ${sim.ready.authBaseUrl}, ` +
      `MQTT on mqtts://${sim.ready.mqtt.host}:${sim.ready.mqtt.port}, approval page ${sim.ready.authBaseUrl}/oneid/link\n`,
  );
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    process.stderr.write(`cardata-sim: ${signal}, stopping\n`);
    void sim.stop().then(() => {
      if (truth && truth !== process.stderr) (truth as WriteStream).end();
      process.exit(0);
    });
  };
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));
}

main().catch((err: Error) => {
  process.stderr.write(`cardata-sim: ${err.stack ?? err.message}\n`);
  process.exit(1);
});
