/**
 * What the prediction nodes (predicted-soc, magic-soc) share: their per-VIN engine set, its state file, the input
 * they accept (DESIGN.md §4), the heartbeat, registration with cardata-reset-learning, and close. Each node says
 * which engine it sends and how its status reads; everything else is the same, so the two behave alike.
 */
import { join } from 'node:path';
import type { Node, NodeAPI, NodeMessage, NodeMessageInFlow, NodeStatus } from 'node-red';
import type { EngineName, VehicleOptions, VehicleOutput } from '../../vehicle/engine-slot';
import type { Reading } from '../../vehicle/readings';
import { VehicleEngines, type SentPrediction } from '../../vehicle/vehicle-engines';
import { DescriptorBatch } from './descriptor-batch';
import { EngineStore, stateFileName } from './engine-store';
import { deletedFromFlows } from './flows';
import { forgetPollingState } from './polling';
import { HEARTBEAT_MS, Heartbeat } from './heartbeat';
import { learningRegistry, type LearningOwner } from './learning-registry';
import { stateDirOf } from './login-routes';
import { metricMessage, toHomeAssistant, type CarDataMessage } from './messages';
import { clockOf } from './runtime-clock';
import { InputError, parseVehicleInput, type VehicleInput } from './vehicle-input';

export type Send = (msg: NodeMessage | (NodeMessage | NodeMessage[] | null)[]) => void;
export type Done = (err?: Error) => void;

export interface PredictionNodeSpec {
  /** The node type: its i18n catalogue and the prefix of its error keys. */
  type: string;
  /** Its state files end in this. */
  suffix: string;
  /** The engines it runs. */
  active: readonly EngineName[];
  /** The engine whose predictions and events it sends. */
  sends: EngineName;
  /** Events after which the state is written at once. */
  saveAfter: ReadonlySet<string>;
  /** The status for a prediction just sent; `prefix` names the VIN when the node serves several. */
  status(output: VehicleOutput, prefix: string): NodeStatus;
  /** The status after a restart, from the last prediction sent before it. */
  restoredStatus(last: SentPrediction): NodeStatus | undefined;
  /** More the node does beside the engines (predicted-soc's charge-end poll); started once the engines run. */
  attach?(runtime: PredictionRuntime): PredictionExtension | undefined;
}

/** What an extension can do with the node's engines. */
export interface PredictionRuntime {
  /** Send outputs as the node sends the engines' own (an event of the extension's). */
  emit(outputs: readonly VehicleOutput[]): void;
  /** A BMW message that did not come through the input (a REST answer the node asked for), into the engines. */
  ingest(vin: string, readings: Reading[]): VehicleOutput[];
}

export interface PredictionExtension {
  /** The engines asked for something that is not a message (a REST poll). */
  onRequest(output: VehicleOutput): void;
  /** The node closes: finish what is in flight (its result belongs in the saved state). */
  stop(): Promise<void>;
}

export interface PredictionNodeConfig {
  vin?: string;
  output?: 'contract' | 'homeassistant';
}

/**
 * Otherwise the state (a running session's energy, BMW's latest values) is written at most this often, so a crash
 * costs at most this much while a clean stop costs nothing; an SD card is not written every 30 s.
 */
const SAVE_EVERY_MS = 5 * 60_000;

/**
 * Inside a subflow, a node gets a new id at every start; its template id (`_alias`) and the subflow instance (`z`)
 * stay, so together they find the same file again.
 */
function persistenceKey(node: Node): string {
  const alias = (node as Node & { _alias?: string })._alias;
  return alias ? `${node.z}-${alias}` : node.id;
}

export function runPredictionNode(
  RED: NodeAPI,
  node: Node,
  config: PredictionNodeConfig,
  options: VehicleOptions,
  spec: PredictionNodeSpec,
): void {
  const clock = clockOf(RED);
  const vinFilter = (config.vin ?? '').trim().toUpperCase();
  const format = config.output === 'homeassistant' ? 'homeassistant' : 'contract';
  const store = new EngineStore(join(stateDirOf(RED), stateFileName(persistenceKey(node), spec.suffix)));

  const loaded = store.load();
  if (loaded.problem) {
    node.warn(
      RED._(`${spec.type}.errors.stateUnreadable`, { reason: loaded.problem, file: loaded.movedTo ?? store.path }),
    );
  }
  const engines = new VehicleEngines(options, loaded.snapshot, spec.active);
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
      if (!saveFailing) node.error(RED._(`${spec.type}.errors.stateWrite`, { reason: (err as Error).message }));
      saveFailing = true;
    }
  };

  /** Set once the engines run (it may use them); emit hands it the engines' requests. */
  const attached: { extension?: PredictionExtension } = {};

  /** Engine outputs → messages of the contract. REST poll requests are not messages: the extension may act on them. */
  const emit = (outputs: readonly VehicleOutput[], send: Send) => {
    const now = clock.now();
    const messages: NodeMessage[] = [];
    let persist = false;
    for (const output of outputs) {
      if (vinFilter && output.vin !== vinFilter) continue;
      // Any engine's learning is saved at once, also one whose messages this node does not send (magic SOC's
      // charging engine).
      if (output.kind === 'event' && typeof output.payload === 'string' && spec.saveAfter.has(output.payload)) {
        persist = true;
      }
      if (output.engine !== spec.sends) continue;
      if (output.kind === 'request') {
        attached.extension?.onRequest(output);
        continue;
      }
      if (output.kind === 'prediction') {
        const many = !vinFilter && engines.vins.length > 1;
        node.status(spec.status(output, many ? `…${output.vin.slice(-4)} ` : ''));
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

  attached.extension = spec.attach?.({
    emit: (outputs) => emit(outputs, (msg) => node.send(msg)),
    ingest: (vin, readings) => {
      batch.flush();
      return engines.ingest(vin, readings, clock.now());
    },
  });

  const handle = (input: Exclude<VehicleInput, { kind: 'ignore' | 'descriptor' }>, send: Send) => {
    const now = clock.now();
    switch (input.kind) {
      case 'message':
        return emit(engines.ingest(input.vin, input.readings, now), send);
      case 'meter':
        return emit(engines.meter(input.vin, input.powerKw, input.auxKw, now), send);
      case 'speed':
        // A reading changes what the next kilometres cost, not the value now: nothing to send yet.
        return engines.speed(input.vin, input.speedKmh, now);
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
      return done(new Error(RED._(`${spec.type}.errors.${err.key}`, err.params)));
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
    const deleted = deletedFromFlows(RED, node, removed);
    void (attached.extension?.stop() ?? Promise.resolve())
      .catch((err: unknown) => node.warn((err as Error).message))
      .finally(() => closeDown(deleted, done));
  });

  function closeDown(deleted: boolean, done: () => void): void {
    batch.flush();
    // A node gone from the flows loses its learning and its poll planner's state; a disabled one keeps them.
    if (deleted) {
      try {
        store.remove();
        forgetPollingState(RED, node);
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
      const last = snapshot.vehicles[vin]?.sent[spec.sends];
      const status = last ? spec.restoredStatus(last) : undefined;
      if (status) return status;
    }
    return {
      fill: 'grey',
      shape: 'ring',
      text: `node-red-contrib-bmw-cardata/${spec.type}:${spec.type}.status.noData`,
    };
  }
}
