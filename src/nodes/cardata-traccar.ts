import type { Request, Response } from 'express';
import type { NodeAPI, NodeDef } from 'node-red';
import { DEFAULT_MAX_AGE_MS, TraccarClient, TraccarError, normaliseTraccarUrl } from '../traccar/client';
import { clockOf } from './lib/runtime-clock';
import type { TraccarConfigNode } from './lib/traccar-config';

interface TraccarDef extends NodeDef {
  url?: string;
  /** Seconds after which a position counts as stale; empty = 300. */
  maxAge?: number | string;
}

interface TraccarCredentials {
  token?: string;
}

/**
 * A Traccar server: its URL and API token (a credential: never in the flow file). Holds one client for all its users,
 * so a device id resolved for one speed node serves every other.
 */
export = function (RED: NodeAPI): void {
  function CarDataTraccarNode(this: TraccarConfigNode, config: TraccarDef): void {
    RED.nodes.createNode(this, config);
    const credentials = (this.credentials ?? {}) as TraccarCredentials;
    const token = String(credentials.token ?? '').trim();
    let url: string;
    try {
      url = normaliseTraccarUrl(config.url ?? '');
    } catch {
      this.problem = 'url';
      return;
    }
    if (!token) {
      this.problem = 'token';
      return;
    }
    this.client = new TraccarClient({ url, token, clock: clockOf(RED), maxAgeMs: maxAgeOf(config.maxAge) });
  }

  RED.nodes.registerType<TraccarConfigNode, TraccarDef, unknown, TraccarCredentials>(
    'cardata-traccar',
    CarDataTraccarNode,
    { credentials: { token: { type: 'password' } } },
  );

  /**
   * The device names of a deployed server, for the speed node's dialog. Answers names and ids only; a failure is named
   * by its kind (`unauthorized`, `unreachable`, …), never with upstream text.
   */
  RED.httpAdmin.get(
    '/cardata-traccar/:id/devices',
    RED.auth.needsPermission('cardata-traccar.read'),
    (req: Request<{ id: string }>, res: Response) => {
      const node = RED.nodes.getNode(req.params.id) as TraccarConfigNode | null;
      if (!node || node.type !== 'cardata-traccar') return void res.status(404).json({ error: 'not_deployed' });
      if (!node.client) return void res.status(400).json({ error: node.problem ?? 'url' });
      node.client.devices().then(
        (devices) => res.json({ devices: devices.map((d) => ({ id: d.id, name: d.name })) }),
        (err: unknown) => res.status(502).json({ error: err instanceof TraccarError ? err.reason : 'unreachable' }),
      );
    },
  );
};

function maxAgeOf(value: number | string | undefined): number {
  const seconds = value === undefined || value === '' ? NaN : Number(value);
  return Number.isFinite(seconds) && seconds >= 0 ? seconds * 1000 : DEFAULT_MAX_AGE_MS;
}
