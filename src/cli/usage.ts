/**
 * Help for typos on the command line (issue 11): an unknown flag is matched against our flags and
 * the config key names people type as flags (`--whitelistMode` → `--whitelist`), an unknown
 * command against our commands (`check-acess` → `check-access`). Exit code 2, as for any bad
 * command line.
 */
import { Command } from 'commander'
import { envNames, KEY_PATHS } from '../config/schema.js'
import { suggest } from '../config/suggest.js'
import { commandLine } from '../invocation.js'
import { SERVER_FLAGS } from './program.js'

/** The long flags a command knows, its parents' included (theirs apply to it too). */
function knownFlags (command: Command): string[] {
  const flags: string[] = []
  for (let c: Command | null = command; c !== null; c = c.parent) {
    for (const option of c.options) if (option.long !== undefined && !option.hidden) flags.push(option.long)
  }
  return flags
}

/**
 * What to say about a flag nobody defined.
 * @example unknownFlag('--whitelistMode=false', ['--whitelist']) // "error: unknown option '--whitelistMode'. Did you mean --whitelist? (it sets whitelistMode)"
 */
export function unknownFlag (given: string, known: readonly string[]): string {
  const flag = given.split('=')[0] as string
  const name = flag.replace(/^-+/, '')
  const head = `error: unknown option '${flag}'`
  // A config key written as a flag: the flag that sets it, or how to set it without one.
  const key = KEY_PATHS.find((k) => k.toLowerCase() === name.toLowerCase())
  const spec = key === undefined ? undefined : SERVER_FLAGS.find((s) => s.key === key)
  if (spec !== undefined) return `${head}. Did you mean --${spec.flag}?${spec.flag === spec.key ? '' : ` (it sets ${spec.key})`}`
  if (key !== undefined) {
    return `${head}: ${key} has no flag; set it in config.yaml, or with the environment variable ${envNames(key)[0]}.`
  }
  const close = flag.startsWith('--') ? suggest(flag, known) : undefined
  if (close !== undefined) return `${head}. Did you mean ${close}?`
  return `${head}. \`${commandLine('--help')}\` lists the flags.`
}

/**
 * What to say about words after the command name that are no command.
 * @example unknownCommand('check-acess', ['check-access', 'cert']) // "error: unknown command 'check-acess'. Did you mean check-access?"
 */
export function unknownCommand (word: string, commands: readonly string[]): string {
  const head = `error: unknown command '${word}'`
  const close = suggest(word, commands)
  if (close !== undefined) return `${head}. Did you mean ${close}?`
  return `${head}. The commands are ${commands.join(', ')}; \`${commandLine('--help')}\` says what each does.`
}

/** A Command whose unknown flags (and its sub-commands') get the messages above. */
export class TavernCommand extends Command {
  override createCommand (name?: string): TavernCommand {
    return new TavernCommand(name)
  }

  /**
   * Commander calls this for an option no command defines (a documented-private hook: its own
   * suggestions cover near misses among flags, not config key names).
   */
  unknownOption (flag: string): never {
    this.error(unknownFlag(flag, knownFlags(this)), { exitCode: 2, code: 'commander.unknownOption' })
  }
}
