/**
 * Battery temperature, because it drives the true charging efficiency and the DC power limit. A lumped model:
 * the pack drifts towards the ambient temperature (time constant 6 h), is warmed by its share of the losses and by
 * the heater, and is actively cooled towards 30 °C once above 32 °C (time constant 10 min).
 */
const PASSIVE_TAU_S = 6 * 3600;
const COOLING_TAU_S = 10 * 60;
/** Heat capacity per kWh of pack: about 6 kg of pack per kWh at about 1 kJ/(kg·K). */
const HEAT_CAPACITY_KWH_PER_K_PER_KWH = 0.0017;

export function stepBatteryTemperature(
  tempC: number,
  ambientC: number,
  heatKw: number,
  capacityKwh: number,
  dtS: number,
): number {
  let next = tempC + ((ambientC - tempC) * dtS) / PASSIVE_TAU_S;
  next += (heatKw * dtS) / 3600 / (HEAT_CAPACITY_KWH_PER_K_PER_KWH * capacityKwh);
  if (next > 32) next += ((30 - next) * Math.min(dtS, COOLING_TAU_S)) / COOLING_TAU_S;
  return next;
}
