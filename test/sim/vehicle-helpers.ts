import type { StreamMessage } from '../../src/cardata/wire';
import { getProfile } from '../../src/sim/vehicle/profiles';
import type { QuirksOption } from '../../src/sim/vehicle/quirks';
import { expandSteps, parseSteps } from '../../src/sim/vehicle/scenario';
import { SimVehicle } from '../../src/sim/vehicle/sim-vehicle';

export const START = Date.UTC(2026, 2, 2, 10, 0, 0);
export const VIN = 'WBY00000000000001';

export interface Run {
  vehicle: SimVehicle;
  messages: StreamMessage[];
  warnings: string[];
  /** Advance the car in 1 s steps, collecting what BMW publishes. */
  until(ms: number, each?: (t: number) => void): void;
  now(): number;
}

/** One car on its own, stepped like the fleet does (1 s of simulated time per step), no clock needed. */
export function runVehicle(
  profile: string,
  steps: unknown[],
  options: { seed?: number; startSoc?: number; quirks?: QuirksOption; ambientC?: number } = {},
): Run {
  const vehicle = new SimVehicle({
    vin: VIN,
    gcid: 'aa111192-d570-4d3d-8835-656ee00edcd7',
    profile: getProfile(profile),
    seed: options.seed ?? 42,
    startMs: START,
    startSoc: options.startSoc,
    quirks: options.quirks,
    ambientC: options.ambientC,
  });
  const messages: StreamMessage[] = [];
  const warnings: string[] = [];
  let t = START;
  vehicle.run(expandSteps(parseSteps(steps)), { onWarning: (m) => warnings.push(m) }, START);
  return {
    vehicle,
    messages,
    warnings,
    now: () => t,
    until(ms, each) {
      while (t < ms) {
        t += 1000;
        messages.push(...vehicle.advance(t));
        each?.(t);
      }
    },
  };
}

export const HOUR = 3_600_000;
export const MINUTE = 60_000;

/** Every value a descriptor took on the stream, with message and descriptor timestamps. */
export function values(
  messages: StreamMessage[],
  descriptor: string,
): { value: unknown; at: number; measured: number }[] {
  return messages
    .filter((m) => descriptor in m.data)
    .map((m) => ({
      value: m.data[descriptor].value,
      at: Date.parse(m.timestamp),
      measured: Date.parse(m.data[descriptor].timestamp ?? ''),
    }));
}
