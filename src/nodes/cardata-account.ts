import type { Node, NodeAPI, NodeDef, NodeStatus } from 'node-red';
import type { AccountNode, StreamUser } from './lib/types';
import { CarDataAccount } from '../cardata/account';
import { systemClock } from '../cardata/clock';
import { redact, redactVins } from '../cardata/secrets';
import type { StreamHealth } from '../cardata/stream';
import type { StreamRejection } from '../cardata/stream-payload';
import type { TokenState } from '../cardata/token-manager';
import { endpointsOf, type AccountNodeConfig } from './lib/account-config';
import { registerAccountRoutes, stateDirOf } from './lib/login-routes';
import { streamStatus } from './lib/status';

type AccountDef = NodeDef & AccountNodeConfig;

export = function (RED: NodeAPI): void {
  registerAccountRoutes(RED);

  function CarDataAccountNode(this: AccountNode, config: AccountDef): void {
    RED.nodes.createNode(this, config);
    // eslint-disable-next-line @typescript-eslint/no-this-alias -- Node-RED style: the handlers name the node
    const node = this;
    const users = new Set<StreamUser>();
    const text = (s: string) => (config.redactVins ? redactVins(redact(s)) : redact(s));
    const verbose = (s: string) => config.verbose && node.log(text(s));
    let status: NodeStatus = streamStatus('idle');
    const rejectedKinds = new Set<string>();

    const push = (next: NodeStatus) => {
      status = next;
      for (const user of users) user.status(status);
    };

    node.register = (user) => {
      users.add(user);
      user.status(status);
      node.account?.useStream(user);
    };
    node.deregister = (user, done) => {
      users.delete(user);
      if (!node.account) return done();
      node.account.releaseStream(user).then(done, done);
    };
    node.currentStatus = () => status;

    try {
      const endpoints = endpointsOf(config, RED.settings.userDir ?? process.cwd());
      node.account = new CarDataAccount({
        id: node.id,
        clientId: String(config.clientId ?? '').trim(),
        ...endpoints,
        stateDir: stateDirOf(RED),
        clock: systemClock,
      });
    } catch (err) {
      node.accountProblem = (err as Error).message;
      node.error(RED._('cardata-account.errors.config', { reason: node.accountProblem }));
      push({
        fill: 'red',
        shape: 'ring',
        text: 'node-red-contrib-bmw-cardata/cardata-account:cardata-account.status.badConfig',
      });
      node.on('close', (_removed: boolean, done: () => void) => done());
      return;
    }
    const account = node.account;

    account.on('health', (health: StreamHealth, reason?: string) => {
      push(streamStatus(health));
      if (health === 'failed') node.warn(RED._('cardata-account.errors.streamFailed', { reason: text(reason ?? '') }));
      else verbose(`stream ${health}${reason ? `: ${reason}` : ''}`);
    });
    account.on('tokens-state', (state: TokenState, reason?: string) => {
      if (state === 'login_required') {
        // Once per refusal: the token manager does not retry a refused refresh token, so this cannot storm.
        node.error(RED._('cardata-account.errors.loginRequired', { reason: text(reason ?? '') }));
        push(streamStatus('login_required'));
      } else {
        verbose(`tokens ${state}${reason ? `: ${reason}` : ''}`);
      }
    });
    account.on('message', (message: unknown, receivedAt: number) => {
      for (const user of users) user.onStreamMessage?.(message, receivedAt);
    });
    account.on('rejected', (rejection: StreamRejection) => {
      // Logged once per kind of problem; the stream's counters keep the totals.
      if (rejectedKinds.has(rejection.reason)) return;
      rejectedKinds.add(rejection.reason);
      node.warn(RED._('cardata-account.errors.rejected', { reason: rejection.reason, detail: text(rejection.detail) }));
    });

    const problem = account.start();
    if (problem) node.warn(RED._('cardata-account.errors.tokenFile', { reason: problem }));
    if (!account.loggedIn) push(streamStatus('login_required'));

    node.on('close', (removed: boolean, done: () => void) => {
      users.clear();
      account.close(removed).then(done, (err: Error) => {
        node.error(text(err.message));
        done();
      });
    });
  }

  RED.nodes.registerType('cardata-account', CarDataAccountNode as unknown as (this: Node, def: NodeDef) => void);
};
