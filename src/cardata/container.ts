import { createHash } from 'node:crypto';
import type { CarDataApi } from './api-client';
import { CarDataError } from './errors';

export const CONTAINER_NAME = 'Node-RED CarData';
export const CONTAINER_PURPOSE = 'Node-RED BMW CarData telemetry';

export interface ContainerRecord {
  containerId: string;
  signature: string;
}

/** SHA-1 of the sorted, de-duplicated descriptor names joined by "|" — the reference client's signature (§5.2). */
export function containerSignature(descriptors: string[]): string {
  return createHash('sha1')
    .update([...new Set(descriptors)].sort().join('|'))
    .digest('hex');
}

interface ContainerListItem {
  containerId?: string;
  name?: string;
  purpose?: string;
  state?: string;
}

/**
 * The account's telematics container (protocol §5): created once, reused while its descriptor signature matches, and
 * recreated when BMW lost it (CU-105). Old containers of ours are deleted before a new one is made, and when BMW's
 * limit of 10 is hit (CU-124), so we never leak containers. The signature goes in `purpose` too, because BMW's list
 * answers carry no descriptor lists (§11.10) and the purpose is what identifies ours.
 */
export class ContainerManager {
  constructor(
    private readonly api: CarDataApi,
    private record: ContainerRecord | undefined,
    private readonly save: (record: ContainerRecord | undefined) => void,
  ) {}

  get current(): ContainerRecord | undefined {
    return this.record;
  }

  /** The container ID for these descriptors, creating the container when needed (2–4 API calls then, else none). */
  async ensure(descriptors: string[]): Promise<string> {
    const signature = containerSignature(descriptors);
    if (this.record?.signature === signature) return this.record.containerId;
    await this.deleteOurs();
    let created;
    try {
      created = await this.create(descriptors, signature);
    } catch (err) {
      if (!(err instanceof CarDataError) || err.kind !== 'container_limit') throw err;
      throw new CarDataError(
        'container_limit',
        'BMW allows 10 containers per account and counts deleted ones for 29 days; other apps use the rest. ' +
          'Delete unused containers from other apps, or wait for deleted ones to expire.',
        { code: 'CU-124' },
      );
    }
    this.record = { containerId: created, signature };
    this.save(this.record);
    return created;
  }

  /** BMW said CU-105: forget the container so the next ensure() makes a new one. */
  lost(): void {
    this.record = undefined;
    this.save(undefined);
  }

  private async create(descriptors: string[], signature: string): Promise<string> {
    const result = await this.api.call('createContainer', {
      body: {
        name: CONTAINER_NAME,
        purpose: `${CONTAINER_PURPOSE} ${signature.slice(0, 12)}`,
        technicalDescriptors: [...new Set(descriptors)].sort(),
      },
    });
    const id = (result.data as { containerId?: unknown } | undefined)?.containerId;
    if (typeof id !== 'string') throw new CarDataError('invalid_response', 'BMW created a container without an ID.');
    return id;
  }

  private async deleteOurs(): Promise<void> {
    const list = await this.api.call('listContainers');
    const data = list.data as { containers?: ContainerListItem[] } | ContainerListItem[] | undefined;
    const items = Array.isArray(data) ? data : (data?.containers ?? []);
    for (const item of items) {
      const ours = item.name === CONTAINER_NAME && item.purpose?.startsWith(CONTAINER_PURPOSE);
      if (ours && item.containerId && item.state !== 'DELETED' && item.state !== 'INACTIVE') {
        await this.api.call('deleteContainer', { containerId: item.containerId });
      }
    }
  }
}
