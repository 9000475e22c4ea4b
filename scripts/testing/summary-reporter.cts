import Mocha = require('mocha');

const { Spec } = Mocha.reporters;
const { EVENT_RUN_END } = Mocha.Runner.constants;

/** Mocha's spec output, then the one summary line CI reads: `mocha: N passed, N failed`. */
class SummaryReporter extends Spec {
  constructor(runner: Mocha.Runner, options?: Mocha.MochaOptions) {
    super(runner, options);
    runner.once(EVENT_RUN_END, () => {
      const stats = runner.stats;
      process.stdout.write(`mocha: ${stats?.passes ?? 0} passed, ${stats?.failures ?? 0} failed\n`);
    });
  }
}

export = SummaryReporter;
