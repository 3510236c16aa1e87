'use strict';
// Mocha's spec output plus the plain closing line CI reads: "N passed, N failed[, N skipped]".
const Mocha = require('mocha');
const { EVENT_RUN_END } = Mocha.Runner.constants;

class SpecWithSummary extends Mocha.reporters.Spec {
  constructor(runner, options) {
    super(runner, options); // Spec registers its epilogue first, so this line prints last
    runner.once(EVENT_RUN_END, () => {
      const s = this.stats;
      let line = `${s.passes} passed, ${s.failures} failed`;
      if (s.pending) line += `, ${s.pending} skipped`;
      process.stdout.write(line + '\n');
    });
  }
}
module.exports = SpecWithSummary;
