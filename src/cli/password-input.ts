/**
 * Reading a password on the command line's standard input: asked twice, not echoed, on a
 * terminal; the first line when piped. Never from the arguments, where it would stay in the
 * shell history and the process list.
 */
import type { Command } from 'commander'
import { TVS_ERR_CLI_INPUT } from '../errors.js'
import type { Io } from './serve.js'

/** Reads one line without echo on a terminal; Ctrl-C cancels. */
function promptHidden (io: Io, question: string, nothingDone: string): Promise<string> {
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
          reject(new TVS_ERR_CLI_INPUT(`Cancelled: ${nothingDone}.`))
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

/**
 * A new password: on a terminal asked as `<question>: ` and `<question> again: `; piped, the
 * first line. `nothingDone` ends the messages of a cancel or a mismatch ("no hash made").
 */
export async function readPassword (io: Io, question: string, nothingDone: string): Promise<string> {
  if (io.stdin.isTTY !== true) return readPiped(io)
  const password = await promptHidden(io, `${question}: `, nothingDone)
  if (password !== await promptHidden(io, `${question} again: `, nothingDone)) throw new TVS_ERR_CLI_INPUT(`The two passwords differ: ${nothingDone}.`)
  return password
}

/**
 * Refuses words after a command that reads a password, beyond its own arguments: a password typed
 * there would stay in the shell history and the process list. Says how to give it instead, and
 * never repeats the words. The command allows excess arguments, so that this check sees them.
 * @example refusePasswordArguments(command, 'hash-password takes no arguments', commandLine('hash-password'))
 */
export function refusePasswordArguments (command: Command, what: string, usage: string): void {
  if (command.args.length <= command.registeredArguments.length) return
  command.error(`error: ${what}: it never reads the password from the command line, where it would stay in the shell history and the process list. ` +
    `Run \`${usage}\` and type the password when asked, or pipe it in: echo "$PASSWORD" | ${usage}`, { exitCode: 2, code: 'commander.excessArguments' })
}
