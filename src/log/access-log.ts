/**
 * The access log: one line per access decision, in a stable format that fail2ban can match:
 *
 *   2026-11-25T10:00:00.000Z client=192.168.1.5 forwarded_from=- user=- method=GET path="/" status=403 reason=forbidden ua="curl/8.5.0"
 *
 * Text fields are quoted with `"`, `\` and control characters escaped, so a hostile user agent
 * or path cannot forge a field or a line. Appended, never truncated; reopened on SIGHUP so
 * logrotate can move it away.
 */
import { createWriteStream, mkdirSync, openSync } from 'node:fs'
import type { WriteStream } from 'node:fs'
import { dirname } from 'node:path'

export type Decision = 'allowed' | 'forbidden' | 'tunnel-forbidden' | 'host-rejected' | 'bad-request' | 'auth-required' | 'unauthorized' | 'rate-limited' | 'busy'

export interface AccessRecord {
  time: Date
  client: string
  /** The trusted proxy that forwarded the request, if any. */
  proxy?: string
  user?: string
  method: string
  path: string
  /** The response status when the decision sets it; absent for an admitted request. */
  status?: number
  reason: Decision
  userAgent?: string
}

const MAX_FIELD = 512

/** Quotes a text field: printable ASCII as is, the rest escaped, long values cut. */
export function quote (text: string): string {
  let out = ''
  for (const char of text.length > MAX_FIELD ? `${text.slice(0, MAX_FIELD)}...` : text) {
    const code = char.codePointAt(0) as number
    if (char === '"' || char === '\\') out += `\\${char}`
    else if (code >= 0x20 && code < 0x7f) out += char
    else if (code < 0x100) out += `\\x${code.toString(16).padStart(2, '0')}`
    else out += `\\u{${code.toString(16)}}`
  }
  return `"${out}"`
}

export function formatAccessLine (record: AccessRecord): string {
  return `${record.time.toISOString()} client=${record.client} forwarded_from=${record.proxy ?? '-'}` +
    // The method is an HTTP token (Node's parser accepts nothing else), so it needs no quoting.
    ` user=${record.user === undefined ? '-' : quote(record.user)} method=${record.method}` +
    ` path=${quote(record.path)} status=${record.status ?? '-'} reason=${record.reason}` +
    ` ua=${record.userAgent === undefined ? '-' : quote(record.userAgent)}\n`
}

export interface AccessLog {
  write (record: AccessRecord): void
  /** Closes and opens the file again (after logrotate moved it). */
  reopen (): Promise<void>
  close (): Promise<void>
}

/** Ends the stream; resolves once its file is closed, after any pending write has failed or landed. */
function end (stream: WriteStream): Promise<void> {
  return new Promise((resolve) => {
    if (stream.closed) {
      resolve()
      return
    }
    stream.once('close', () => resolve())
    stream.end()
  })
}

/**
 * Opens (creating folders as needed) the access log for appending. Throws, synchronously, when
 * the file cannot be opened, so start-up can say so; later write errors go to `onError`, and
 * logging never stops the server.
 */
export function openAccessLog (path: string, onError: (error: Error) => void): AccessLog {
  const open = (): WriteStream => {
    mkdirSync(dirname(path), { recursive: true })
    // Opened here and now, so every line goes to the file that had this name at open time,
    // even if logrotate renames it a moment later.
    const stream = createWriteStream(path, { fd: openSync(path, 'a', 0o640) })
    stream.on('error', onError)
    return stream
  }
  let stream = open()
  return {
    write (record) {
      stream.write(formatAccessLine(record))
    },
    async reopen () {
      const old = stream
      stream = open()
      await end(old)
    },
    close: () => end(stream)
  }
}
