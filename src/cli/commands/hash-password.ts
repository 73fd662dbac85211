/**
 * `tavern-server hash-password`: reads a password from standard input (or asks for it twice, not
 * echoed, on a terminal) and prints the hash to put in basicAuthUser.password. Never from the
 * command line, where it would stay in the shell history and the process list.
 */
import type { Command } from 'commander'
import { hashPassword } from '../../access/password-hash.js'
import { TVS_ERR_CLI_INPUT } from '../../errors.js'
import { commandLine } from '../../invocation.js'
import type { Io } from '../serve.js'
import type { CommandContext } from './index.js'

/** Reads one line without echo on a terminal; Ctrl-C cancels. */
function promptHidden (io: Io, question: string): Promise<string> {
  const { stdin } = io
  io.stderr.write(question)
  stdin.setRawMode?.(true)
  stdin.setEncoding('utf8')
  stdin.resume()
  return new Promise((resolve, reject) => {
    let value = ''
    const finish = (): void => {
      stdin.off('data', onData)
      stdin.setRawMode?.(false)
      stdin.pause()
      io.stderr.write('\n')
    }
    const onData = (chunk: string): void => {
      for (const char of chunk) {
        if (char === '\r' || char === '\n') {
          finish()
          resolve(value)
          return
        }
        if (char === '\u0003' || char === '\u0004') {
          finish()
          reject(new TVS_ERR_CLI_INPUT('Cancelled: no hash made.'))
          return
        }
        value = char === '\u007f' || char === '\b' ? value.slice(0, -1) : value + char
      }
    }
    stdin.on('data', onData)
  })
}

/** Reads everything piped in; the password is the first line. */
async function readPiped (io: Io): Promise<string> {
  let text = ''
  io.stdin.setEncoding('utf8')
  for await (const chunk of io.stdin) text += chunk as string
  return text.split(/\r?\n/)[0] as string
}

export function registerHashPassword (program: Command, { io, finish }: CommandContext): void {
  program.command('hash-password')
    .description('read a password from standard input (or ask for it) and print a hash to store in basicAuthUser.password')
    // A password typed after the command would stay in the shell history and the process list:
    // refused with the ways that keep it out of both, and never repeated back.
    .allowExcessArguments()
    .action(async (_options: unknown, command: Command) => {
      if (command.args.length > 0) {
        command.error(`error: ${command.name()} takes no arguments: it never reads the password from the command line, where it would stay in the shell history and the process list. ` +
          `Run \`${commandLine('hash-password')}\` and type the password when asked, or pipe it in: echo "$PASSWORD" | ${commandLine('hash-password')}`, { exitCode: 2, code: 'commander.excessArguments' })
      }
      let password: string
      if (io.stdin.isTTY === true) {
        password = await promptHidden(io, 'Password: ')
        if (password !== await promptHidden(io, 'Password again: ')) throw new TVS_ERR_CLI_INPUT('The two passwords differ: no hash made.')
      } else {
        password = await readPiped(io)
      }
      if (password === '') throw new TVS_ERR_CLI_INPUT(`Empty password: no hash made. Type the password when asked, or pipe it in: echo "$PASSWORD" | ${commandLine('hash-password')}`)
      const hash = await hashPassword(password)
      io.stdout.write(`${hash}\n`)
      io.stderr.write(`Put it in config.yaml, quoted:\nbasicAuthUser:\n  password: '${hash}'\n`)
      finish({ kind: 'exit', code: 0 })
    })
}
