'use strict';
// Builds src/cardata/data/descriptor-catalogue.json, the descriptor catalogue the package ships (lookup, search, the
// vehicle-stream editor's pick list), from the reference descriptors.csv. The JSON is committed: the build copies it
// and never runs this script. Run it again only when descriptors.csv changes:
//   node scripts/gen-descriptor-catalogue.js <path/to/descriptors.csv>
// The output is formatted with the project's Prettier settings when Prettier is installed, so `prettier --check`
// passes on a regenerated file without a manual step.
const fs = require('node:fs');
const path = require('node:path');
const { parseCsv } = require('./lib/csv');

const csvPath = process.argv[2];
if (!csvPath) {
  process.stderr.write('usage: node scripts/gen-descriptor-catalogue.js <descriptors.csv>\n');
  process.exit(2);
}
const root = path.join(__dirname, '..');
const out = path.join(root, 'src', 'cardata', 'data', 'descriptor-catalogue.json');

// Must match normaliseUnit in src/cardata/normalise.ts (a unit test holds every catalogue unit to it): the catalogue
// mixes `percent` and `%`, and lists the odometer's unit as the literal text "null".
const UNIT_ALIASES = new Map([
  ['percent', '%'],
  ['miles', 'mi'],
  ['mile', 'mi'],
  ['kilometers', 'km'],
  ['kilometres', 'km'],
  ['kilometer', 'km'],
  ['kilometre', 'km'],
]);
function normaliseUnit(unit) {
  const trimmed = (unit || '').trim();
  if (trimmed === '' || trimmed.toLowerCase() === 'null') return null;
  return UNIT_ALIASES.get(trimmed.toLowerCase()) || trimmed;
}

// One enum member: upper-case codes (`CHARGINGACTIVE`, `1-PHASES`, `OPEN_TILT`), camel-case words (`doorsOnly`) or
// the `-NA-` sentinel. A member needs a letter, so number ranges (`0 - 59`) are not enums.
const MEMBER = /^(?=.*[A-Za-z])[A-Za-z0-9_]+(?:-[A-Za-z0-9_]+)*$|^-NA-$/;
// Boolean keys list these; the stream normalises them to true/false/null, so listing them helps nobody.
const BOOLEAN_WORDS = new Set(['true', 'false', 'asn_istrue', 'asn_isfalse', 'asn_isunknown', 'invalid', '-na-']);

/**
 * The catalogue's "typical value range" as a list of enum values, or undefined when it is not one. Lists are
 * comma- (sometimes semicolon-) separated; a few are separated by spaces only (`standby heating cooling ...`), which
 * counts only with three or more members so that prose like `PNG file` stays prose.
 */
function enumValues(range) {
  const text = (range || '').trim();
  if (!text) return undefined;
  let members = text.split(/[,;]/).map((m) => m.trim());
  if (members.length < 2) {
    members = text.split(/\s+/);
    if (members.length < 3) return undefined;
  }
  if (!members.every((m) => MEMBER.test(m))) return undefined;
  if (members.every((m) => BOOLEAN_WORDS.has(m.toLowerCase()))) return undefined;
  return [...new Set(members)];
}

// Known catalogue copy errors (cardata-protocol.md §7.4) and keys BMW sends without a unit (§7.2). The simulator
// reproduces BMW's catalogue as it is; this one is for people choosing descriptors, so it says what the car sends.
const OVERRIDES = {
  'vehicle.drivetrain.electricEngine.charging.status': {
    enum: ['NOCHARGING', 'INITIALIZATION', 'CHARGINGACTIVE', 'CHARGINGPAUSED', 'CHARGINGENDED', 'CHARGINGERROR'],
    note: 'values from the description: the catalogue range column lists another key’s values',
  },
  'vehicle.powertrain.electric.battery.stateOfHealth.displayed': {
    unit: '%',
    note: 'BMW sends it without a unit; it is a percentage',
  },
  'vehicle.powertrain.electric.battery.stateOfCharge.displayed': {
    title: 'Displayed state of charge',
    unit: '%',
    note: 'not in BMW’s catalogue; the SOC Neue Klasse cars send instead of batteryManagement.header',
  },
  'vehicle.cabin.door.status': {
    enum: ['LOCKED', 'SELECTIVELOCKED', 'UNLOCKED', 'SECURED'],
    note: 'documented as a compound value; the stream carries one of these strings',
  },
  'vehicle.vehicle.travelledDistance': { note: 'km or mi, as the car is set up; the unit comes with each value' },
};

const [header, ...rows] = parseCsv(fs.readFileSync(csvPath, 'utf8'));
const col = (name) => {
  const index = header.indexOf(name);
  if (index < 0) throw new Error(`descriptors.csv has no column "${name}"`);
  return index;
};
const c = {
  name: col('descriptor'),
  status: col('status'),
  category: col('category'),
  streamable: col('streamable'),
  type: col('data_type'),
  unit: col('unit'),
  range: col('typical_value_range'),
  title: col('name'),
  group: col('portal_group'),
  description: col('description'),
};

const text = (value) => {
  const trimmed = (value || '').replace(/\u200b/g, '').trim();
  return trimmed === '' ? null : trimmed;
};

const descriptors = rows.map((row) => {
  const name = text(row[c.name]);
  const override = OVERRIDES[name] || {};
  const entry = {
    name,
    title: override.title || text(row[c.title]) || name,
    category: text(row[c.category]),
    group: text(row[c.group]),
    streamable: row[c.streamable] === 'true' ? true : row[c.streamable] === 'false' ? false : null,
    type: text(row[c.type]),
    unit: override.unit || normaliseUnit(row[c.unit]),
  };
  const values = override.enum || enumValues(row[c.range]);
  if (values) entry.enum = values;
  entry.range = text(row[c.range]);
  entry.description = text(row[c.description]);
  if (row[c.status] && row[c.status] !== 'catalogue') entry.status = row[c.status];
  if (override.note) entry.note = override.note;
  return entry;
});

const data = { source: path.basename(csvPath), count: descriptors.length, descriptors };

async function format(json) {
  try {
    const prettier = require('prettier');
    const options = (await prettier.resolveConfig(out)) || {};
    return await prettier.format(json, { ...options, filepath: out });
  } catch (err) {
    if (err && err.code === 'MODULE_NOT_FOUND') return json;
    throw err;
  }
}

format(JSON.stringify(data, null, 2) + '\n')
  .then((formatted) => {
    fs.mkdirSync(path.dirname(out), { recursive: true });
    fs.writeFileSync(out, formatted);
    process.stdout.write(`wrote ${data.count} descriptors to ${path.relative(process.cwd(), out)}\n`);
  })
  .catch((err) => {
    process.stderr.write(`${err.stack || err}\n`);
    process.exit(1);
  });
