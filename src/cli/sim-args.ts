import { parseArgs } from 'node:util';
import { Faults } from '../sim/faults';
import type { SimulatorOptions } from '../sim/simulator';

export const SIM_USAGE = `Usage: cardata-sim [options]

Starts a local BMW CarData simulator on 127.0.0.1 and prints one JSON "ready" line on stdout.
Runs until SIGINT or SIGTERM. Logs go to stderr.

  --http-port N            port for the login, token and REST endpoints (default: a free port)
  --mqtt-port N            port for the MQTT/TLS 1.3 stream (default: a free port)
  --vehicles N             number of simulated vehicles (default 2: a BEV and a PHEV)
  --token-ttl SECONDS      lifetime of access and id tokens (default 3600)
  --refresh-ttl SECONDS    lifetime of refresh tokens (default 1209600, 14 days)
  --auto-approve           approve every device-code login at once, without the approval page
  --auto-approve-after S   approve every device-code login S seconds after it starts
  --speed FACTOR           simulated vehicle time runs FACTOR times real time (default 1)
  --seed N                 seed for the vehicles' randomness (default 1)
  --scenario FILE          run this scenario (JSON) instead of the built-in demo loop
  --truth FILE             write the vehicles' true state as JSON lines to FILE ("-" for stderr)
  --state-dir DIR          where the CA certificate is written (default: a new temp dir)
  --client-id UUID         the account's client ID (default: random)
  --gcid UUID              the account's GCID (default: random)
  --duplicate-policy P     second MQTT connection per GCID: drop-old (default) or refuse-new
  --quota N                REST calls per day (default 50)
  --quota-window W         utc-midnight (default) or rolling
  --fault NAME[=VALUE]     switch a fault on at start; repeatable (see README, "Fault injection")
  --traccar-token TOKEN    API token of the simulated Traccar server under /traccar (default: random,
                           shown by GET /sim/traccar)
  --help                   this text`;

export type ParsedSimArgs = { help: true } | { help: false; options: SimulatorOptions };

/** Turn argv into simulator options; throws an Error with a one-line reason on anything it cannot use. */
export function parseSimArgs(argv: string[]): ParsedSimArgs {
  const { values } = parseArgs({
    args: argv,
    strict: true,
    allowPositionals: false,
    options: {
      'http-port': { type: 'string' },
      'mqtt-port': { type: 'string' },
      vehicles: { type: 'string' },
      'token-ttl': { type: 'string' },
      'refresh-ttl': { type: 'string' },
      'auto-approve': { type: 'boolean' },
      'auto-approve-after': { type: 'string' },
      speed: { type: 'string' },
      seed: { type: 'string' },
      scenario: { type: 'string' },
      truth: { type: 'string' },
      'state-dir': { type: 'string' },
      'client-id': { type: 'string' },
      gcid: { type: 'string' },
      'duplicate-policy': { type: 'string' },
      quota: { type: 'string' },
      'quota-window': { type: 'string' },
      fault: { type: 'string', multiple: true },
      'traccar-token': { type: 'string' },
      help: { type: 'boolean' },
    },
  });
  if (values.help) return { help: true };

  const options: SimulatorOptions = {};
  if (values['http-port'] !== undefined) options.httpPort = integer('--http-port', values['http-port'], 0, 65535);
  if (values['mqtt-port'] !== undefined) options.mqttPort = integer('--mqtt-port', values['mqtt-port'], 0, 65535);
  if (values.vehicles !== undefined) options.vehicles = integer('--vehicles', values.vehicles, 1, 1000);
  if (values['token-ttl'] !== undefined) options.tokenTtlSec = integer('--token-ttl', values['token-ttl'], 5, 86400);
  if (values['refresh-ttl'] !== undefined) {
    options.refreshTtlSec = integer('--refresh-ttl', values['refresh-ttl'], 5, 31_536_000);
  }
  if (values['auto-approve']) options.autoApprove = 0;
  if (values['auto-approve-after'] !== undefined) {
    options.autoApprove = integer('--auto-approve-after', values['auto-approve-after'], 0, 3600);
  }
  if (values.speed !== undefined) options.speed = positive('--speed', values.speed);
  if (values.seed !== undefined) options.seed = integer('--seed', values.seed, 0, 2 ** 31);
  if (values.scenario !== undefined) options.scenarioFile = values.scenario;
  if (values.truth !== undefined) options.truthFile = values.truth;
  if (values['state-dir'] !== undefined) options.stateDir = values['state-dir'];
  if (values['client-id'] !== undefined) options.clientId = uuid('--client-id', values['client-id']);
  if (values.gcid !== undefined) options.gcid = uuid('--gcid', values.gcid);
  if (values['duplicate-policy'] !== undefined) {
    const policy = values['duplicate-policy'];
    if (policy !== 'drop-old' && policy !== 'refuse-new') {
      throw new Error(`--duplicate-policy takes drop-old or refuse-new, got "${policy}"`);
    }
    options.duplicatePolicy = policy;
  }
  if (values.quota !== undefined) options.quotaLimit = integer('--quota', values.quota, 0, 100000);
  if (values['quota-window'] !== undefined) {
    const window = values['quota-window'];
    if (window !== 'utc-midnight' && window !== 'rolling') {
      throw new Error(`--quota-window takes utc-midnight or rolling, got "${window}"`);
    }
    options.quotaWindow = window;
  }
  if (values.fault?.length) {
    const faults = new Faults();
    for (const spec of values.fault) faults.set(Faults.parse(spec)); // validates names and values now
    options.faults = Object.assign({}, ...values.fault.map((spec) => Faults.parse(spec))) as Record<string, unknown>;
  }
  if (values['traccar-token'] !== undefined) {
    const token = values['traccar-token'].trim();
    if (!/^[\x21-\x7e]{8,}$/.test(token)) throw new Error('--traccar-token takes at least 8 printable characters');
    options.traccarToken = token;
  }
  return { help: false, options };
}

function integer(flag: string, raw: string, min: number, max: number): number {
  const value = Number(raw);
  if (!/^\d+$/.test(raw) || value < min || value > max) {
    throw new Error(`${flag} takes a whole number from ${min} to ${max}, got "${raw}"`);
  }
  return value;
}

function positive(flag: string, raw: string): number {
  const value = Number(raw);
  if (!Number.isFinite(value) || value <= 0 || value > 100000) {
    throw new Error(`${flag} takes a number above 0 (at most 100000), got "${raw}"`);
  }
  return value;
}

function uuid(flag: string, raw: string): string {
  if (!/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(raw)) {
    throw new Error(`${flag} takes a UUID (8-4-4-4-12 hex), got "${raw}"`);
  }
  return raw;
}
