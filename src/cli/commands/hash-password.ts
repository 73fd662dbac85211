/**
 * `tavern-server hash-password`: reads a password from standard input (or asks for it twice, not
 * echoed, on a terminal) and prints the hash to put in basicAuthUser.password. Never from the
 * command line, where it would stay in the shell history and the process list.
 */
import type { Command } from 'commander'
import { TVS_ERR_CLI_INPUT } from '../../errors.js'
import { commandLine } from '../../invocation.js'
import { lazyImport } from '../../lazy-import.js'
import { readPassword, refusePasswordArguments } from '../password-input.js'
import type { CommandContext } from './index.js'

export function registerHashPassword (program: Command, { io, finish }: CommandContext): void {
  program.command('hash-password')
    .description('read a password from standard input (or ask for it) and print a hash to store in basicAuthUser.password')
    // A password typed after the command would stay in the shell history and the process list:
    // refused with the ways that keep it out of both, and never repeated back.
    .allowExcessArguments()
    .action(async (_options: unknown, command: Command) => {
      refusePasswordArguments(command, 'hash-password takes no arguments', commandLine('hash-password'))
      const { hashPassword } = await lazyImport(() => import('../../access/password-hash.js'))
      const password = await readPassword(io, 'Password', 'no hash made')
      if (password === '') throw new TVS_ERR_CLI_INPUT(`Empty password: no hash made. Type the password when asked, or pipe it in: echo "$PASSWORD" | ${commandLine('hash-password')}`)
      const hash = await hashPassword(password)
      io.stdout.write(`${hash}\n`)
      io.stderr.write(`Put it in config.yaml, quoted:\nbasicAuthUser:\n  password: '${hash}'\n`)
      finish({ kind: 'exit', code: 0 })
    })
}
