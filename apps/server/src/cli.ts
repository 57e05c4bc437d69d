import { Command, Option } from 'commander';
import { pino } from 'pino';
import type { Config } from './config/env.ts';
import type { Database } from './db/client.ts';
import { resealSecrets } from './db/reseal.ts';
import type { Role } from './db/schema.ts';
import { ROLES } from './db/schema.ts';
import { configOrExit, loggerOptions, openConfiguredDatabase, serve } from './main.ts';
import { demoLoginsText, seedDemo } from './modules/demo/demo.ts';
import type { Actor } from './platform/audit.ts';
import { randomToken } from './platform/crypto.ts';
import { AppError } from './platform/errors.ts';
import { keyringOf } from './platform/keyring.ts';
import { createServices } from './services.ts';
import { gatewayJobs, JOBS, notificationJobs, runWorker } from './workers/worker.ts';

/**
 * `billrail` — the operator's command. Every command reads the same environment as the server
 * (see README "Configuration"); with no DATABASE_URL it works on the embedded PGlite folder.
 */
const CLI_ACTOR: Actor = { type: 'cli', id: process.env.USER ?? 'cli' };

async function withDatabase<T>(fn: (ctx: { config: Config; db: Database }) => Promise<T>): Promise<T> {
  const config = configOrExit();
  const db = await openConfiguredDatabase(config);
  try {
    await db.migrate();
    return await fn({ config, db });
  } finally {
    await db.close();
  }
}

function fail(err: unknown): never {
  if (err instanceof AppError) {
    const fields = err.errors?.map((e) => `\n  ${e.field}: ${e.reason}`).join('') ?? '';
    process.stderr.write(`error: ${err.message}${fields}\n`);
    process.exit(1);
  }
  throw err;
}

const program = new Command()
  .name('billrail')
  .description('Billrail: bill payments over every rail, one ledger, automatic reconciliation.')
  .showHelpAfterError();

program
  .command('serve')
  .description('Run the HTTP API and web app (migrates first). Listens on HOST:PORT.')
  .action(async () => {
    const config = configOrExit();
    await serve(config, await openConfiguredDatabase(config));
  });

program
  .command('start')
  .description('Migrate, create the demo tenant if missing, serve, and print the URL and demo logins.')
  .action(async () => {
    const config = configOrExit();
    const db = await openConfiguredDatabase(config);
    await db.migrate();
    const { bills } = await seedDemo(db, createServices({ db, config }));
    await serve(config, db, {
      onListening: (url) => process.stdout.write(`\n${demoLoginsText(url, true, bills)}\n\n`),
    });
  });

program
  .command('worker')
  .description('Run background jobs (same code as the API; run as many as you like).')
  .action(async () => {
    const config = configOrExit();
    const db = await openConfiguredDatabase(config);
    await db.migrate();
    const log = pino(loggerOptions(config));
    const services = createServices({ db, config, log });
    const stop = runWorker(
      db,
      log,
      [...JOBS, ...gatewayJobs(services), ...notificationJobs(services)],
      config,
    );
    log.info('worker started');
    for (const signal of ['SIGINT', 'SIGTERM'] as const) {
      process.once(signal, async () => {
        await stop();
        await db.close();
        process.exit(0);
      });
    }
  });

program
  .command('migrate')
  .description('Apply pending database migrations and exit.')
  .action(() =>
    withDatabase(async ({ db }) => {
      const status = await db.migrationStatus();
      process.stdout.write(`migrations applied: ${status.applied}/${status.expected} (${db.kind})\n`);
    }),
  );

program
  .command('demo')
  .description('Create the demo tenant "Demo Water Utility" with a user of every role (idempotent).')
  .action(() =>
    withDatabase(async ({ config, db }) => {
      const { bills } = await seedDemo(db, createServices({ db, config }));
      process.stdout.write(`${demoLoginsText(config.publicUrl, false, bills)}\n`);
    }),
  );

program
  .command('secrets')
  .description('Stored secrets (gateway credentials, webhook secrets, idempotent responses).')
  .command('rotate')
  .description(
    'Re-seal every stored secret under the current master key (SECRETS_KEY_ID); older keys must be in SECRETS_PREVIOUS_KEYS. Safe to re-run.',
  )
  .option('--tenant <slug>', 'only this tenant (rotate tenant by tenant)')
  .action((o) =>
    withDatabase(async ({ config, db }) => {
      const counts = await resealSecrets(
        db,
        keyringOf(config),
        o.tenant ? { tenantId: await tenantIdBySlug(config, db, o.tenant) } : {},
      );
      for (const [what, n] of Object.entries(counts)) process.stdout.write(`re-sealed ${n} ${what}\n`);
      process.stdout.write(
        `every stored secret is sealed under key "${config.SECRETS_KEY_ID}"; older keys may be removed from SECRETS_PREVIOUS_KEYS\n`,
      );
    }),
  );

const tenant = program.command('tenant').description('Manage tenants.');
tenant
  .command('create')
  .description('Onboard a tenant with its first tenant admin.')
  .requiredOption('--name <name>', 'legal or display name, e.g. "City Water Board"')
  .requiredOption('--slug <slug>', 'URL name, 2-40 of a-z 0-9 -')
  .requiredOption('--currency <code>', 'ISO 4217 code; fixed for good')
  .requiredOption('--time-zone <tz>', 'IANA time zone for daily reports and due dates, e.g. Asia/Jakarta')
  .addOption(new Option('--locale <locale>', 'default language').choices(['en', 'es', 'id']).default('en'))
  .requiredOption('--admin-email <email>', 'first tenant admin')
  .option('--admin-name <name>', 'first tenant admin name', 'Tenant Admin')
  .option('--admin-password <password>', 'password (printed if generated)')
  .action((o) =>
    withDatabase(async ({ config, db }) => {
      const password = o.adminPassword ?? randomToken(12);
      const { tenantCreate } = await import('@billrail/contracts');
      const input = tenantCreate.safeParse({
        name: o.name,
        slug: o.slug,
        currency: o.currency,
        time_zone: o.timeZone,
        locale: o.locale,
        admin: { email: o.adminEmail, name: o.adminName, password },
      });
      if (!input.success)
        fail(
          new AppError(400, 'validation_failed', 'Invalid tenant.', {
            errors: input.error.issues.map((i) => ({ field: i.path.join('.'), reason: i.message })),
          }),
        );
      const { tenant: t, admin } = await createServices({ db, config })
        .tenants.create(input.data, CLI_ACTOR)
        .catch(fail);
      process.stdout.write(
        `tenant ${t.id} (${t.slug}) created; admin ${admin.email}${o.adminPassword ? '' : ` password ${password}`}\n`,
      );
    }),
  );

async function tenantIdBySlug(config: Config, db: Database, slug: string) {
  return (await createServices({ db, config }).tenants.getBySlug(slug).catch(fail)).id;
}

const user = program.command('user').description('Manage users.');
user
  .command('create')
  .description('Create a user in a tenant (use tenant "platform" for platform admins).')
  .requiredOption('--tenant <slug>', 'tenant slug')
  .requiredOption('--email <email>')
  .requiredOption('--name <name>')
  .addOption(new Option('--role <role>').choices([...ROLES]).makeOptionMandatory())
  .option('--password <password>', 'password (printed if generated)')
  .action((o) =>
    withDatabase(async ({ config, db }) => {
      const tenantId = await tenantIdBySlug(config, db, o.tenant);
      const password = o.password ?? randomToken(12);
      const u = await createServices({ db, config })
        .users.create(
          { tenantId, mode: 'live' },
          { email: o.email, name: o.name, role: o.role as Role, password, phone: null },
          CLI_ACTOR,
        )
        .catch(fail);
      process.stdout.write(
        `user ${u.id} ${u.email} (${u.role}) created${o.password ? '' : `; password ${password}`}\n`,
      );
    }),
  );

const apiKey = program.command('api-key').description('Manage API keys for biller systems.');
apiKey
  .command('create')
  .description('Create an API key; the secret is printed once and never stored.')
  .requiredOption('--tenant <slug>', 'tenant slug')
  .option('--name <name>', 'what the key is for', 'cli')
  .addOption(new Option('--mode <mode>', 'test or live data').choices(['test', 'live']).default('test'))
  .action((o) =>
    withDatabase(async ({ config, db }) => {
      const tenantId = await tenantIdBySlug(config, db, o.tenant);
      const key = await createServices({ db, config }).apiKeys.create(
        { tenantId },
        { name: o.name, mode: o.mode },
        CLI_ACTOR,
      );
      process.stdout.write(`${key.secret}\n`);
      process.stderr.write(
        `api key ${key.id} (${key.mode}) created for ${o.tenant}; store the secret now, it is not shown again\n`,
      );
    }),
  );

await program.parseAsync(process.argv);
