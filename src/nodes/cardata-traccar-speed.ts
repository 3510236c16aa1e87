import type { Node, NodeAPI, NodeDef, NodeMessageInFlow, NodeStatus } from 'node-red';
import { VIN_PATTERN } from '../cardata/wire';
import type { TraccarReading, TraccarReason } from '../traccar/client';
import { parseVinMap } from '../traccar/vin-map';
import { speedBracket } from '../vehicle/driving/speed-brackets';
import { toHomeAssistant } from './lib/messages';
import { clockOf } from './lib/runtime-clock';
import { SpeedPoller } from './lib/speed-poller';
import type { TraccarConfigNode } from './lib/traccar-config';
import { traccarSpeedMessage } from './lib/traccar-speed-message';
import { TripInputError, parseTripInput } from './lib/trip-input';

interface TraccarSpeedDef extends NodeDef {
  traccar?: string;
  /** `VIN:DeviceName, …` (reference/algorithms.md §5, TR-03). */
  vinMap?: string;
  /** `trip`: poll only while a trip is active (the reference); `always`: from deploy. */
  mode?: 'trip' | 'always';
  output?: 'contract' | 'homeassistant';
}

type Done = (err?: Error) => void;

const NS = 'cardata-traccar-speed';
const STATUS = `node-red-contrib-bmw-cardata/${NS}:${NS}.status`;

/** What a failed reading shows: red for the server or the token, yellow for a device without a usable position. */
const PROBLEM_STATUS: Record<TraccarReason, { fill: 'red' | 'yellow'; key: string }> = {
  unreachable: { fill: 'red', key: 'unreachable' },
  unauthorized: { fill: 'red', key: 'unauthorized' },
  http_error: { fill: 'red', key: 'serverError' },
  bad_answer: { fill: 'red', key: 'serverError' },
  unknown_device: { fill: 'yellow', key: 'unknownDevice' },
  no_position: { fill: 'yellow', key: 'noPosition' },
  invalid: { fill: 'yellow', key: 'noPosition' },
  stale: { fill: 'yellow', key: 'stale' },
};

export = function (RED: NodeAPI): void {
  function CarDataTraccarSpeedNode(this: Node, config: TraccarSpeedDef): void {
    RED.nodes.createNode(this, config);
    // eslint-disable-next-line @typescript-eslint/no-this-alias -- Node-RED style: the handlers name the node
    const node = this;
    const clock = clockOf(RED);
    const format = config.output === 'homeassistant' ? 'homeassistant' : 'contract';
    const always = config.mode === 'always';
    const server = config.traccar ? (RED.nodes.getNode(config.traccar) as TraccarConfigNode | null) : null;
    const client = server?.client;
    const { mappings, skipped } = parseVinMap(config.vinMap);
    const devices = new Map(mappings.map((m) => [m.vin, m.deviceName]));
    const many = devices.size > 1;
    /** The last reason per VIN, so a failure is logged when it starts, not every minute. */
    const lastReason = new Map<string, TraccarReason | null>();
    const unmappedWarned = new Set<string>();
    let closed = false;

    if (skipped.length > 0) node.warn(RED._(`${NS}.errors.skipped`, { pairs: skipped.join(' | ') }));
    for (const vin of devices.keys()) {
      if (!VIN_PATTERN.test(vin)) node.warn(RED._(`${NS}.errors.mappedNotVin`, { vin }));
    }

    const prefix = (vin: string) => (many ? `…${vin.slice(-4)} ` : '');
    /** A translated key alone stays a key (the editor translates it); with a prefix it is translated here. */
    const text = (key: string, vin?: string) =>
      vin && many ? `${prefix(vin)}${RED._(`${NS}.status.${key}`)}` : `${STATUS}.${key}`;

    const readingStatus = (vin: string, reading: TraccarReading): NodeStatus => {
      if (reading.reason === null && reading.speedKmh !== null) {
        const bracket = speedBracket(reading.speedKmh);
        const label = bracket ? ` ${RED._(`${NS}.bracket.${bracket}`)}` : '';
        return { fill: 'green', shape: 'dot', text: `${prefix(vin)}${reading.speedKmh.toFixed(1)} km/h${label}` };
      }
      const problem = PROBLEM_STATUS[reading.reason ?? 'no_position'];
      return { fill: problem.fill, shape: 'ring', text: text(problem.key, vin) };
    };

    const report = (vin: string, reading: TraccarReading) => {
      const previous = lastReason.get(vin);
      lastReason.set(vin, reading.reason);
      if (reading.reason === null || reading.reason === previous) return;
      // `detail` is built by the client from the path and the cause only: it never holds the token.
      node.warn(
        RED._(`${NS}.errors.reading`, { vin, device: reading.deviceName, detail: reading.detail ?? reading.reason }),
      );
    };

    const poller = new SpeedPoller(clock, async (vin, signal) => {
      const device = devices.get(vin);
      if (!client || device === undefined) return;
      const polledAt = clock.now();
      const reading = await client.read(device, signal);
      if (closed || signal.aborted) return; // the trip ended or the node closed while the answer was on its way
      report(vin, reading);
      node.status(readingStatus(vin, reading));
      const message = traccarSpeedMessage(vin, reading, polledAt);
      const out = format === 'homeassistant' ? toHomeAssistant(message) : message;
      if (out) node.send(out);
    });

    const idle = (): NodeStatus => ({ fill: 'grey', shape: 'ring', text: `${STATUS}.idle` });

    if (!server) {
      node.error(RED._(`${NS}.errors.noServer`));
      node.status({ fill: 'red', shape: 'ring', text: `${STATUS}.notConfigured` });
    } else if (!client) {
      node.error(RED._(`${NS}.errors.serverConfig`, { problem: RED._(`${NS}.errors.${server.problem ?? 'url'}`) }));
      node.status({ fill: 'red', shape: 'ring', text: `${STATUS}.notConfigured` });
    } else if (devices.size === 0) {
      node.error(RED._(`${NS}.errors.noMapping`));
      node.status({ fill: 'red', shape: 'ring', text: `${STATUS}.noMapping` });
    } else if (always) {
      node.status({ fill: 'yellow', shape: 'ring', text: `${STATUS}.polling` });
      for (const vin of devices.keys()) poller.start(vin);
    } else {
      node.status(idle());
    }

    node.on('input', (msg: NodeMessageInFlow, _send: unknown, done: Done) => {
      let input;
      try {
        input = parseTripInput(msg);
      } catch (err) {
        if (!(err instanceof TripInputError)) return done(err as Error);
        return done(new Error(RED._(`${NS}.errors.${err.key}`, err.params)));
      }
      // With `always` the loops run from deploy; without a client there is nothing to poll.
      if (input.kind === 'ignore' || always || !client) return done();
      if (!devices.has(input.vin)) {
        if (!unmappedWarned.has(input.vin)) node.warn(RED._(`${NS}.errors.unmapped`, { vin: input.vin }));
        unmappedWarned.add(input.vin);
        return done();
      }
      if (input.active) {
        if (!poller.isActive(input.vin))
          node.status({ fill: 'yellow', shape: 'ring', text: text('polling', input.vin) });
        poller.start(input.vin);
      } else {
        poller.stop(input.vin);
        lastReason.delete(input.vin);
        if (poller.active.length === 0) node.status(idle());
      }
      done();
    });

    node.on('close', (_removed: boolean, done: () => void) => {
      closed = true;
      poller.stopAll();
      done();
    });
  }

  RED.nodes.registerType('cardata-traccar-speed', CarDataTraccarSpeedNode);
};
