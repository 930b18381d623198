import { expect } from 'chai';
import { ConfigError, loadConfig } from '../../../server/config.ts';

describe('configuration', () => {
  it('starts with defaults on an empty environment (embedded database, queues on PostgreSQL)', () => {
    const c = loadConfig({});
    expect(c.port).to.equal(3000);
    expect(c.databaseUrl).to.equal(undefined);
    expect(c.redisUrl).to.equal(undefined);
    expect(c.seedDemo).to.equal(true);
    expect(c.loginMaxFailures).to.equal(5);
  });

  it('lists every bad variable at once', () => {
    try {
      loadConfig({ PORT: 'abc', DATABASE_URL: 'not a url', LOGIN_MAX_FAILURES: '0', CREDENTIAL_KEY: 'xyz' });
      expect.fail('should have thrown');
    } catch (e) {
      expect(e).to.be.instanceOf(ConfigError);
      const problems = (e as ConfigError).problems.join('\n');
      for (const v of ['PORT', 'DATABASE_URL', 'LOGIN_MAX_FAILURES', 'CREDENTIAL_KEY']) expect(problems).to.contain(v);
    }
  });

  it('refuses production without its secrets and never seeds demo data there', () => {
    expect(() => loadConfig({ NODE_ENV: 'production' })).to.throw(ConfigError, /SESSION_SECRET[\s\S]*CREDENTIAL_KEY[\s\S]*DATABASE_URL/);
    const c = loadConfig({
      NODE_ENV: 'production',
      SESSION_SECRET: 'x'.repeat(40),
      CREDENTIAL_KEY: 'ab'.repeat(32),
      DATABASE_URL: 'postgres://u@db/vanthu',
      SEED_DEMO: 'true',
    });
    expect(c.seedDemo).to.equal(false);
    expect(c.cookieSecure).to.equal(true);
  });

  it('treats empty strings as unset, as .env files write them', () => {
    expect(loadConfig({ REDIS_URL: '', DATABASE_URL: '' }).redisUrl).to.equal(undefined);
  });
});
