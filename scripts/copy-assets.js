'use strict';
// Node-RED loads <type>.html beside <type>.js, plus locales/ and icons/ next to them. TypeScript only emits the
// .js, so the editor files, and data files the runtime reads, are copied into dist/ here.
const fs = require('node:fs');
const path = require('node:path');

const root = path.join(__dirname, '..');
const copies = [];

function copyTree(from, to, filter) {
  if (!fs.existsSync(from)) return;
  for (const entry of fs.readdirSync(from, { withFileTypes: true })) {
    const src = path.join(from, entry.name);
    const dst = path.join(to, entry.name);
    if (entry.isDirectory()) copyTree(src, dst, filter);
    else if (filter(src)) {
      fs.mkdirSync(path.dirname(dst), { recursive: true });
      fs.copyFileSync(src, dst);
      copies.push(path.relative(root, dst));
    }
  }
}

const notTs = (f) => !f.endsWith('.ts');
copyTree(path.join(root, 'src'), path.join(root, 'dist'), notTs);
process.stdout.write(`copied ${copies.length} asset file(s) into dist/\n`);
