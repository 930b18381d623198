// Mocha root hooks: shared set-up for every tier. Integration and HTTP suites ask for a database
// through test/helpers/database.ts, which migrates one template database and clones it per suite.
export const mochaHooks = {};
