import { startTestServices, services } from './services.ts';

/** Mocha root hooks: the real services start once for the whole run and stop at its end. */
export const mochaHooks = {
  async beforeAll(this: Mocha.Context) {
    this.timeout(300_000);
    await startTestServices();
  },
  async afterAll(this: Mocha.Context) {
    this.timeout(60_000);
    await services().stop();
  },
};
