import { join } from 'node:path';
import type { Node, NodeAPI } from 'node-red';
import type { ApiResult } from '../../cardata/api-client';
import { readJsonFile, writeFileAtomic } from '../../cardata/atomic-file';
import { DEFAULT_CONTAINER_DESCRIPTORS } from '../../cardata/default-container';
import { readingsFromStream } from '../../cardata/normalise';
import type { StreamMessage } from '../../cardata/wire';
import { PollPlanner, type PollPlannerState, type PollReason } from '../../vehicle/polling/poll-planner';
import { stateDirOf } from './login-routes';
import type { AccountNode, StreamUser } from './types';

export interface PollingOptions {
  RED: NodeAPI;
  node: Node;
  accountNode: AccountNode;
  budget: number;
  vin?: string;
  onPoll(vin: string, reason: PollReason, result: ApiResult): void;
  onError(err: Error): void;
}

/** At most this long between looks at the planner, so a stale vehicle is noticed without a timer per vehicle. */
const CHECK_EVERY_MS = 60_000;

/**
 * Runs a PollPlanner for a node: it watches the account's stream (as a stream user), asks the planner when a poll is
 * due, makes the call through the account (its container, its quota ledger), and keeps the planner's state on disk.
 * Returns a stop function for the node's close handler.
 */
export function startPolling(options: PollingOptions): () => Promise<void> {
  const { RED, node, accountNode, vin } = options;
  const account = accountNode.account!;
  const file = join(stateDirOf(RED), `${node.id.replace(/[^A-Za-z0-9._-]/g, '_')}.polling.json`);
  let state: PollPlannerState | undefined;
  try {
    state = readJsonFile<PollPlannerState>(file);
  } catch {
    state = undefined; // an unreadable file starts the planner fresh; the quota ledger still guards the budget
  }
  const planner = new PollPlanner({ dailyBudget: options.budget }, state);
  const wanted = (v: string) => !vin || v === vin;
  const now = Date.now();
  if (vin) planner.track(vin, now);
  for (const known of account.knownVehicles())
    if (wanted(known.vin) && known.mappingType === 'PRIMARY') planner.track(known.vin, now);

  let timer: NodeJS.Timeout | undefined;
  let busy = false;
  const save = () => writeFileAtomic(file, JSON.stringify(planner.snapshot()));

  const check = async () => {
    timer = undefined;
    if (busy) return schedule();
    busy = true;
    try {
      for (const request of planner.due(Date.now())) {
        try {
          const result = await account.telematicData(request.vin, [...DEFAULT_CONTAINER_DESCRIPTORS]);
          planner.observe(request.vin, [], Date.now());
          options.onPoll(request.vin, request.reason, result);
        } catch (err) {
          options.onError(err as Error);
        }
      }
      save();
    } finally {
      busy = false;
      schedule();
    }
  };
  const schedule = () => {
    if (timer) clearTimeout(timer);
    const next = planner.nextWakeAt(Date.now()) ?? Date.now() + CHECK_EVERY_MS;
    timer = setTimeout(() => void check(), Math.max(1000, Math.min(CHECK_EVERY_MS, next - Date.now())));
  };

  const user: StreamUser = {
    status: () => undefined, // the node's status shows the quota, not the stream
    onStreamMessage: (raw: unknown, receivedAt: number) => {
      const message = raw as StreamMessage;
      if (!wanted(message.vin)) return;
      planner.observe(message.vin, readingsFromStream(message), receivedAt);
      if (planner.nextWakeAt(receivedAt) !== undefined) schedule();
    },
  };
  accountNode.register(user);
  schedule();

  return () =>
    new Promise<void>((resolve) => {
      if (timer) clearTimeout(timer);
      save();
      accountNode.deregister(user, resolve);
    });
}
