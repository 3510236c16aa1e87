import { randomInt } from 'node:crypto';
import type { Clock } from '../cardata/clock';

const DAY_MS = 86_400_000;
const ID_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';
/** The format BMW checks (CU-121 otherwise): 13 alphanumerics. The IDs it hands out are upper-case. */
export const CONTAINER_ID_PATTERN = /^[A-Za-z0-9]{13}$/;

export type ContainerState = 'ACTIVE' | 'DELETED';

export interface SimContainer {
  containerId: string;
  gcid: string;
  name: string;
  purpose: string;
  technicalDescriptors: string[];
  state: ContainerState;
  createdMs: number;
  deletedMs?: number;
}

export interface ContainerLimits {
  /** BMW: at most 10 containers per user (CU-124), §5.1. */
  maxPerAccount: number;
  /** Deleted containers are purged after 29 days and count towards the limit until then (PR #268). */
  purgeAfterDays: number;
}

export type CreateResult = { ok: true; container: SimContainer } | { ok: false; reason: 'limit' };
export type DeleteResult = 'deleted' | 'already-deleted' | 'not-found';

/**
 * BMW's telematics containers per account. No deduplication: an identical container is created again (§5.1).
 * Time comes from the clock, so the 29-day purge can be crossed in a test.
 */
export class ContainerStore {
  readonly limits: ContainerLimits;
  private readonly byId = new Map<string, SimContainer>();

  constructor(
    private readonly clock: Clock,
    limits: Partial<ContainerLimits> = {},
  ) {
    this.limits = { maxPerAccount: 10, purgeAfterDays: 29, ...limits };
  }

  create(gcid: string, spec: { name: string; purpose: string; technicalDescriptors: string[] }): CreateResult {
    if (this.list(gcid).length >= this.limits.maxPerAccount) return { ok: false, reason: 'limit' };
    const container: SimContainer = {
      containerId: this.newId(),
      gcid,
      name: spec.name,
      purpose: spec.purpose,
      technicalDescriptors: [...spec.technicalDescriptors],
      state: 'ACTIVE',
      // BMW's timestamps carry whole seconds (`.000Z`).
      createdMs: Math.floor(this.clock.now() / 1000) * 1000,
    };
    this.byId.set(container.containerId, container);
    return { ok: true, container };
  }

  /** The account's containers, deleted ones included until they are purged. */
  list(gcid: string): SimContainer[] {
    this.purge();
    return [...this.byId.values()].filter((c) => c.gcid === gcid);
  }

  /** A container of this account (ACTIVE or DELETED); undefined if it is someone else's, purged or dropped. */
  get(gcid: string, containerId: string): SimContainer | undefined {
    this.purge();
    const container = this.byId.get(containerId);
    return container?.gcid === gcid ? container : undefined;
  }

  delete(gcid: string, containerId: string): DeleteResult {
    const container = this.get(gcid, containerId);
    if (!container) return 'not-found';
    if (container.state === 'DELETED') return 'already-deleted';
    container.state = 'DELETED';
    container.deletedMs = this.clock.now();
    return 'deleted';
  }

  /** Admin-side deletion (a portal clean-up BMW did not announce): the container vanishes and answers CU-105. */
  dropContainer(containerId: string): boolean {
    return this.byId.delete(containerId);
  }

  /** Every container of every account, for the simulator's state endpoint. */
  all(): SimContainer[] {
    this.purge();
    return [...this.byId.values()];
  }

  private purge(): void {
    const cutoff = this.clock.now() - this.limits.purgeAfterDays * DAY_MS;
    for (const [id, c] of this.byId) if (c.deletedMs !== undefined && c.deletedMs <= cutoff) this.byId.delete(id);
  }

  private newId(): string {
    // Observed IDs look like `G00M006W070DZ`: 13 upper-case alphanumerics starting with G00.
    for (;;) {
      let id = 'G00';
      while (id.length < 13) id += ID_ALPHABET[randomInt(ID_ALPHABET.length)];
      if (!this.byId.has(id)) return id;
    }
  }
}
