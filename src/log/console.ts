/**
 * The console logger: pino, so code logs structured data and tests read it as data, printed as
 * plain lines for a person: info and debug on stdout, warnings and errors on stderr.
 */
import { pino } from 'pino'
import type { Logger } from 'pino'

export type { Logger }

export interface ConsoleStreams {
  stdout: { write (text: string): unknown }
  stderr: { write (text: string): unknown }
}

const WARN = 40

interface Line { level: number, msg?: string, err?: { message?: string } }

/** A pino destination that prints each record's message as one line. */
export function plainLines (streams: ConsoleStreams): { write (json: string): void } {
  return {
    write (json) {
      const line = JSON.parse(json) as Line
      const cause = line.err?.message
      const text = line.msg === undefined || line.msg === cause ? cause ?? '' : cause === undefined ? line.msg : `${line.msg}: ${cause}`
      ;(line.level >= WARN ? streams.stderr : streams.stdout).write(`${text}\n`)
    }
  }
}

/**
 * @example createConsoleLogger('info', { stdout: process.stdout, stderr: process.stderr }).info('hello')
 */
export function createConsoleLogger (level: string, streams: ConsoleStreams, destination = plainLines(streams)): Logger {
  return pino({
    level,
    base: undefined,
    timestamp: false,
    // Credentials never reach a log line, whatever a caller passes in.
    redact: ['req.headers.authorization', 'headers.authorization', 'password']
  }, destination)
}
