import { join } from 'node:path';
import type { Node, NodeAPI, NodeDef, NodeMessage, NodeMessageInFlow, NodeStatus } from 'node-red';
import type { ApiResult } from '../cardata/api-client';
import { readingsFromTelematicData } from '../cardata/normalise';
import { redact } from '../cardata/secrets';
import type { Powertrain } from '../vehicle/charging';
import type { VehicleOptions, VehicleOutput } from '../vehicle/engine-slot';
import type { Reading } from '../vehicle/readings';
import { VehicleEngines } from '../vehicle/vehicle-engines';
import { DescriptorBatch } from './lib/descriptor-batch';
import { EngineStore, PREDICTED_SOC_SUFFIX, stateFileName } from './lib/engine-store';
import { HEARTBEAT_MS, Heartbeat } from './lib/heartbeat';
import { learningRegistry, type LearningOwner } from './lib/learning-registry';
import { stateDirOf } from './lib/login-routes';
import { metricMessage, toHomeAssistant, type CarDataMessage } from './lib/messages';
import { startRequestedPolling, type PollSkip, type RequestedPolling } from './lib/polling';
import { clockOf } from './lib/runtime-clock';
import type { AccountNode } from './lib/types';
import { InputError, parseVehicleInput, type VehicleInput } from './lib/vehicle-input';

interface PredictedSocDef extends NodeDef {
  vin?: string;
  /** kWh; 0 or empty = what BMW reports. */
  capacity?: number | string;
  powertrain?: 'auto' | Powertrain;
  output?: 'contract' | 'homeassistant';
  /** Optional cardata-account config node, for the charge-end poll. */
  account?: string;
  /** Ask the account for one telematicData poll when a charge ends or should have ended (off by default). */
  pollAtChargeEnd?: boolean;
  /** Calls a day this node may spend on those polls. */
  pollBudget?: number | string;
}

type Send = (msg: NodeMessage | (NodeMessage | NodeMessage[] | null)[]) => void;
type Done = (err?: Error) => void;

/** Events after which the state is written at once: learning changed, or a session opened or closed. */
const SAVE_AFTER = new Set(['charge_started', 'charge_ended', 'learning_updated', 'learning_rejected']);
/**
 * Otherwise the state (the running session's energy, BMW's latest values) is written at most this often, so a crash
 * costs at most this much counted energy while a clean stop costs nothing; an SD card is not written every 30 s.
 */
const SAVE_EVERY_MS = 5 * 60_000;

const STATUS = 'node-red-contrib-bmw-cardata/cardata-predicted-soc:cardata-predicted-soc.status';

/** The engine's poll requests this node acts on: a charge that ended, or one that should have (reference §2.11). */
const CHARGE_END_REASONS = new Set(['charge_ended', 'charge_end_check']);
/** Two polls a charge (should have ended, ended) at most, one charge a day or so: a small share of BMW's 50. */
const DEFAULT_POLL_BUDGET = 6;

export = function (RED: NodeAPI): void {
  function CarDataPredictedSocNode(this: Node, config: PredictedSocDef): void {
    RED.nodes.createNode(this, config);
    // eslint-disable-next-line @typescript-eslint/no-this-alias -- Node-RED style: the handlers name the node
    const node = this;
    const clock = clockOf(RED);
    const vinFilter = (config.vin ?? '').trim().toUpperCase();
    const format = config.output === 'homeassistant' ? 'homeassistant' : 'contract';
    const stateDir = stateDirOf(RED);
    const store = new EngineStore(join(stateDir, stateFileName(persistenceKey(node), PREDICTED_SOC_SUFFIX)));

    const loaded = store.load();
    if (loaded.problem) {
      node.warn(
        RED._('cardata-predicted-soc.errors.stateUnreadable', {
          reason: loaded.problem,
          file: loaded.movedTo ?? store.path,
        }),
      );
    }
    const engines = new VehicleEngines(
      optionsOf(config, (key) => node.warn(RED._(key))),
      loaded.snapshot,
    );
    let savedText = JSON.stringify(engines.snapshot());
    let savedAt = clock.now();
    let saveFailing = false;

    const save = () => {
      const snapshot = engines.snapshot();
      const text = JSON.stringify(snapshot);
      savedAt = clock.now();
      if (text === savedText) return;
      try {
        store.save(snapshot);
        savedText = text;
        saveFailing = false;
      } catch (err) {
        // Once per run of failures: the node keeps predicting from memory and tries again at the next occasion.
        if (!saveFailing) {
          node.error(RED._('cardata-predicted-soc.errors.stateWrite', { reason: (err as Error).message }));
        }
        saveFailing = true;
      }
    };

    const showStatus = (vin: string, soc: number, charging: boolean) => {
      const many = !vinFilter && engines.vins.length > 1;
      node.status(socStatus(soc, charging, many ? `…${vin.slice(-4)} ` : ''));
    };

    let polling: RequestedPolling | undefined;
    /** The engine's reason for the poll in flight per VIN, for the `api_poll` event. */
    const askedFor = new Map<string, string>();

    /** Engine outputs → messages of the contract; a charge-end poll request goes to the account when enabled. */
    const emit = (outputs: readonly VehicleOutput[], send: Send) => {
      const now = clock.now();
      const messages: NodeMessage[] = [];
      let persist = false;
      for (const output of outputs) {
        if (vinFilter && output.vin !== vinFilter) continue;
        if (output.kind === 'request') {
          const reason = output.attributes.reason;
          if (polling && typeof reason === 'string' && CHARGE_END_REASONS.has(reason)) {
            askedFor.set(output.vin, reason);
            polling.request(output.vin, 'charge_end');
          }
          continue;
        }
        if (output.kind === 'event' && typeof output.payload === 'string' && SAVE_AFTER.has(output.payload)) {
          persist = true;
        }
        if (output.kind === 'prediction' && typeof output.payload === 'number') {
          showStatus(output.vin, output.payload, output.attributes.charging === true);
        }
        const metric = output.topic.slice(output.vin.length + 1);
        const unit = output.kind === 'prediction' ? '%' : undefined;
        const message = metricMessage(output.vin, metric, output.payload, now, { ...output.attributes }, unit);
        const out: CarDataMessage | undefined = format === 'homeassistant' ? toHomeAssistant(message) : message;
        if (out) messages.push(out);
      }
      if (persist) save();
      if (messages.length > 0) send([messages]);
    };

    const batch = new DescriptorBatch<{ send: Send; done: Done }>((vin, readings: Reading[], items) => {
      try {
        emit(engines.ingest(vin, readings, clock.now()), items[0].send);
        for (const item of items) item.done();
      } catch (err) {
        for (const item of items) item.done(err as Error);
      }
    });

    const accountNode = config.account ? (RED.nodes.getNode(config.account) as AccountNode | null) : null;
    /** One `<VIN>/event` `api_poll` message: why the poll was asked for and what came of it. */
    const pollEvent = (vin: string, result: string): VehicleOutput => {
      const quota = accountNode?.account?.quota();
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
    if (config.pollAtChargeEnd) {
      if (accountNode?.account) {
        polling = startRequestedPolling({
          RED,
          node,
          accountNode,
          clock,
          budget: pollBudgetOf(config),
          onPoll: (vin, _reason, result: ApiResult) => {
            batch.flush();
            // BMW's answer goes into the engines exactly as an api-call answer wired to the input would.
            const answer = engines.ingest(vin, readingsFromTelematicData(result.data), clock.now());
            emit([pollEvent(vin, 'answered'), ...answer], (msg) => node.send(msg));
            askedFor.delete(vin);
          },
          onSkip: (vin, _reason, skip: PollSkip) => {
            emit([pollEvent(vin, skip === 'budget' ? 'budget_spent' : 'cooldown')], (msg) => node.send(msg));
            askedFor.delete(vin);
          },
          onError: (err) => {
            // The quota ledger refusing (BMW's 50 spent), a network error, BMW's error body: said once per poll.
            node.warn(RED._('cardata-predicted-soc.errors.pollFailed', { reason: redact(err.message) }));
          },
        });
      } else {
        node.warn(RED._('cardata-predicted-soc.errors.pollNoAccount'));
      }
    }

    const handle = (input: Exclude<VehicleInput, { kind: 'ignore' | 'descriptor' }>, send: Send) => {
      const now = clock.now();
      switch (input.kind) {
        case 'message':
          return emit(engines.ingest(input.vin, input.readings, now), send);
        case 'meter':
          return emit(engines.meter(input.vin, input.powerKw, input.auxKw, now), send);
        case 'evaluate':
          return emit(
            engines.evaluate(now).filter((output) => input.vin === null || output.vin === input.vin),
            send,
          );
      }
    };

    node.on('input', (msg: NodeMessageInFlow, send: Send, done: Done) => {
      let input: VehicleInput;
      try {
        input = parseVehicleInput(msg);
      } catch (err) {
        if (!(err instanceof InputError)) return done(err as Error);
        return done(new Error(RED._(`cardata-predicted-soc.errors.${err.key}`, err.params)));
      }
      if (input.kind === 'ignore') return done();
      if (vinFilter && input.vin !== null && input.vin !== vinFilter) return done();
      if (input.kind === 'descriptor') return batch.add(input.group, input.vin, input.readings, { send, done });
      // Whatever came before this message is handled before it.
      batch.flush();
      try {
        handle(input, send);
        done();
      } catch (err) {
        done(err as Error);
      }
    });

    const heartbeat = new Heartbeat(clock, HEARTBEAT_MS, (now) => {
      batch.flush();
      try {
        emit(engines.tick(now), (msg) => node.send(msg));
        if (now - savedAt >= SAVE_EVERY_MS) save();
      } catch (err) {
        node.error(err);
      }
    });

    const owner: LearningOwner = {
      stateFile: store.path,
      resetLearning(vin, what) {
        batch.flush();
        const reset = engines.reset(vin, what);
        if (reset) save();
        return reset;
      },
    };
    learningRegistry.register(owner);

    node.status(initialStatus());

    node.on('close', (removed: boolean, done: () => void) => {
      heartbeat.stop();
      learningRegistry.deregister(owner);
      // A poll in flight finishes first, so its answer is in the saved state.
      void (polling?.stop() ?? Promise.resolve()).finally(() => closeDown(removed, done));
    });

    function closeDown(removed: boolean, done: () => void): void {
      batch.flush();
      // Disabling a flow closes its nodes as "removed" too; only a node gone from the flows loses its learning.
      if (removed && !inFlows(node)) {
        try {
          store.remove();
        } catch (err) {
          node.warn((err as Error).message);
        }
      } else {
        save();
      }
      done();
    }

    /** After a restart, the value last sent (from the saved state) rather than "no data". */
    function initialStatus(): NodeStatus {
      const snapshot = engines.snapshot();
      for (const vin of engines.vins.filter((v) => !vinFilter || v === vinFilter).reverse()) {
        const last = snapshot.vehicles[vin]?.sent.charging;
        if (last && typeof last.payload === 'number') return socStatus(last.payload, last.attributes.charging === true);
      }
      return { fill: 'grey', shape: 'ring', text: `${STATUS}.noData` };
    }
  }

  /**
   * The value leads and stays outside the translation (the editor translates only texts that start with a letter,
   * and without parameters); the word after it is translated here.
   */
  function socStatus(soc: number, charging: boolean, prefix = ''): NodeStatus {
    const value = `${prefix}${soc.toFixed(1)} %`;
    return charging
      ? { fill: 'green', shape: 'dot', text: `${value} ${RED._('cardata-predicted-soc.status.charging')}` }
      : { fill: 'blue', shape: 'dot', text: value };
  }

  /**
   * Inside a subflow, a node gets a new id at every start; its template id (`_alias`) and the subflow instance (`z`)
   * stay, so together they find the same file again.
   */
  function persistenceKey(node: Node): string {
    const alias = (node as Node & { _alias?: string })._alias;
    return alias ? `${node.z}-${alias}` : node.id;
  }

  function inFlows(node: Node): boolean {
    const id = (node as Node & { _alias?: string })._alias ?? node.id;
    let found = false;
    try {
      RED.nodes.eachNode((n) => {
        if (n.id === id) found = true;
      });
    } catch {
      return true; // cannot tell: keeping a file is better than losing learning
    }
    return found;
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
