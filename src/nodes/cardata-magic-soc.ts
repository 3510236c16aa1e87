import type { Node, NodeAPI, NodeDef, NodeStatus } from 'node-red';
import type { VehicleOptions, VehicleOutput } from '../vehicle/engine-slot';
import { MAGIC_SOC_SUFFIX } from './lib/engine-store';
import { runPredictionNode, type PredictionNodeConfig } from './lib/prediction-node';

interface MagicSocDef extends NodeDef, PredictionNodeConfig {
  /** kWh; 0 or empty = what BMW reports, else the model's. */
  capacity?: number | string;
  /** Model name as BMW's basicData gives it, for the default consumption before anything is learned. */
  model?: string;
}

/** Learning changed, or a trip or a charge began or ended: write the state at once. */
const SAVE_AFTER = new Set([
  'trip_started',
  'trip_ended',
  'charge_started',
  'charge_ended',
  'learning_updated',
  'learning_rejected',
]);

export = function (RED: NodeAPI): void {
  function CarDataMagicSocNode(this: Node, config: MagicSocDef): void {
    RED.nodes.createNode(this, config);
    runPredictionNode(
      RED,
      this,
      config,
      optionsOf(config, (key) => this.warn(RED._(key))),
      {
        type: 'cardata-magic-soc',
        suffix: MAGIC_SOC_SUFFIX,
        // The charging engine runs too: while the car charges, magic SOC is its prediction.
        active: ['charging', 'driving'],
        sends: 'driving',
        saveAfter: SAVE_AFTER,
        status: (output, prefix) => socStatus(output.payload, output.attributes, prefix),
        restoredStatus: (last) => socStatus(last.payload, last.attributes),
      },
    );
  }

  /**
   * The value leads and stays outside the translation (the editor translates only texts that start with a letter);
   * the word after it (driving, the speed bracket, charging) is translated here.
   */
  function socStatus(
    payload: VehicleOutput['payload'],
    attributes: VehicleOutput['attributes'],
    prefix = '',
  ): NodeStatus {
    if (typeof payload !== 'number') return { fill: 'grey', shape: 'ring', text: '' };
    const value = `${prefix}${payload.toFixed(1)} %`;
    const mode = attributes.prediction_mode;
    if (mode === 'driving') {
      const bracket = typeof attributes.speed_bracket === 'string' ? attributes.speed_bracket : 'single_rate';
      const words = `${RED._('cardata-magic-soc.status.driving')} · ${RED._(`cardata-magic-soc.bracket.${bracket}`)}`;
      return { fill: 'green', shape: 'dot', text: `${value} ${words}` };
    }
    if (mode === 'charging') {
      return { fill: 'green', shape: 'ring', text: `${value} ${RED._('cardata-magic-soc.status.charging')}` };
    }
    return { fill: 'blue', shape: 'dot', text: value };
  }

  RED.nodes.registerType('cardata-magic-soc', CarDataMagicSocNode);
};

/** The node's manual options; a bad capacity (the editor prevents one) falls back to automatic with a warning. */
function optionsOf(config: MagicSocDef, warn: (key: string) => void): VehicleOptions {
  const capacity = config.capacity === undefined || config.capacity === '' ? 0 : Number(config.capacity);
  const valid = Number.isFinite(capacity) && capacity >= 0 && capacity <= 250;
  if (!valid) warn('cardata-magic-soc.errors.capacity');
  const model = (config.model ?? '').trim();
  return { capacityKwh: valid && capacity > 0 ? capacity : null, ...(model ? { model } : {}) };
}
