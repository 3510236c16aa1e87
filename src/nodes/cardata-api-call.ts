import type { Node, NodeAPI, NodeDef, NodeMessage, NodeMessageInFlow } from 'node-red';
import type { ApiParams, ApiResult } from '../cardata/api-client';
import { DEFAULT_CONTAINER_DESCRIPTORS } from '../cardata/default-container';
import { readingsFromTelematicData } from '../cardata/normalise';
import { isOperationId, type OperationId } from '../cardata/operations';
import { redact } from '../cardata/secrets';
import { deletedFromFlows } from './lib/flows';
import { readingMessage } from './lib/messages';
import { forgetPollingState, startPolling } from './lib/polling';
import type { AccountNode } from './lib/types';

interface ApiCallDef extends NodeDef {
  account: string;
  operation?: string;
  vin?: string;
  /** Event-driven polling of telematic data (trip end, charge end, missing phase count, stale vehicle). */
  poll?: boolean;
  pollBudget?: number | string;
}

type ApiCallMessage = NodeMessageInFlow & {
  operation?: unknown;
  vin?: unknown;
  containerId?: unknown;
  descriptors?: unknown;
  from?: unknown;
  to?: unknown;
  nextToken?: unknown;
};

const NS = 'node-red-contrib-bmw-cardata/cardata-api-call:cardata-api-call.status';

export = function (RED: NodeAPI): void {
  function CarDataApiCallNode(this: Node, config: ApiCallDef): void {
    RED.nodes.createNode(this, config);
    // eslint-disable-next-line @typescript-eslint/no-this-alias -- Node-RED style: the handlers name the node
    const node = this;
    const accountNode = RED.nodes.getNode(config.account) as AccountNode | null;

    const showQuota = () => {
      const quota = accountNode?.account?.quota();
      if (quota) {
        node.status({
          fill: quota.remaining > 0 ? 'green' : 'red',
          shape: 'dot',
          text: `${quota.used}/${quota.limit}`,
        });
      }
    };
    showQuota();

    node.on('input', (raw, send, done) => {
      const msg = raw as ApiCallMessage;
      const account = accountNode?.account;
      if (!account) return done(new Error(RED._('cardata-api-call.errors.noAccount')));
      const operation = config.operation || msg.operation;
      if (!isOperationId(operation)) {
        return done(
          new Error(
            RED._('cardata-api-call.errors.operation', { operation: typeof operation === 'string' ? operation : '' }),
          ),
        );
      }
      const vin = typeof msg.vin === 'string' && msg.vin ? msg.vin : (config.vin ?? '').trim();
      const params = paramsFrom(msg, vin);
      call(operation, vin, params, msg)
        .then((result) => {
          const answer = {
            ...msg,
            payload: result.data,
            operation,
            vin: vin || undefined,
            status: result.status,
            contentType: result.contentType,
            quota: result.quota,
          };
          const perDescriptor =
            operation === 'getTelematicData'
              ? readingsFromTelematicData(result.data).map((reading) => readingMessage(vin, reading, Date.now(), 'api'))
              : [];
          send([
            answer as NodeMessage,
            perDescriptor.length ? (perDescriptor as unknown as NodeMessage[]) : null,
          ] as never);
          showQuota();
          done();
        })
        .catch((err: Error) => {
          (msg as Record<string, unknown>).quota = account.quota();
          showQuota();
          node.status({ fill: 'red', shape: 'ring', text: `${NS}.failed` });
          done(new Error(redact(err.message)));
        });
    });

    let stopPolling: (() => Promise<void>) | undefined;
    if (config.poll && accountNode?.account) {
      stopPolling = startPolling({
        RED,
        node,
        accountNode,
        budget: Number(config.pollBudget) || 24,
        vin: (config.vin ?? '').trim() || undefined,
        onPoll: (vin, reason, result) => {
          const perDescriptor = readingsFromTelematicData(result.data).map((reading) =>
            readingMessage(vin, reading, Date.now(), 'api'),
          );
          node.send([
            {
              payload: result.data,
              operation: 'getTelematicData',
              vin,
              pollReason: reason,
              status: result.status,
              quota: result.quota,
            } as NodeMessage,
            perDescriptor.length ? (perDescriptor as unknown as NodeMessage[]) : null,
          ] as never);
          showQuota();
        },
        onError: (err) => {
          node.status({ fill: 'red', shape: 'ring', text: `${NS}.failed` });
          node.warn(redact(err.message));
        },
      });
    }
    node.on('close', (removed: boolean, done: () => void) => {
      void (stopPolling?.() ?? Promise.resolve())
        .then(() => {
          // Deleted from the flows: no planner state left behind, also when polling was switched off before.
          if (deletedFromFlows(RED, node, removed)) forgetPollingState(RED, node);
        })
        .then(done, done);
    });

    function call(operation: OperationId, vin: string, params: ApiParams, msg: ApiCallMessage): Promise<ApiResult> {
      const account = accountNode!.account!;
      // telematicData without a container: the account's own, created once and recreated if BMW lost it.
      if (operation === 'getTelematicData' && !params.containerId) {
        const descriptors = Array.isArray(msg.descriptors)
          ? msg.descriptors.map(String)
          : [...DEFAULT_CONTAINER_DESCRIPTORS];
        return account.telematicData(vin, descriptors);
      }
      return account.call(operation, params);
    }
  }

  RED.nodes.registerType('cardata-api-call', CarDataApiCallNode as unknown as (this: Node, def: NodeDef) => void);
};

/** Parameters come from the message: msg.containerId, msg.from/to/nextToken (or the same keys in msg.payload). */
function paramsFrom(msg: ApiCallMessage, vin: string): ApiParams {
  const payload = (typeof msg.payload === 'object' && msg.payload !== null ? msg.payload : {}) as Record<
    string,
    unknown
  >;
  const pick = (key: 'containerId' | 'from' | 'to' | 'nextToken') => {
    const value = msg[key] ?? payload[key];
    return typeof value === 'string' && value ? value : undefined;
  };
  return {
    vin: vin || undefined,
    containerId: pick('containerId'),
    query: { from: pick('from'), to: pick('to'), nextToken: pick('nextToken') },
    body: msg.payload,
  };
}
