import type { RestDescriptorValue, StreamDescriptorValue, TelematicDataResponse } from '../../cardata/wire';
import type { SimContainer } from '../containers';
import type { DescriptorCatalogue } from './descriptor-catalogue';

/** BMW's REST snapshot sends the odometer without a unit, whatever the car reports (§4.3.4, §4.6). */
const UNITLESS_ON_REST = new Set(['vehicle.vehicle.travelledDistance']);

/**
 * The answer of `getTelematicData` for one container: every descriptor of the container, stringified as BMW does,
 * with null entries for keys the car never reported, minus BASIC_DATA and dedicated-endpoint keys.
 */
export function telematicData(
  container: SimContainer,
  reported: ReadonlyMap<string, StreamDescriptorValue>,
  catalogue: DescriptorCatalogue,
): TelematicDataResponse {
  const data: Record<string, RestDescriptorValue> = {};
  for (const descriptor of container.technicalDescriptors) {
    if (catalogue.omittedFromTelematicData(descriptor)) continue;
    const value = reported.get(descriptor);
    data[descriptor] = {
      value: restValue(value?.value),
      unit: UNITLESS_ON_REST.has(descriptor) ? null : (value?.unit ?? null),
      timestamp: restTimestamp(value?.timestamp),
    };
  }
  return { telematicData: data };
}

/** REST carries every value as a string ("9.498705", "true"), where the stream has native JSON types. */
export function restValue(value: unknown): string | null {
  if (value === null || value === undefined) return null;
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint') return String(value);
  return JSON.stringify(value);
}

/** BMW's REST timestamps are whole seconds with `.000Z`. Unparseable text is passed on as it came. */
export function restTimestamp(timestamp: string | null | undefined): string | null {
  if (!timestamp) return null;
  const ms = Date.parse(timestamp);
  return Number.isNaN(ms) ? timestamp : new Date(Math.floor(ms / 1000) * 1000).toISOString();
}
