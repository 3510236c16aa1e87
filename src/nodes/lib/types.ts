import type { Node, NodeStatus } from 'node-red';
import type { CarDataAccount } from '../../cardata/account';

/** A flow node that uses the account's stream: it gets the stream's status and its messages. */
export interface StreamUser {
  status(status: NodeStatus): void;
  onStreamMessage?(message: unknown, receivedAt: number): void;
}

export interface AccountNode extends Node {
  account?: CarDataAccount;
  accountProblem?: string;
  register(user: StreamUser): void;
  deregister(user: StreamUser, done: () => void): void;
  currentStatus(): NodeStatus;
}
