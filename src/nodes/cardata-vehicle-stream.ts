import { join } from 'node:path';
import { rmSync } from 'node:fs';
import type { Request, Response } from 'express';
import type { Node, NodeAPI, NodeDef } from 'node-red';
import { readJsonFile, writeFileAtomic } from '../cardata/atomic-file';
import { entries, search, type DescriptorInfo } from '../cardata/catalogue';
import { readingsFromStream } from '../cardata/normalise';
import type { StreamHealth } from '../cardata/stream';
import type { StreamMessage } from '../cardata/wire';
import { MotionTracker, type MotionMetric, type MotionOutput } from '../vehicle/motion';
import type { Reading, ReadingValue } from '../vehicle/readings';
import { DescriptorFilter, parsePatterns } from './lib/descriptor-filter';
import { stateDirOf } from './lib/login-routes';
import {
  formatIso,
  metricMessage,
  newMessageId,
  readingMessage,
  toHomeAssistant,
  type CarDataMessage,
  type OutputFormat,
} from './lib/messages';
import type { AccountNode, StreamUser } from './lib/types';

interface VehicleStreamDef extends NodeDef {
  account: string;
  vin?: string;
  descriptors?: string;
  output?: OutputFormat;
  onlyOnChange?: boolean;
  streamHealth?: boolean;
  location?: boolean;
  motion?: boolean;
  trips?: boolean;
  /** On deploy, send each vehicle's last known values (attributes.restored), so flows have values at once. */
  emitRestored?: boolean;
}

/** What survives a redeploy or restart: each VIN's motion state, so an open trip still ends with its distance. */
interface MotionFile {
  version: 1;
  vehicles: Record<string, unknown>;
}

/** The catalogue as the editor's pick list needs it: no descriptions, a third of the size. */
function listEntry(d: DescriptorInfo) {
  return {
    name: d.name,
    title: d.title,
    unit: d.unit,
    group: d.group,
    category: d.category,
    streamable: d.streamable,
    type: d.type,
    ...(d.enum ? { enum: d.enum } : {}),
  };
}

/**
 * Home Assistant's state for a location is whether the car is on the move; the position goes into the `latitude` and
 * `longitude` attributes, where HA's map and device trackers look, and the state history stays readable.
 */
function homeAssistantView(message: CarDataMessage): CarDataMessage {
  if (message.metric !== 'location') return message;
  return { ...message, payload: message.attributes.moving === true ? 'moving' : 'parked' };
}

export = function (RED: NodeAPI): void {
  function CarDataVehicleStreamNode(this: Node, config: VehicleStreamDef): void {
    RED.nodes.createNode(this, config);
    // eslint-disable-next-line @typescript-eslint/no-this-alias -- Node-RED style: the handlers name the node
    const node = this;
    const account = RED.nodes.getNode(config.account) as AccountNode | null;
    const vin = (config.vin ?? '').trim();
    const filter = new DescriptorFilter(parsePatterns(config.descriptors));
    const output: OutputFormat = config.output ?? 'descriptor';
    const lastValues = new Map<string, ReadingValue>();
    let lastHealth: StreamHealth | undefined;
    // The dialog defaults these to on; a node saved before they existed keeps its old output until it is edited.
    const derived: Record<MotionMetric, boolean> = {
      location: config.location === true,
      motion: config.motion === true,
      trip: config.trips === true,
    };
    const tracking = derived.location || derived.motion || derived.trip;
    const motionPath = join(stateDirOf(RED), `vehicle-stream-${node.id.replace(/[^\w.-]/g, '_')}.motion.json`);
    const trackers = new Map<string, MotionTracker>();
    let timer: NodeJS.Timeout | undefined;
    let timerDue = Infinity;

    if (!account) {
      node.status({
        fill: 'red',
        shape: 'ring',
        text: 'node-red-contrib-bmw-cardata/cardata-vehicle-stream:cardata-vehicle-stream.status.noAccount',
      });
      node.error(RED._('cardata-vehicle-stream.errors.noAccount'));
      return;
    }

    const shape = (message: CarDataMessage) =>
      output === 'homeassistant' ? toHomeAssistant(homeAssistantView(message)) : message;
    /**
     * One node.send per message, also for the values of one BMW message. Profiled on the stream benchmark's load, one
     * node.send([[m1, m2, …]]) cost about 2.5 µs more per BMW message: Node-RED deep-clones every message of an array
     * after the first, while a single message to a single wire goes as it is. Our own _msgid spares Node-RED's
     * generateId (eight Math.random calls) per message.
     */
    const send = (message: CarDataMessage) => {
      const out = shape(message);
      if (!out) return;
      out._msgid = newMessageId();
      node.send(out);
    };

    if (tracking) {
      try {
        const saved = readJsonFile<Partial<MotionFile>>(motionPath)?.vehicles;
        const vehicles = typeof saved === 'object' && saved !== null ? saved : {};
        for (const [v, snapshot] of Object.entries(vehicles)) trackers.set(v, new MotionTracker(snapshot));
      } catch (err) {
        node.warn(RED._('cardata-vehicle-stream.errors.motionState', { reason: (err as Error).message }));
      }
    }

    const saveMotion = () => {
      const vehicles = Object.fromEntries([...trackers].map(([v, tracker]) => [v, tracker.snapshot()]));
      try {
        writeFileAtomic(motionPath, JSON.stringify({ version: 1, vehicles } satisfies MotionFile));
      } catch (err) {
        node.warn(RED._('cardata-vehicle-stream.errors.motionState', { reason: (err as Error).message }));
      }
    };

    const sendDerived = (vehicle: string, outputs: MotionOutput[], now: number) => {
      for (const o of outputs) {
        // The account's poll planners hear of every trip end, whether or not this node sends trips.
        if (o.metric === 'trip' && o.payload === 'ended') account.account?.reportTripEnded(vehicle, o.at);
        if (!derived[o.metric]) continue;
        const message = metricMessage(vehicle, o.metric, o.payload, o.at, o.attributes);
        send({ ...message, receivedAt: new Date(now).toISOString() });
      }
      if (outputs.some((o) => o.metric === 'trip')) saveMotion();
    };

    // The detector's windows close at known instants (the door grace, GPS going quiet): check then, not on a beat.
    // This runs after every stream message: a timer that is already set for the same instant is left as it is.
    const schedule = () => {
      const now = Date.now();
      let due = Infinity;
      for (const tracker of trackers.values()) due = Math.min(due, tracker.nextCheck(now) ?? Infinity);
      if (timer && due === timerDue) return;
      clearTimeout(timer);
      timer = undefined;
      timerDue = due;
      if (!Number.isFinite(due)) return;
      timer = setTimeout(() => {
        timer = undefined;
        const at = Math.max(Date.now(), due);
        for (const [v, tracker] of trackers) sendDerived(v, tracker.check(at), at);
        schedule();
      }, due - now);
    };

    const track = (vehicle: string, readings: Reading[], receivedAt: number) => {
      let tracker = trackers.get(vehicle);
      if (!tracker) trackers.set(vehicle, (tracker = new MotionTracker()));
      sendDerived(vehicle, tracker.ingest(readings, receivedAt), receivedAt);
      schedule();
    };

    /** One BMW message out: as a batch or per descriptor; restored ones say so and feed no detector. */
    const emit = (message: StreamMessage, receivedAt: number, restored: boolean) => {
      if (vin && message.vin !== vin) return;
      const readings = output !== 'batch' || tracking ? readingsFromStream(message) : [];
      if (output === 'batch') {
        // Copies of the entries: every node of the account gets the same parsed message, and a flow may change its own.
        const data = Object.fromEntries(
          Object.entries(message.data)
            .filter(([d]) => filter.passes(d))
            .map(([d, entry]) => [d, typeof entry === 'object' && entry !== null ? { ...entry } : entry]),
        );
        const descriptors = Object.keys(data).length;
        if (descriptors > 0) {
          node.send({
            topic: `${message.vin}/batch`,
            payload: data,
            vin: message.vin,
            metric: 'batch',
            timestamp: message.timestamp,
            receivedAt: formatIso(receivedAt),
            attributes: restored
              ? { source: 'stream', descriptors, restored: true }
              : { source: 'stream', descriptors },
          });
        }
      } else {
        for (const reading of readings) {
          if (!filter.passes(reading.descriptor)) continue;
          if (config.onlyOnChange) {
            // Values are primitives after normalisation, so === is the comparison JSON text gave, without the text.
            const key = `${message.vin}/${reading.descriptor}`;
            if (lastValues.get(key) === reading.value) continue; // never undefined: a first value always passes
            lastValues.set(key, reading.value);
          }
          const out = readingMessage(message.vin, reading, receivedAt, 'stream');
          if (restored) out.attributes.restored = true;
          send(out);
        }
      }
      // Derived metrics see every descriptor: the filter chooses what is sent, not what the car told us.
      if (tracking && !restored) track(message.vin, readings, receivedAt);
    };

    const user: StreamUser = {
      status: (status) => {
        node.status(status);
        if (config.streamHealth === false) return;
        const health = account.account?.stream.health;
        if (!health || health === 'idle' || health === lastHealth) return;
        lastHealth = health;
        const reason = account.account?.stream.reason ?? null;
        // Status can change while the node is still being built; the message goes out once the flow runs.
        setImmediate(() => send(metricMessage(vin || 'all', 'stream_health', health, Date.now(), { reason })));
      },
      onStreamMessage: (raw: unknown, receivedAt: number) => emit(raw as StreamMessage, receivedAt, false),
    };
    account.register(user);
    schedule();
    if (config.emitRestored && account.account) {
      const known = account.account.lastKnown.messages(vin || undefined);
      // After the flow has started, so the restored values reach the nodes wired behind this one.
      setImmediate(() => known.forEach(({ message, receivedAt }) => emit(message, receivedAt, true)));
    }
    node.on('close', (removed: boolean, done: () => void) => {
      clearTimeout(timer);
      if (tracking && removed) rmSync(motionPath, { force: true });
      else if (tracking && trackers.size > 0) saveMotion();
      account.deregister(user, done);
    });
  }

  RED.nodes.registerType(
    'cardata-vehicle-stream',
    CarDataVehicleStreamNode as unknown as (this: Node, def: NodeDef) => void,
  );

  // The editor's descriptor pick list (relative URL `cardata/catalogue`; `?q=` searches).
  RED.httpAdmin.get(
    '/cardata/catalogue',
    RED.auth.needsPermission('cardata-vehicle-stream.read'),
    (req: Request, res: Response) => {
      const q = typeof req.query.q === 'string' ? req.query.q : '';
      res.json({ descriptors: (q ? search(q) : entries()).map(listEntry) });
    },
  );
};
