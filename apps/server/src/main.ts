import type { Logger } from 'pino';
import { buildApp } from './app.ts';
import { type Config, ConfigError, loadConfig } from './config/env.ts';
import { type Database, openDatabase } from './db/client.ts';
import { gatewayJobs, JOBS, notificationJobs, runWorker } from './workers/worker.ts';

/** Loads and validates configuration, printing a clear message and exiting on a bad value. */
export function configOrExit(): Config {
  try {
    return loadConfig();
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`${err.message}\n`);
      process.exit(78); // EX_CONFIG
    }
    throw err;
  }
}

export async function openConfiguredDatabase(config: Config): Promise<Database> {
  return openDatabase({
    databaseUrl: config.DATABASE_URL,
    pgliteDataDir: config.PGLITE_DATA_DIR,
    poolSize: config.DATABASE_POOL_SIZE,
  });
}

export function loggerOptions(config: Config) {
  return {
    level: config.LOG_LEVEL,
    redact: ['req.headers.authorization', 'req.headers.cookie', 'req.headers["x-csrf-token"]'],
  };
}

/** Migrates, builds and listens; returns a stop function that drains and closes. */
export async function serve(
  config: Config,
  db: Database,
  opts: { onListening?: (url: string) => void } = {},
) {
  await db.migrate();
  const app = await buildApp({ config, db, logger: loggerOptions(config) });
  await app.listen({ host: config.HOST, port: config.PORT });
  opts.onListening?.(config.publicUrl);
  // The embedded default runs the worker's jobs in the API process (WORKER_IN_PROCESS).
  const stopDispatcher = config.WORKER_IN_PROCESS
    ? runWorker(
        db,
        app.log as unknown as Logger,
        [...JOBS, ...gatewayJobs(app.services), ...notificationJobs(app.services)],
        config,
      )
    : null;
  const stop = async () => {
    await app.close();
    await stopDispatcher?.();
    await db.close();
  };
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      app.log.info({ signal }, 'shutting down');
      stop().then(
        () => process.exit(0),
        () => process.exit(1),
      );
    });
  }
  return { app, stop };
}
