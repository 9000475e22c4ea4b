import type { MochaOptions, Runner } from 'mocha';

const Mocha: typeof import('mocha') = require('mocha');
const { Spec } = Mocha.reporters;
const { EVENT_RUN_END } = Mocha.Runner.constants;

/** Mocha's spec output, then the one summary line CI reads: `mocha: N passed, N failed`. */
class SummaryReporter extends Spec {
  constructor(runner: Runner, options?: MochaOptions) {
    super(runner, options);
    runner.once(EVENT_RUN_END, () => {
      const stats = runner.stats;
      process.stdout.write(`mocha: ${stats?.passes ?? 0} passed, ${stats?.failures ?? 0} failed\n`);
    });
  }
}

module.exports = SummaryReporter;
