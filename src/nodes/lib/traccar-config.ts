import type { Node } from 'node-red';
import type { TraccarClient } from '../../traccar/client';

/** The `cardata-traccar` config node as its users see it: a shared client, or why there is none. */
export interface TraccarConfigNode extends Node {
  client?: TraccarClient;
  /** Why there is no client: `url` or `token` (an i18n key of cardata-traccar.errors). */
  problem?: 'url' | 'token';
}
