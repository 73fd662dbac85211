/**
 * Parses the command line and runs the command, turning every failure into a message and an exit
 * code: 0 clean stop, 1 refused or failed start, 2 bad command line. No stack trace unless --debug.
 */
import { CommanderError } from 'commander'
import type { Command } from 'commander'
import { isTavernError } from '../errors.js'
import { lazyImport } from '../lazy-import.js'
import { commandLine, setInvocation } from '../invocation.js'
import { COMMANDS } from './commands/index.js'
import type { Outcome } from './commands/index.js'
import { addConfigFlags, ignoreSillyTavernFlags, parsedFlags, VERSION } from './program.js'
import type { Io } from './serve.js'
import { TavernCommand, unknownCommand } from './usage.js'

export type { Outcome }

const HELP_AFTER = `
Every flag overrides its config.yaml key. Environment variables do too (TAVERN_ + the key path in
upper case, dots as underscores: TAVERN_LISTEN=true, TAVERN_LISTENADDRESS_IPV4=192.168.1.20;
SILLYTAVERN_ names work as well); flags win over environment variables. With
TAVERN_NO_CONFIG_FILE=1 there is no config.yaml: the environment alone configures the server.
Boolean flags accept --x, --x=true, --x=false and --no-x.

Exit codes: 0 stopped cleanly, 1 refused or failed to start, 2 bad command line.`

export function createProgram (io: Io, run: (command: Command) => Promise<void>, finish: (outcome: Outcome) => void): Command {
  const program = new TavernCommand(commandLine())
    .description('Reach your self-hosted chat front end from your phone or another computer, safely.')
    .version(VERSION, '--version', 'print the version and exit')
    .helpOption('-h, --help', 'show this help and exit')
    .addHelpText('after', HELP_AFTER)
    .exitOverride()
    .configureOutput({
      writeOut: (text) => { io.stdout.write(text) },
      writeErr: (text) => { io.stderr.write(text) }
    })
  addConfigFlags(program, io.cwd)
  // Words after the program name that are no command reach this action: answered below, with a
  // suggestion, rather than by commander's "too many arguments".
  program.allowExcessArguments()
  program.action(async (_options, command: Command) => {
    const [word] = command.args
    if (word !== undefined) command.error(unknownCommand(word, command.commands.map((c) => c.name())), { exitCode: 2, code: 'commander.unknownCommand' })
    await run(command)
  })
  for (const register of COMMANDS) register(program, { io, finish })
  return program
}

/**
 * @example const outcome = await runCli(['--port', '0'], io)
 */
export async function runCli (argv: readonly string[], io: Io): Promise<Outcome> {
  setInvocation(io.invokedAs ?? 'tavern-server')
  let outcome: Outcome = { kind: 'exit', code: 0 }
  const debug = argv.includes('--debug')
  const program = createProgram(io, async (command) => {
    const parsed = parsedFlags(command)
    // The server (Fastify, pino, the access checks) is loaded only to serve: --help, --version
    // and the sub-commands do without it.
    const { serve } = await lazyImport(() => import('./serve.js'))
    outcome = { kind: 'serving', server: await serve(parsed, io) }
  }, (finished) => { outcome = finished })
  const { argv: args, ignored } = ignoreSillyTavernFlags(argv)
  if (ignored.length > 0) io.stderr.write(`Ignoring ${ignored.join(', ')}: SillyTavern flag${ignored.length === 1 ? '' : 's'} with no meaning for tavern-server.\n`)
  try {
    await program.parseAsync(args, { from: 'user' })
    return outcome
  } catch (error) {
    if (error instanceof CommanderError) {
      // --help and --version end with a CommanderError too, with exit code 0.
      return { kind: 'exit', code: error.exitCode === 0 ? 0 : 2 }
    }
    if (isTavernError(error)) {
      io.stderr.write(`${error.message}\n`)
      if (debug) io.stderr.write(`${error.code}\n${String(error.stack)}\n${error.cause === undefined ? '' : `Caused by: ${String((error.cause as Error).stack)}\n`}`)
    } else {
      io.stderr.write(`Unexpected error: ${(error as Error).message}\n`)
      io.stderr.write(debug ? `${String((error as Error).stack)}\n` : 'Run again with --debug to see the stack trace, and please report it.\n')
    }
    return { kind: 'exit', code: 1 }
  }
}
