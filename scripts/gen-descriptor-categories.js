'use strict';
// Builds src/sim/data/descriptor-categories.json from the reference descriptors.csv, so the simulator knows which
// descriptors exist (CU-402 at container creation) and which ones telematicData leaves out (BASIC_DATA and the keys
// BMW serves from dedicated endpoints such as chargingHistory).
// Usage: node scripts/gen-descriptor-categories.js <path/to/descriptors.csv>
const fs = require('node:fs');
const path = require('node:path');
const { parseCsv } = require('./lib/csv');

const csvPath = process.argv[2];
if (!csvPath) {
  process.stderr.write('usage: node scripts/gen-descriptor-categories.js <descriptors.csv>\n');
  process.exit(2);
}
const out = path.join(__dirname, '..', 'src', 'sim', 'data', 'descriptor-categories.json');

const [header, ...rows] = parseCsv(fs.readFileSync(csvPath, 'utf8'));
const col = (name) => {
  const index = header.indexOf(name);
  if (index < 0) throw new Error(`descriptors.csv has no column "${name}"`);
  return index;
};
const [nameCol, categoryCol, rangeCol] = [col('descriptor'), col('category'), col('typical_value_range')];

const descriptors = {};
for (const row of rows) {
  const entry = { category: row[categoryCol] || null };
  // The catalogue points these keys at their own endpoint: "Details are in the corresponding Swagger documentation: ../chargingHistory".
  const endpoint = /Swagger documentation: \.\.\/(\w+)/.exec(row[rangeCol]);
  if (endpoint) entry.endpoint = endpoint[1];
  descriptors[row[nameCol]] = entry;
}

const data = { source: path.basename(csvPath), count: Object.keys(descriptors).length, descriptors };
fs.mkdirSync(path.dirname(out), { recursive: true });
fs.writeFileSync(out, JSON.stringify(data, null, 2) + '\n');
process.stdout.write(`wrote ${data.count} descriptors to ${path.relative(process.cwd(), out)}\n`);
