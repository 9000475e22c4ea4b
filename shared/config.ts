import Joi from 'joi';

export type TravelMode = 'car' | 'motorbike' | 'bicycle' | 'walking' | 'transit';
export const TRAVEL_MODES: readonly TravelMode[] = ['car', 'motorbike', 'bicycle', 'walking', 'transit'];

export interface DatabaseConfig {
  connectionString: string;
  ssl: false | { rejectUnauthorized: boolean; ca?: string };
  poolMax: number;
}

export interface Config {
  env: 'development' | 'production' | 'test';
  logLevel: string;
  host: string;
  /** Express `trust proxy`: which hops' X-Forwarded-For to believe (client addresses for rate limits). */
  trustProxy: string;
  ports: { commandApi: number; queryApi: number; indexer: number };
  tls?: { certFile: string; keyFile: string };
  database: DatabaseConfig;
  elasticsearch: { url: string; alias: string; requestTimeoutMs: number };
  redisUrl?: string;
  auth: { jwtSecret?: string; jwksUrl?: string; issuer?: string; audience?: string };
  stripe: { secretKey: string; webhookSecret: string; apiUrl?: string; timeoutMs: number };
  mail: { smtpUrl: string; from: string };
  booking: {
    holdMinutes: number;
    idempotencyTtlHours: number;
    holdSweepCron: string;
  };
  search: {
    horizonDays: number;
    cacheTtlSeconds: number;
    speedsKmh: Record<TravelMode, number>;
    rateLimitPerMinute: number;
  };
  commandRateLimitPerMinute: number;
  queue: { schema: string };
  webhooks: {
    /** Seconds to wait before each retry of a failed delivery; one more failure after the last → `failed`. */
    retryScheduleSeconds: number[];
    /** Development only: `http` and private or loopback receivers (never link-local or metadata). */
    allowPrivateUrls: boolean;
    /** A receiver has this long to answer (status and body). */
    timeoutMs: number;
  };
}

const port = Joi.number().integer().min(0).max(65535);

const schema = Joi.object({
  NODE_ENV: Joi.string().valid('development', 'production', 'test').default('development'),
  LOG_LEVEL: Joi.string().valid('fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent').default('info'),
  HOST: Joi.string().default('0.0.0.0'),
  TRUST_PROXY: Joi.string()
    .pattern(/^[a-z0-9.:/, ]+$/i)
    .default('loopback'),
  COMMAND_API_PORT: port.default(3000),
  QUERY_API_PORT: port.default(3001),
  INDEXER_PORT: port.default(3002),
  TLS_CERT_FILE: Joi.string(),
  TLS_KEY_FILE: Joi.string(),

  DATABASE_URL: Joi.string().uri({ scheme: ['postgres', 'postgresql'] }),
  DB_HOST: Joi.string().hostname(),
  DB_PORT: port.default(5432),
  DB_USERNAME: Joi.string(),
  DB_PASSWORD: Joi.string().allow(''),
  DB_NAME: Joi.string().pattern(/^[A-Za-z0-9_-]+$/),
  DB_SSL: Joi.boolean().default(false),
  DB_SSL_REJECT_UNAUTHORIZED: Joi.boolean().default(true),
  DB_SSL_CA_FILE: Joi.string(),
  DB_POOL_MAX: Joi.number().integer().min(1).max(200).default(10),

  // one URL, or the URLs of several nodes of one cluster, comma separated
  ELASTICSEARCH_URL: Joi.string().pattern(/^https?:\/\/[^\s,]+(,https?:\/\/[^\s,]+)*$/, 'URL or comma-separated URLs'),
  ELASTICSEARCH_INDEX_ALIAS: Joi.string()
    .pattern(/^[a-z0-9_-]+$/)
    .default('professionals'),
  ELASTICSEARCH_TIMEOUT_MS: Joi.number().integer().min(100).max(60000).default(1500),
  REDIS_URL: Joi.string().uri({ scheme: ['redis', 'rediss'] }),

  AUTH_JWT_SECRET: Joi.string().min(32),
  AUTH_JWKS_URL: Joi.string().uri({ scheme: ['http', 'https'] }),
  AUTH_ISSUER: Joi.string(),
  AUTH_AUDIENCE: Joi.string(),

  STRIPE_SECRET_KEY: Joi.string().pattern(/^(sk|rk)_(test|live)_[A-Za-z0-9_]+$/),
  STRIPE_WEBHOOK_SECRET: Joi.string().pattern(/^whsec_[A-Za-z0-9_]+$/),
  STRIPE_API_URL: Joi.string().uri({ scheme: ['http', 'https'] }),
  STRIPE_TIMEOUT_MS: Joi.number().integer().min(100).max(60000).default(10000),

  SMTP_URL: Joi.string().uri({ scheme: ['smtp', 'smtps'] }),
  MAIL_FROM: Joi.string().default('Bookings <bookings@example.com>'),

  HOLD_MINUTES: Joi.number().min(0.05).max(1440).default(15),
  HOLD_SWEEP_CRON: Joi.string().default('* * * * *'),
  IDEMPOTENCY_TTL_HOURS: Joi.number()
    .integer()
    .min(1)
    .max(24 * 30)
    .default(24),

  SEARCH_HORIZON_DAYS: Joi.number().integer().min(1).max(365).default(60),
  SEARCH_CACHE_TTL_S: Joi.number().integer().min(0).max(3600).default(30),
  SEARCH_RATE_LIMIT_PER_MIN: Joi.number().integer().min(1).default(1200),
  COMMAND_RATE_LIMIT_PER_MIN: Joi.number().integer().min(1).default(600),
  TRAVEL_SPEED_CAR_KMH: Joi.number().positive().default(40),
  TRAVEL_SPEED_MOTORBIKE_KMH: Joi.number().positive().default(35),
  TRAVEL_SPEED_BICYCLE_KMH: Joi.number().positive().default(15),
  TRAVEL_SPEED_WALKING_KMH: Joi.number().positive().default(5),
  TRAVEL_SPEED_TRANSIT_KMH: Joi.number().positive().default(25),

  PGBOSS_SCHEMA: Joi.string()
    .pattern(/^[a-z_][a-z0-9_]*$/)
    .default('pgboss'),

  WEBHOOK_RETRY_SCHEDULE: Joi.string()
    .pattern(/^\s*\d{1,7}\s*(,\s*\d{1,7}\s*){0,29}$/)
    .default('5,300,1800,7200,18000,36000,36000')
    .messages({ 'string.pattern.base': 'WEBHOOK_RETRY_SCHEDULE must be 1–30 comma-separated whole numbers of seconds' }),
  WEBHOOKS_ALLOW_PRIVATE_URLS: Joi.boolean().default(false),
  WEBHOOK_TIMEOUT_MS: Joi.number().integer().min(100).max(10000).default(10000),
})
  .or('DATABASE_URL', 'DB_HOST')
  .and('TLS_CERT_FILE', 'TLS_KEY_FILE')
  .with('DB_HOST', ['DB_USERNAME', 'DB_NAME'])
  .messages({
    'object.missing': 'one of {{#peersWithLabels}} must be set',
  })
  .unknown(true);

export class ConfigError extends Error {}

/** What each process cannot start without; settings it does not use stay optional. */
const REQUIRED: Record<ProcessName, string[]> = {
  'command-api': ['STRIPE_SECRET_KEY', 'STRIPE_WEBHOOK_SECRET', 'SMTP_URL'],
  'query-api': ['ELASTICSEARCH_URL'],
  indexer: ['ELASTICSEARCH_URL'],
  script: [],
};
export type ProcessName = 'command-api' | 'query-api' | 'indexer' | 'script';

/** Parses the environment once; the result is passed to everything that needs settings. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env, processName: ProcessName = 'script'): Config {
  let processSchema = schema.fork(REQUIRED[processName], (s) => s.required());
  if (processName === 'command-api') processSchema = processSchema.or('AUTH_JWT_SECRET', 'AUTH_JWKS_URL');
  const { value: v, error } = processSchema.validate(env, { abortEarly: false, convert: true });
  if (error) {
    const lines = error.details.map((d) => `  - ${d.message}`).join('\n');
    throw new ConfigError(`Invalid configuration:\n${lines}`);
  }
  const databaseUrl: string =
    v.DATABASE_URL ?? `postgres://${encodeURIComponent(v.DB_USERNAME)}:${encodeURIComponent(v.DB_PASSWORD ?? '')}@${v.DB_HOST}:${v.DB_PORT}/${v.DB_NAME}`;
  return {
    env: v.NODE_ENV,
    logLevel: v.LOG_LEVEL,
    host: v.HOST,
    trustProxy: v.TRUST_PROXY,
    ports: { commandApi: v.COMMAND_API_PORT, queryApi: v.QUERY_API_PORT, indexer: v.INDEXER_PORT },
    tls: v.TLS_CERT_FILE ? { certFile: v.TLS_CERT_FILE, keyFile: v.TLS_KEY_FILE } : undefined,
    database: {
      connectionString: databaseUrl,
      ssl: v.DB_SSL ? { rejectUnauthorized: v.DB_SSL_REJECT_UNAUTHORIZED, ca: v.DB_SSL_CA_FILE } : false,
      poolMax: v.DB_POOL_MAX,
    },
    elasticsearch: {
      url: v.ELASTICSEARCH_URL ?? 'http://127.0.0.1:9200',
      alias: v.ELASTICSEARCH_INDEX_ALIAS,
      requestTimeoutMs: v.ELASTICSEARCH_TIMEOUT_MS,
    },
    redisUrl: v.REDIS_URL,
    auth: { jwtSecret: v.AUTH_JWT_SECRET, jwksUrl: v.AUTH_JWKS_URL, issuer: v.AUTH_ISSUER, audience: v.AUTH_AUDIENCE },
    stripe: {
      secretKey: v.STRIPE_SECRET_KEY ?? '',
      webhookSecret: v.STRIPE_WEBHOOK_SECRET ?? '',
      apiUrl: v.STRIPE_API_URL,
      timeoutMs: v.STRIPE_TIMEOUT_MS,
    },
    mail: { smtpUrl: v.SMTP_URL ?? '', from: v.MAIL_FROM },
    booking: {
      holdMinutes: v.HOLD_MINUTES,
      idempotencyTtlHours: v.IDEMPOTENCY_TTL_HOURS,
      holdSweepCron: v.HOLD_SWEEP_CRON,
    },
    search: {
      horizonDays: v.SEARCH_HORIZON_DAYS,
      cacheTtlSeconds: v.SEARCH_CACHE_TTL_S,
      rateLimitPerMinute: v.SEARCH_RATE_LIMIT_PER_MIN,
      speedsKmh: {
        car: v.TRAVEL_SPEED_CAR_KMH,
        motorbike: v.TRAVEL_SPEED_MOTORBIKE_KMH,
        bicycle: v.TRAVEL_SPEED_BICYCLE_KMH,
        walking: v.TRAVEL_SPEED_WALKING_KMH,
        transit: v.TRAVEL_SPEED_TRANSIT_KMH,
      },
    },
    commandRateLimitPerMinute: v.COMMAND_RATE_LIMIT_PER_MIN,
    queue: { schema: v.PGBOSS_SCHEMA },
    webhooks: {
      retryScheduleSeconds: (v.WEBHOOK_RETRY_SCHEDULE as string).split(',').map((x) => Number(x.trim())),
      allowPrivateUrls: v.WEBHOOKS_ALLOW_PRIVATE_URLS,
      timeoutMs: v.WEBHOOK_TIMEOUT_MS,
    },
  };
}
