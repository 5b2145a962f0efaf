import { parseArgs } from 'node:util';
import { ConfigError } from '../lib/config';
import { Prisma } from '../lib/database';
import { PolicyError } from '../domain/policy';
import { TenantError } from '../lib/tenants';
import { CliError, Context, firstLine, UsageError, type Command, type Io } from './context';
import { consoleLink } from './console-link';
import { keyList, keyRevoke, keyRotate } from './keys';
import { sign } from './sign';
import { tenantCreate } from './tenant';
import { token } from './token';
import { webhookAdd } from './webhook';

/** The operator CLI: `npx turnout <command> [options]` (cli/turnout.js runs this file). */

export const COMMANDS: readonly Command[] = [tenantCreate, token, consoleLink, keyRotate, keyRevoke, keyList, sign, webhookAdd];

export const EXIT_OK = 0;
export const EXIT_FAILURE = 1;
export const EXIT_USAGE = 2;

export const USAGE = `Usage: turnout <command> [options]

Operator commands for Turnout, run against the same database as the running product.

Commands:
${COMMANDS.map((c) => `  ${c.name.padEnd(14)}  ${c.summary}`).join('\n')}

Run \`turnout <command> --help\` for a command's options.

Configuration (environment):
  DATABASE_URL          the product's PostgreSQL database; default: the database of
                        the local Turnout started with \`npm start\`
  TURNOUT_MASTER_KEY    encrypts platform API secrets (32 bytes, base64); default:
                        the secrets the local Turnout generated
  TURNOUT_JWT_SECRET    signs HR tokens (32 bytes, base64); default: as above
  TURNOUT_JWT_ISSUER, TURNOUT_JWT_AUDIENCE
                        HR token issuer and audience (default turnout, turnout-api)
  TURNOUT_PUBLIC_URL    where people reach Turnout: console links start with it;
                        default: the local Turnout's address
  TURNOUT_DATA_DIR      where the local Turnout keeps its state (default .turnout)

Exit codes: 0 done, 1 failed, 2 usage error.`;

const HELP_FLAGS = new Set(['--help', '-h']);

/** The groups of two-word commands ("key rotate"), by their first word. */
function groupOf(word: string): Command[] {
  return COMMANDS.filter((c) => c.name.startsWith(`${word} `));
}

function groupHelp(word: string): string {
  const commands = groupOf(word);
  return [
    `Usage: turnout ${word} <${commands.map((c) => c.name.split(' ')[1]).join('|')}> [options]`,
    '',
    ...commands.map((c) => `  ${c.name.padEnd(14)}  ${c.summary}`),
    '',
    `Run \`turnout ${word} <action> --help\` for an action's options.`,
  ].join('\n');
}

type Resolved = { help: string } | { command: Command; args: string[] };

function resolve(argv: string[]): Resolved {
  const [first, second] = argv;
  if (first === undefined || HELP_FLAGS.has(first)) return { help: USAGE };
  if (first === 'help') return argv.length > 1 ? resolveHelp(argv.slice(1)) : { help: USAGE };
  const single = COMMANDS.find((c) => c.name === first);
  if (single) return { command: single, args: argv.slice(1) };
  const group = groupOf(first);
  if (group.length === 0) throw new UsageError(`unknown command "${first}"`);
  if (second === undefined || HELP_FLAGS.has(second)) {
    if (second !== undefined) return { help: groupHelp(first) };
    throw new UsageError(`${first} needs an action: ${group.map((c) => c.name.split(' ')[1]).join(', ')}`, first);
  }
  const action = group.find((c) => c.name === `${first} ${second}`);
  if (!action) {
    throw new UsageError(
      `unknown action "${first} ${second}"; expected ${group.map((c) => c.name.split(' ')[1]).join(', ')}`,
      first,
    );
  }
  return { command: action, args: argv.slice(2) };
}

function resolveHelp(words: string[]): Resolved {
  const resolved = resolve(words);
  return 'command' in resolved ? { help: resolved.command.help } : resolved;
}

/** Runs one CLI invocation and returns its exit code; never throws, always disconnects. */
export async function run(argv: string[], io: Io): Promise<number> {
  const ctx = new Context(io);
  let commandName: string | undefined;
  try {
    const resolved = resolve(argv);
    if ('help' in resolved) {
      io.out(resolved.help);
      return EXIT_OK;
    }
    const { command, args } = resolved;
    commandName = command.name;
    let values: Record<string, unknown>;
    try {
      values = parseArgs({
        args,
        options: { ...command.options, help: { type: 'boolean', short: 'h' } },
        strict: true,
        allowPositionals: false,
      }).values;
    } catch (err) {
      if (args.some((a) => HELP_FLAGS.has(a))) values = { help: true };
      else throw err;
    }
    if (values.help) {
      io.out(command.help);
      return EXIT_OK;
    }
    await command.run(values as never, ctx);
    return EXIT_OK;
  } catch (err) {
    return report(err, io, commandName);
  } finally {
    try {
      await ctx.close();
    } catch {
      // Nothing useful to tell the operator about a failed disconnect at exit.
    }
  }
}

function report(err: unknown, io: Io, commandName: string | undefined): number {
  const seeHelp = (name: string | undefined) => ` (see \`turnout ${name ? `${name} ` : ''}--help\`)`;
  if (err instanceof UsageError) {
    io.err(`turnout: ${err.message}${seeHelp(err.command ?? commandName)}`);
    return EXIT_USAGE;
  }
  if (isParseArgsError(err)) {
    io.err(`turnout: ${firstLine(err)}${seeHelp(commandName)}`);
    return EXIT_USAGE;
  }
  if (err instanceof PolicyError) {
    io.err(`turnout: invalid policy: ${err.message}`);
    return EXIT_USAGE;
  }
  if (err instanceof TenantError) {
    io.err(`turnout: ${err.message}`);
    return err.code === 'INVALID' ? EXIT_USAGE : EXIT_FAILURE;
  }
  if (err instanceof ConfigError) {
    io.err(`turnout: configuration error: ${err.message}`);
    return EXIT_FAILURE;
  }
  if (err instanceof CliError) {
    io.err(`turnout: ${err.message}`);
    return EXIT_FAILURE;
  }
  io.err(`turnout: ${isDatabaseError(err) ? `database error: ${databaseMessage(err)}` : firstLine(err)}`);
  return EXIT_FAILURE;
}

function isParseArgsError(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' && code.startsWith('ERR_PARSE_ARGS_');
}

function isDatabaseError(err: unknown): err is Error {
  return (
    err instanceof Prisma.PrismaClientKnownRequestError ||
    err instanceof Prisma.PrismaClientUnknownRequestError ||
    err instanceof Prisma.PrismaClientInitializationError ||
    err instanceof Prisma.PrismaClientRustPanicError ||
    err instanceof Prisma.PrismaClientValidationError ||
    (err instanceof Error && err.name === 'DriverAdapterError')
  );
}

/** Prisma's messages start with the invocation and end with the cause: keep the cause. */
function databaseMessage(err: Error): string {
  const lines = err.message
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '');
  const cause = (err as { cause?: unknown }).cause;
  let last = lines.at(-1) ?? err.name;
  if (err instanceof Prisma.PrismaClientKnownRequestError && err.code === 'P2021') {
    last += ' Is the database migrated? (npx prisma migrate deploy)';
  }
  return cause instanceof Error && cause.message ? `${last} (${firstLine(cause)})` : last;
}

/** The process's own streams: what cli/turnout.js runs. */
export async function main(argv: string[] = process.argv.slice(2)): Promise<number> {
  return run(argv, {
    env: process.env,
    out: (text) => process.stdout.write(`${text}\n`),
    err: (text) => process.stderr.write(`${text}\n`),
    readStdin: async () => {
      const chunks: Buffer[] = [];
      for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
      return Buffer.concat(chunks);
    },
  });
}
