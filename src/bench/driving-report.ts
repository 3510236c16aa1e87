/** The magic-SOC accuracy benchmark's results as a markdown section body (docs/benchmarks.md). */
import { OVERBILLED_KM, type DrivingBenchResult, type DrivingRow, type ErrorSummary } from './driving-accuracy';
import { AFTER_TRIP_MS, TRACCAR_POLL_MS } from './driving-harness';
import { MORNING_SOC } from './driving-scenarios';
import { fixed, markdownTable } from './markdown';

function pair(e: ErrorSummary): string {
  return `${fixed(e.mean, 2)} / ${fixed(e.max, 2)}`;
}

function ratio(value: number): string {
  return `${fixed(value, 2)}×`;
}

function accuracyTable(rows: readonly DrivingRow[]): string {
  return markdownTable(
    [
      { title: 'scenario' },
      { title: 'trips (km)', align: 'right' },
      { title: 'samples', align: 'right' },
      { title: 'magic mean / max', align: 'right' },
      { title: 'magic + Traccar mean / max', align: 'right' },
      { title: 'every 3rd Traccar poll failing: mean / max', align: 'right' },
      { title: 'baseline mean / max', align: 'right' },
      { title: 'baseline ÷ magic', align: 'right' },
      { title: 'baseline ÷ magic + Traccar (3rd poll failing)', align: 'right' },
      { title: '2nd half of trips: magic / + Traccar / baseline mean', align: 'right' },
      { title: `trips billing > ${OVERBILLED_KM} km twice (most km)`, align: 'right' },
    ],
    rows.map((r) => [
      `${r.title} (${r.car})`,
      `${r.trips} (${fixed(r.km, 0)})`,
      String(r.samples),
      pair(r.magic.plain),
      pair(r.magic.traccar),
      pair(r.magic.flaky),
      pair(r.baseline),
      ratio(r.ratio.plain),
      `${ratio(r.ratio.traccar)} (${ratio(r.ratio.flaky)})`,
      [r.learnedHalf.magic.plain, r.learnedHalf.magic.traccar, r.learnedHalf.baseline]
        .map((e) => fixed(e.mean, 2))
        .join(' / '),
      `${r.overbilled.trips} (${fixed(r.overbilled.maxKm, 1)})`,
    ]),
  );
}

function learningTable(result: DrivingBenchResult): string {
  return markdownTable(
    [
      { title: 'scenario' },
      { title: 'trips', align: 'right' },
      { title: 'learned from / rejected', align: 'right' },
      { title: 'in use after (kWh/km)', align: 'right' },
      { title: 'with Traccar', align: 'right' },
      { title: 'true average', align: 'right' },
      { title: 'model default', align: 'right' },
      { title: 'trips started while parked', align: 'right' },
    ],
    result.learning.map((l) => {
      const rejected = Object.entries(l.rejected).sort(([a], [b]) => a.localeCompare(b));
      const total = rejected.reduce((sum, [, n]) => sum + n, 0);
      const reasons = rejected.map(([reason, n]) => `${reason.replace(/_/g, ' ')} ${n}`).join(', ');
      return [
        l.title,
        String(l.trips),
        `${l.learnedTrips} / ${total}${total > 0 ? ` (${reasons})` : ''}`,
        fixed(l.learned.plain, 3),
        fixed(l.learned.traccar, 3),
        fixed(l.trueKwhPerKm, 3),
        fixed(l.defaultKwhPerKm, 3),
        String(l.parkedTripStarts),
      ];
    }),
  );
}

function bracketTable(result: DrivingBenchResult): string {
  const titles = new Map(result.rows.map((r) => [r.scenario, r.title]));
  return markdownTable(
    [
      { title: 'scenario' },
      { title: 'bracket' },
      { title: 'share of km', align: 'right' },
      { title: 'learned kWh/km (trips)', align: 'right' },
      { title: 'true kWh/km', align: 'right' },
    ],
    result.brackets.map((b) => [
      titles.get(b.scenario) ?? b.scenario,
      b.bracket.replace(/_/g, ' '),
      `${fixed(b.kmShare * 100, 0)} %`,
      b.learned === null ? '—' : `${fixed(b.learned, 3)} (${b.learnedTrips})`,
      fixed(b.trueKwhPerKm, 3),
    ]),
  );
}

/** Why a row is where it is; each note only when the run shows what it explains. */
function notes(result: DrivingBenchResult): string[] {
  const out: string[] = [];
  if (result.rows.some((r) => !(r.ratio.plain > 1.2))) {
    out.push(
      "- **Why magic SOC without Traccar cannot do much better than BMW's SOC**: while the car drives, BMW uploads " +
        'position, odometer and SOC together, every 2–3 min (cardata-protocol.md §6.5). Between uploads neither BMW ' +
        'nor the engine learns anything new: the true SOC keeps falling, both stand still, and that lag is most of ' +
        'both errors. Magic SOC only adds the sub-integer part at each upload. With Traccar the engine estimates the ' +
        'kilometres since the last upload from the speed (from 60 km/h, for up to 2 min), which is where the Traccar ' +
        'column gains; in town it estimates nothing, as one speed a minute says little about stop-and-go traffic.',
    );
  }
  if (result.rows.some((r) => r.overbilled.trips > 0)) {
    out.push(
      '- **Distance billed twice**: at some samples the engine had billed more kilometres since its anchor than ' +
        'the car drove since then (the last column, from the engine without Traccar). Each such kilometre puts magic ' +
        "SOC about 0.2 points (i4: 0.18 kWh/km of 80.7 kWh) below BMW's fresh SOC and the truth. The engine counts " +
        'the larger of the odometer and the GPS distance since its anchor; a GPS step that arrives after a ' +
        're-anchor but was driven before it (latitude and longitude come apart, sometimes only one of them) is ' +
        'billed again.',
    );
  }
  const parked = result.learning.reduce((sum, l) => sum + l.parkedTripStarts, 0);
  if (parked > 0) {
    out.push(
      `- **Trips started while parked** (${parked} of ${result.trips} trips): the engine started a trip while the ` +
        'car stood. Until that trip ends (often at the end of the next real one) magic SOC stays in driving mode ' +
        'and the trips it spans are learned as one, or rejected.',
    );
  }
  return out;
}

export function drivingMarkdown(result: DrivingBenchResult): string {
  const out: string[] = [];
  out.push(
    `Each scenario drives one simulated car two trips a day for ${result.size.days} days in virtual time (the ` +
      `simulator's speed traces and physics, where consumption depends on speed, acceleration, stops and aux), ` +
      `with BMW's realistic reporting. Every morning the car stands at ${MORNING_SOC} % (a stand-in for the ` +
      `overnight charge, not measured here). Three engine sets of the magic-soc node watch the same stream: one ` +
      `gets BMW's stream only (**magic**), one also a Traccar speed every ${TRACCAR_POLL_MS / 1000} s while ` +
      `the car drives, the model's true speed at that instant (**magic + Traccar**), and one the same speeds with ` +
      `every third poll failing (no speed: Traccar down, a timeout). Every 30 s of simulated ` +
      `time, from each trip's start until ${AFTER_TRIP_MS / 60_000} min after its end, magic SOC (\`raw\` of ` +
      `\`magic_soc\`, VehicleEngines.evaluate) and the **baseline** (the last SOC BMW streamed) are compared with ` +
      `the vehicle model's true SOC. Errors are absolute, in percentage points of SOC. The node's settings: the ` +
      `car's model and usable capacity.`,
  );
  if (result.size.quick) {
    out.push('', '**Quick run** (`--quick`): fewer and shorter trips; not the published numbers.');
  }
  out.push('', accuracyTable(result.rows));
  out.push('', '### Learned consumption', '');
  out.push(
    `The single rate a trip starting after the last one would use (the month's learned value), against the energy ` +
      `the model drew from the battery per km over all the scenario's trips (aux included). Learning needs a trip ` +
      `of at least 5 km and 2 points of BMW's SOC.`,
  );
  out.push('', learningTable(result));
  out.push('', '### Speed buckets (with Traccar)', '');
  out.push(
    `What the Traccar engine set learned per speed bracket, against the model's energy per km in that speed range ` +
      `(by its true speed, second by second, over all trips). The engine assigns a stretch to the bracket of the ` +
      `last Traccar reading (one a minute), so stretches around a reading taken at a standstill count as traffic jam.`,
  );
  out.push('', bracketTable(result));
  const why = notes(result);
  if (why.length > 0) out.push('', ...why);
  const events = Object.entries(result.events.plain)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([name, n]) => `${name.replace(':', ' ')} ${n}`)
    .join(', ');
  out.push(
    '',
    `${result.trips} trips, ${fixed(result.simulatedHours, 0)} simulated hours; events of the engine set without ` +
      `Traccar: ${events || 'none'}.`,
  );
  if (result.warnings.length > 0) {
    out.push('', `Scenario warnings (a broken scenario): ${result.warnings.join('; ')}`);
  }
  return out.join('\n');
}
