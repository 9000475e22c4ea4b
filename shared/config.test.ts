import { expect } from 'chai';
import { ConfigError, loadConfig } from './config.ts';

const base = { DATABASE_URL: 'postgres://u:p@localhost:5432/db' };

describe('loadConfig', () => {
  it('builds the database URL from the seed-style DB_* variables when DATABASE_URL is absent', () => {
    const config = loadConfig({ DB_HOST: 'db.internal', DB_PORT: '6543', DB_USERNAME: 'app', DB_PASSWORD: 'p@ss', DB_NAME: 'bookings' });
    expect(config.database.connectionString).to.equal('postgres://app:p%40ss@db.internal:6543/bookings');
    expect(config.database.ssl).to.equal(false);
  });

  it('turns database TLS on with DB_SSL', () => {
    const config = loadConfig({ ...base, DB_SSL: 'true', DB_SSL_REJECT_UNAUTHORIZED: 'false' });
    expect(config.database.ssl).to.deep.equal({ rejectUnauthorized: false, ca: undefined });
  });

  it('applies the documented defaults', () => {
    const config = loadConfig(base);
    expect(config.ports).to.deep.equal({ commandApi: 3000, queryApi: 3001, indexer: 3002 });
    expect(config.booking).to.include({ holdMinutes: 15, idempotencyTtlHours: 24 });
    expect(config.search).to.include({ horizonDays: 60, cacheTtlSeconds: 30 });
    expect(config.elasticsearch.alias).to.equal('professionals');
  });

  it('reads the outgoing webhook settings: retry schedule in seconds, private URLs off, 10 s timeout by default', () => {
    expect(loadConfig(base).webhooks).to.deep.equal({
      retryScheduleSeconds: [5, 300, 1800, 7200, 18000, 36000, 36000],
      allowPrivateUrls: false,
      timeoutMs: 10000,
    });
    const custom = loadConfig({ ...base, WEBHOOK_RETRY_SCHEDULE: '1, 1,2', WEBHOOKS_ALLOW_PRIVATE_URLS: 'true', WEBHOOK_TIMEOUT_MS: '1500' });
    expect(custom.webhooks).to.deep.equal({ retryScheduleSeconds: [1, 1, 2], allowPrivateUrls: true, timeoutMs: 1500 });
    for (const bad of ['', 'soon', '1,,2', '-5', '1.5', '5;300']) {
      expect(() => loadConfig({ ...base, WEBHOOK_RETRY_SCHEDULE: bad }), bad).to.throw(ConfigError, /WEBHOOK_RETRY_SCHEDULE/);
    }
    expect(() => loadConfig({ ...base, WEBHOOK_TIMEOUT_MS: '60000' })).to.throw(ConfigError, /WEBHOOK_TIMEOUT_MS/);
  });

  it('takes one Elasticsearch URL, or the URLs of several nodes comma separated, and nothing else', () => {
    const three = 'http://127.0.0.1:9200,http://127.0.0.1:9201,https://es3.internal:9200';
    expect(loadConfig({ ...base, ELASTICSEARCH_URL: three }).elasticsearch.url).to.equal(three);
    expect(loadConfig({ ...base, ELASTICSEARCH_URL: 'http://es:9200' }).elasticsearch.url).to.equal('http://es:9200');
    for (const bad of ['es:9200', 'http://a:9200,', 'http://a:9200, http://b:9200', 'ftp://a', 'http://a:9200,,http://b:9200']) {
      expect(() => loadConfig({ ...base, ELASTICSEARCH_URL: bad }), bad).to.throw(ConfigError, /ELASTICSEARCH_URL/);
    }
  });

  it('names the variable and the rule for a bad value', () => {
    expect(() => loadConfig({ ...base, COMMAND_API_PORT: 'abc' })).to.throw(ConfigError, /COMMAND_API_PORT.*must be a number/);
    expect(() => loadConfig({ ...base, HOLD_MINUTES: '0' })).to.throw(ConfigError, /HOLD_MINUTES/);
  });

  it('requires a database in every process', () => {
    expect(() => loadConfig({})).to.throw(ConfigError, /DATABASE_URL/);
  });

  it('requires what each process needs: Stripe, SMTP and an auth key for command-api, Elasticsearch for query-api', () => {
    expect(() => loadConfig(base, 'command-api')).to.throw(ConfigError, /STRIPE_SECRET_KEY[\s\S]*STRIPE_WEBHOOK_SECRET[\s\S]*SMTP_URL/);
    const commandEnv = { ...base, STRIPE_SECRET_KEY: 'sk_test_x', STRIPE_WEBHOOK_SECRET: 'whsec_x', SMTP_URL: 'smtp://localhost:25' };
    expect(() => loadConfig(commandEnv, 'command-api')).to.throw(ConfigError, /AUTH_JWT_SECRET.*AUTH_JWKS_URL/);
    expect(() => loadConfig({ ...commandEnv, AUTH_JWT_SECRET: 'x'.repeat(32) }, 'command-api')).not.to.throw();
    expect(() => loadConfig(base, 'query-api')).to.throw(ConfigError, /ELASTICSEARCH_URL/);
  });

  it('refuses a short JWT secret and a certificate without its key', () => {
    expect(() => loadConfig({ ...base, AUTH_JWT_SECRET: 'short' })).to.throw(ConfigError, /AUTH_JWT_SECRET/);
    expect(() => loadConfig({ ...base, TLS_CERT_FILE: '/tmp/cert.pem' })).to.throw(ConfigError, /TLS_KEY_FILE/);
  });
});
