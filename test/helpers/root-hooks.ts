// Mocha root hooks: shared tear-down for every tier.
import { dropTestDatabases } from './database.ts';

export const mochaHooks = {
  async afterAll(this: Mocha.Context) {
    this.timeout(60_000);
    await dropTestDatabases();
  },
};
