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
import type { Reading } from '../vehicle/readings';
import { DescriptorFilter, parsePatterns } from './lib/descriptor-filter';
import { stateDirOf } from './lib/login-routes';
import { metricMessage, readingMessage, toHomeAssistant, type CarDataMessage, type OutputFormat } from './lib/messages';
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
    const lastValues = new Map<string, string>();
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
    const send = (message: CarDataMessage) => {
      const out = shape(message);
      if (out) node.send(out);
    };
    /** All values of one BMW message in one send: Node-RED's per-call overhead, not ours, dominated the bench. */
    const sendAll = (messages: CarDataMessage[]) => {
      const out = messages.map(shape).filter((m): m is CarDataMessage => m !== undefined);
      if (out.length) node.send([out]);
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
        if (!derived[o.metric]) continue;
        const message = metricMessage(vehicle, o.metric, o.payload, o.at, o.attributes);
        send({ ...message, receivedAt: new Date(now).toISOString() });
      }
      if (outputs.some((o) => o.metric === 'trip')) saveMotion();
    };

    // The detector's windows close at known instants (the door grace, GPS going quiet): check then, not on a beat.
    const schedule = () => {
      clearTimeout(timer);
      timer = undefined;
      const now = Date.now();
      const due = Math.min(...[...trackers.values()].map((t) => t.nextCheck(now) ?? Infinity));
      if (!Number.isFinite(due)) return;
      timer = setTimeout(() => {
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
      const extra = restored ? { restored: true } : {};
      if (output === 'batch') {
        const data = Object.fromEntries(Object.entries(message.data).filter(([d]) => filter.passes(d)));
        if (Object.keys(data).length > 0) {
          node.send({
            topic: `${message.vin}/batch`,
            payload: data,
            vin: message.vin,
            metric: 'batch',
            timestamp: message.timestamp,
            receivedAt: new Date(receivedAt).toISOString(),
            attributes: { source: 'stream', descriptors: Object.keys(data).length, ...extra },
          });
        }
      } else {
        const outs: CarDataMessage[] = [];
        for (const reading of readings) {
          if (!filter.passes(reading.descriptor)) continue;
          if (config.onlyOnChange) {
            const key = `${message.vin}/${reading.descriptor}`;
            const value = JSON.stringify(reading.value);
            if (lastValues.get(key) === value) continue;
            lastValues.set(key, value);
          }
          const out = readingMessage(message.vin, reading, receivedAt, 'stream');
          outs.push(restored ? { ...out, attributes: { ...out.attributes, ...extra } } : out);
        }
        sendAll(outs);
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
