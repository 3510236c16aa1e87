import { rmSync } from 'node:fs';
import { join } from 'node:path';
import type { Node, NodeAPI } from 'node-red';
import type { ApiResult } from '../../cardata/api-client';
import { readJsonFile, writeFileAtomic } from '../../cardata/atomic-file';
import { systemClock, type Clock, type Timer } from '../../cardata/clock';
import { DEFAULT_CONTAINER_DESCRIPTORS } from '../../cardata/default-container';
import { readingsFromStream } from '../../cardata/normalise';
import type { StreamMessage } from '../../cardata/wire';
import {
  PollPlanner,
  type PollPlannerOptions,
  type PollPlannerState,
  type PollReason,
  type PollRequest,
} from '../../vehicle/polling/poll-planner';
import { stateDirOf } from './login-routes';
import type { AccountNode, StreamUser } from './types';

export interface PollingOptions {
  RED: NodeAPI;
  node: Node;
  accountNode: AccountNode;
  budget: number;
  vin?: string;
  /** The node's clock (virtual in tests, see runtime-clock.ts); the wall clock when absent. */
  clock?: Clock;
  onPoll(vin: string, reason: PollReason, result: ApiResult): void;
  onError(err: Error): void;
}

/** Where a node's poll planner keeps its state (today's spending, cooldowns) across restarts. */
function pollingStateFile(RED: NodeAPI, node: Node): string {
  return join(stateDirOf(RED), `${node.id.replace(/[^A-Za-z0-9._-]/g, '_')}.polling.json`);
}

/** A node deleted from the flows leaves no planner state behind (also when its polling was switched off). */
export function forgetPollingState(RED: NodeAPI, node: Node): void {
  rmSync(pollingStateFile(RED, node), { force: true });
}

/** At most this long between looks at the planner, so a stale vehicle is noticed without a timer per vehicle. */
const CHECK_EVERY_MS = 60_000;

/**
 * A PollPlanner for one node, its state on disk and the calls it grants, made through the account (its container,
 * its quota ledger, which refuses anything beyond BMW's daily quota whatever the planner's budget says).
 */
class PollRunner {
  readonly planner: PollPlanner;
  readonly clock: Clock;
  private readonly file: string;
  private timer: Timer | undefined;
  private busy = false;

  constructor(
    private readonly options: PollingOptions,
    planner: Partial<PollPlannerOptions>,
  ) {
    const { RED, node } = options;
    this.clock = options.clock ?? systemClock;
    this.file = pollingStateFile(RED, node);
    let state: PollPlannerState | undefined;
    try {
      state = readJsonFile<PollPlannerState>(this.file);
    } catch {
      state = undefined; // an unreadable file starts the planner fresh; the quota ledger still guards the budget
    }
    this.planner = new PollPlanner({ ...planner, dailyBudget: options.budget }, state);
  }

  /** Make every poll the planner grants now (none while a check runs: the timer comes back) and return them. */
  async check(): Promise<PollRequest[]> {
    if (this.busy) return [];
    this.busy = true;
    const account = this.options.accountNode.account!;
    try {
      const granted = this.planner.due(this.clock.now());
      for (const request of granted) {
        try {
          const result = await account.telematicData(request.vin, [...DEFAULT_CONTAINER_DESCRIPTORS]);
          this.planner.observe(request.vin, [], this.clock.now());
          this.options.onPoll(request.vin, request.reason, result);
        } catch (err) {
          this.options.onError(err as Error);
        }
      }
      this.save();
      return granted;
    } finally {
      this.busy = false;
    }
  }

  /** Check again when the planner next may have something, at most a minute from now. */
  schedule(): void {
    this.clock.clearTimeout(this.timer);
    const now = this.clock.now();
    const next = this.planner.nextWakeAt(now) ?? now + CHECK_EVERY_MS;
    this.timer = this.clock.setTimeout(
      () => {
        this.timer = undefined;
        void this.check().finally(() => this.schedule());
      },
      Math.max(1000, Math.min(CHECK_EVERY_MS, next - now)),
    );
  }

  stop(): void {
    this.clock.clearTimeout(this.timer);
    this.timer = undefined;
    this.save();
  }

  private save(): void {
    writeFileAtomic(this.file, JSON.stringify(this.planner.snapshot()));
  }
}

/**
 * Runs a PollPlanner for a node: it watches the account's stream (as a stream user), asks the planner when a poll is
 * due, makes the call through the account (its container, its quota ledger), and keeps the planner's state on disk.
 * Returns a stop function for the node's close handler.
 */
export function startPolling(options: PollingOptions): () => Promise<void> {
  const { accountNode, vin } = options;
  const account = accountNode.account!;
  const runner = new PollRunner(options, {});
  const planner = runner.planner;
  const wanted = (v: string) => !vin || v === vin;
  const now = runner.clock.now();
  if (vin) planner.track(vin, now);
  for (const known of account.knownVehicles())
    if (wanted(known.vin) && known.mappingType === 'PRIMARY') planner.track(known.vin, now);

  const user: StreamUser = {
    status: () => undefined, // the node's status shows the quota, not the stream
    onStreamMessage: (raw: unknown, receivedAt: number) => {
      const message = raw as StreamMessage;
      if (!wanted(message.vin)) return;
      planner.observe(message.vin, readingsFromStream(message), receivedAt);
      if (planner.nextWakeAt(receivedAt) !== undefined) runner.schedule();
    },
  };
  // Trip ends vehicle-stream derived (from GPS, for cars without isMoving): observe() sees only BMW's isMoving.
  const onTripEnded = (tripVin: string) => {
    if (!wanted(tripVin)) return;
    planner.tripEnded(tripVin, runner.clock.now());
    runner.schedule();
  };
  account.on('trip-ended', onTripEnded);
  accountNode.register(user);
  runner.schedule();

  return () =>
    new Promise<void>((resolve) => {
      account.off('trip-ended', onTripEnded);
      runner.stop();
      accountNode.deregister(user, resolve);
    });
}

/** Why a requested poll was not made. */
export type PollSkip = 'budget' | 'cooldown';

export interface RequestedPolling {
  /**
   * Ask for one telematicData poll of `vin`, for `reason`. It is made at once unless the planner's daily budget is
   * spent or the VIN was polled within its cooldown (10 min); then `onSkip` says why and nothing is spent.
   */
  request(vin: string, reason: PollReason): void;
  stop(): Promise<void>;
}

/**
 * Polls only when the node asks (the charging engine's charge-end poll), through the same planner, budget, cooldowns
 * and account as the api-call node's event polling. No stale-vehicle polls and no stream watching: the node spends
 * calls only on the moments it names. Requests are handled one after the other, so a second one sees the first's
 * spending.
 */
export function startRequestedPolling(
  options: PollingOptions & { onSkip(vin: string, reason: PollReason, skip: PollSkip): void },
): RequestedPolling {
  const runner = new PollRunner(options, { staleAfterMs: Number.POSITIVE_INFINITY });
  const planner = runner.planner;
  let queue = Promise.resolve();
  return {
    request(vin, reason) {
      queue = queue.then(async () => {
        planner.requestPoll(vin, reason, runner.clock.now());
        const granted = await runner.check();
        if (granted.some((g) => g.vin === vin)) return;
        // Inside the cooldown the planner drops the request; over the budget it keeps it waiting for the next check.
        const waiting = planner.snapshot().vins[vin]?.pending.some((p) => p.reason === reason) ?? false;
        options.onSkip(vin, reason, waiting ? 'budget' : 'cooldown');
      });
      // A failure (the planner's file not writable, a handler throwing) is said once and must not stop later requests.
      queue = queue.catch((err: unknown) => options.onError(err instanceof Error ? err : new Error(String(err))));
    },
    async stop() {
      await queue;
      runner.stop();
    },
  };
}
