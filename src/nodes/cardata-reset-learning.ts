import type { Node, NodeAPI, NodeDef, NodeMessageInFlow } from 'node-red';
import { VIN_PATTERN } from '../cardata/wire';
import type { ResetTarget } from '../vehicle/engine-slot';
import { LEARNING_SUFFIXES, resetStoredLearning } from './lib/engine-store';
import { learningRegistry } from './lib/learning-registry';
import { stateDirOf } from './lib/login-routes';
import { metricMessage } from './lib/messages';
import { clockOf } from './lib/runtime-clock';

interface ResetLearningDef extends NodeDef {
  vin?: string;
  what?: ResetTarget;
}

const TARGETS: readonly ResetTarget[] = ['ac', 'dc', 'both', 'consumption'];
const LABELS: Record<ResetTarget, string> = { ac: 'AC', dc: 'DC', both: 'AC+DC', consumption: 'consumption' };

/** What the answer says when nothing was reset. */
type Reason = 'nothing_learned';

export = function (RED: NodeAPI): void {
  function CarDataResetLearningNode(this: Node, config: ResetLearningDef): void {
    RED.nodes.createNode(this, config);
    // eslint-disable-next-line @typescript-eslint/no-this-alias -- Node-RED style: the handlers name the node
    const node = this;
    const clock = clockOf(RED);
    const stateDir = stateDirOf(RED);

    node.on('input', (msg: NodeMessageInFlow, send, done) => {
      const given = ((config.vin ?? '').trim() || (typeof msg.vin === 'string' ? msg.vin.trim() : '')).toUpperCase();
      if (!given) return done(new Error(RED._('cardata-reset-learning.errors.noVin')));
      if (!VIN_PATTERN.test(given)) {
        return done(new Error(RED._('cardata-reset-learning.errors.badVin', { vin: given.slice(0, 40) })));
      }
      const what = targetOf(msg.payload, config.what);
      if (!what) {
        return done(new Error(RED._('cardata-reset-learning.errors.what', { what: String(msg.payload).slice(0, 40) })));
      }

      let running = 0;
      let stored = 0;
      let reason: Reason | undefined;
      const failures: string[] = [];
      // Charging efficiency lives in predicted-soc and magic-soc nodes (magic SOC is the charging prediction while
      // charging), driving consumption in magic-soc nodes: every learning node is asked.
      const owners = learningRegistry.running(stateDir);
      for (const owner of owners) if (owner.resetLearning(given, what)) running++;
      const skip = new Set(owners.map((o) => o.stateFile));
      for (const suffix of LEARNING_SUFFIXES) {
        try {
          const files = resetStoredLearning(stateDir, suffix, given, what, skip);
          stored += files.reset;
          for (const f of files.failures) failures.push(`${f.file}: ${f.reason}`);
        } catch (err) {
          failures.push((err as Error).message);
        }
      }
      if (running + stored === 0) reason = 'nothing_learned';

      const nodes = running + stored;
      const answer = metricMessage(
        given,
        'reset_learning',
        { vin: given, what, reset: nodes > 0, nodes, ...(reason ? { reason } : {}) },
        clock.now(),
        { running_nodes: running, stored_nodes: stored },
      );
      node.status(
        nodes > 0
          ? {
              fill: 'green',
              shape: 'dot',
              text: RED._('cardata-reset-learning.status.reset', { what: LABELS[what], nodes }),
            }
          : {
              fill: 'grey',
              shape: 'ring',
              text: RED._(`cardata-reset-learning.status.${reason ?? 'nothing_learned'}`),
            },
      );
      send(Object.assign(msg, answer));
      // A state file that could not be rewritten would bring its learning back when its node starts again.
      if (failures.length > 0) {
        return done(new Error(RED._('cardata-reset-learning.errors.files', { failures: failures.join('; ') })));
      }
      done();
    });
  }

  RED.nodes.registerType('cardata-reset-learning', CarDataResetLearningNode);
};

/**
 * msg.payload `ac`, `dc`, `both` or `consumption` chooses; any other payload that is not text (an inject's timestamp,
 * an empty string) leaves the configured choice. Undefined for text that names nothing.
 */
function targetOf(payload: unknown, configured: ResetTarget | undefined): ResetTarget | undefined {
  const fallback = configured && TARGETS.includes(configured) ? configured : 'both';
  if (typeof payload !== 'string' || payload.trim() === '') return fallback;
  const wanted = payload.trim().toLowerCase();
  return TARGETS.find((t) => t === wanted);
}
