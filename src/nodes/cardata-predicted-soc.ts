import type { Node, NodeAPI, NodeDef, NodeStatus } from 'node-red';
import type { ApiResult } from '../cardata/api-client';
import { readingsFromTelematicData } from '../cardata/normalise';
import { redact } from '../cardata/secrets';
import type { Powertrain } from '../vehicle/charging';
import type { VehicleOptions, VehicleOutput } from '../vehicle/engine-slot';
import { PREDICTED_SOC_SUFFIX } from './lib/engine-store';
import { startRequestedPolling, type PollSkip } from './lib/polling';
import {
  runPredictionNode,
  type PredictionExtension,
  type PredictionNodeConfig,
  type PredictionRuntime,
} from './lib/prediction-node';
import { clockOf } from './lib/runtime-clock';
import type { AccountNode } from './lib/types';

interface PredictedSocDef extends NodeDef, PredictionNodeConfig {
  /** kWh; 0 or empty = what BMW reports. */
  capacity?: number | string;
  powertrain?: 'auto' | Powertrain;
  /** Optional cardata-account config node, for the charge-end poll. */
  account?: string;
  /** Ask the account for one telematicData poll when a charge ends or should have ended (off by default). */
  pollAtChargeEnd?: boolean;
  /** Calls a day this node may spend on those polls. */
  pollBudget?: number | string;
}

/** Events after which the state is written at once: learning changed, or a session opened or closed. */
const SAVE_AFTER = new Set(['charge_started', 'charge_ended', 'learning_updated', 'learning_rejected']);
/** The engine's poll requests this node acts on: a charge that ended, or one that should have (reference §2.11). */
const CHARGE_END_REASONS = new Set(['charge_ended', 'charge_end_check']);
/** Two polls a charge (should have ended, ended) at most, one charge a day or so: a small share of BMW's 50. */
const DEFAULT_POLL_BUDGET = 6;

export = function (RED: NodeAPI): void {
  function CarDataPredictedSocNode(this: Node, config: PredictedSocDef): void {
    RED.nodes.createNode(this, config);
    runPredictionNode(
      RED,
      this,
      config,
      optionsOf(config, (key) => this.warn(RED._(key))),
      {
        type: 'cardata-predicted-soc',
        suffix: PREDICTED_SOC_SUFFIX,
        active: ['charging'],
        sends: 'charging',
        saveAfter: SAVE_AFTER,
        status: (output, prefix) => socStatus(output.payload, output.attributes.charging === true, prefix),
        restoredStatus: (last) => socStatus(last.payload, last.attributes.charging === true),
        attach: config.pollAtChargeEnd ? (runtime) => chargeEndPolling(this, config, runtime) : undefined,
      },
    );
  }

  /**
   * The charge-end poll (off by default): the engine's request goes to the account's budgeted planner, BMW's answer
   * into the engines exactly as an api-call answer wired to the input would, and each request becomes an `api_poll`
   * event saying why and what came of it.
   */
  function chargeEndPolling(
    node: Node,
    config: PredictedSocDef,
    runtime: PredictionRuntime,
  ): PredictionExtension | undefined {
    const accountNode = config.account ? (RED.nodes.getNode(config.account) as AccountNode | null) : null;
    if (!accountNode?.account) {
      node.warn(RED._('cardata-predicted-soc.errors.pollNoAccount'));
      return undefined;
    }
    /** The engine's reason for the poll in flight per VIN, for the `api_poll` event. */
    const askedFor = new Map<string, string>();
    const pollEvent = (vin: string, result: string): VehicleOutput => {
      const quota = accountNode.account?.quota();
      return {
        engine: 'charging',
        kind: 'event',
        vin,
        topic: `${vin}/event`,
        payload: 'api_poll',
        attributes: {
          reason: askedFor.get(vin) ?? 'charge_ended',
          result,
          quota_used: quota?.used ?? null,
          quota_remaining: quota?.remaining ?? null,
        },
      };
    };
    const polling = startRequestedPolling({
      RED,
      node,
      accountNode,
      clock: clockOf(RED),
      budget: pollBudgetOf(config),
      onPoll: (vin, _reason, result: ApiResult) => {
        const answer = runtime.ingest(vin, readingsFromTelematicData(result.data));
        runtime.emit([pollEvent(vin, 'answered'), ...answer]);
        askedFor.delete(vin);
      },
      onSkip: (vin, _reason, skip: PollSkip) => {
        runtime.emit([pollEvent(vin, skip === 'budget' ? 'budget_spent' : 'cooldown')]);
        askedFor.delete(vin);
      },
      onError: (err) => {
        // The quota ledger refusing (BMW's 50 spent), a network error, BMW's error body: said once per poll.
        node.warn(RED._('cardata-predicted-soc.errors.pollFailed', { reason: redact(err.message) }));
      },
    });
    return {
      onRequest(output) {
        const reason = output.attributes.reason;
        if (typeof reason !== 'string' || !CHARGE_END_REASONS.has(reason)) return;
        askedFor.set(output.vin, reason);
        polling.request(output.vin, 'charge_end');
      },
      stop: () => polling.stop(),
    };
  }

  /**
   * The value leads and stays outside the translation (the editor translates only texts that start with a letter,
   * and without parameters); the word after it is translated here.
   */
  function socStatus(payload: VehicleOutput['payload'], charging: boolean, prefix = ''): NodeStatus {
    if (typeof payload !== 'number') return { fill: 'grey', shape: 'ring', text: '' };
    const value = `${prefix}${payload.toFixed(1)} %`;
    return charging
      ? { fill: 'green', shape: 'dot', text: `${value} ${RED._('cardata-predicted-soc.status.charging')}` }
      : { fill: 'blue', shape: 'dot', text: value };
  }

  RED.nodes.registerType('cardata-predicted-soc', CarDataPredictedSocNode);
};

/** The node's manual options; a bad capacity (the editor prevents one) falls back to automatic with a warning. */
function optionsOf(config: PredictedSocDef, warn: (key: string) => void): VehicleOptions {
  const capacity = config.capacity === undefined || config.capacity === '' ? 0 : Number(config.capacity);
  const valid = Number.isFinite(capacity) && capacity >= 0 && capacity <= 250;
  if (!valid) warn('cardata-predicted-soc.errors.capacity');
  return {
    capacityKwh: valid && capacity > 0 ? capacity : null,
    powertrain: config.powertrain === 'BEV' || config.powertrain === 'PHEV' ? config.powertrain : null,
  };
}

function pollBudgetOf(config: PredictedSocDef): number {
  const budget = Number(config.pollBudget);
  return Number.isFinite(budget) && budget >= 1 ? Math.min(Math.floor(budget), 45) : DEFAULT_POLL_BUDGET;
}
