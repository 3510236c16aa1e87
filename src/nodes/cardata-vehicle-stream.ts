import type { Node, NodeAPI, NodeDef, NodeMessage } from 'node-red';
import { readingsFromStream } from '../cardata/normalise';
import type { StreamHealth } from '../cardata/stream';
import type { StreamMessage } from '../cardata/wire';
import { DescriptorFilter, parsePatterns } from './lib/descriptor-filter';
import { metricMessage, readingMessage, toHomeAssistant, type CarDataMessage, type OutputFormat } from './lib/messages';
import type { AccountNode, StreamUser } from './lib/types';

interface VehicleStreamDef extends NodeDef {
  account: string;
  vin?: string;
  descriptors?: string;
  output?: OutputFormat;
  onlyOnChange?: boolean;
  streamHealth?: boolean;
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

    if (!account) {
      node.status({
        fill: 'red',
        shape: 'ring',
        text: 'node-red-contrib-bmw-cardata/cardata-vehicle-stream:cardata-vehicle-stream.status.noAccount',
      });
      node.error(RED._('cardata-vehicle-stream.errors.noAccount'));
      return;
    }

    const send = (message: CarDataMessage) => {
      const out = output === 'homeassistant' ? toHomeAssistant(message) : message;
      if (out) node.send(out as unknown as NodeMessage);
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
      onStreamMessage: (raw: unknown, receivedAt: number) => {
        const message = raw as StreamMessage;
        if (vin && message.vin !== vin) return;
        if (output === 'batch') {
          const data = Object.fromEntries(Object.entries(message.data).filter(([d]) => filter.passes(d)));
          if (Object.keys(data).length === 0) return;
          node.send({
            topic: `${message.vin}/batch`,
            payload: data,
            vin: message.vin,
            metric: 'batch',
            timestamp: message.timestamp,
            receivedAt: new Date(receivedAt).toISOString(),
            attributes: { source: 'stream', descriptors: Object.keys(data).length },
          });
          return;
        }
        for (const reading of readingsFromStream(message)) {
          if (!filter.passes(reading.descriptor)) continue;
          if (config.onlyOnChange) {
            const key = `${message.vin}/${reading.descriptor}`;
            const value = JSON.stringify(reading.value);
            if (lastValues.get(key) === value) continue;
            lastValues.set(key, value);
          }
          send(readingMessage(message.vin, reading, receivedAt, 'stream'));
        }
      },
    };
    account.register(user);
    node.on('close', (_removed: boolean, done: () => void) => account.deregister(user, done));
  }

  RED.nodes.registerType(
    'cardata-vehicle-stream',
    CarDataVehicleStreamNode as unknown as (this: Node, def: NodeDef) => void,
  );
};
