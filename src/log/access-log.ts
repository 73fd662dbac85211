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

/** Every `reason=` of the access log; the README lists each one. */
export const DECISIONS = ['allowed', 'forbidden', 'tunnel-forbidden', 'host-rejected', 'bad-request', 'auth-required', 'unauthorized', 'rate-limited', 'busy',
  // Refused by Node's HTTP parser, before any request exists (client-errors.ts).
  'malformed', 'headers-too-large', 'tls-handshake', 'timeout', 'connect'] as const

export type Decision = typeof DECISIONS[number]

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
  /**
   * Closes and opens the file again (after logrotate moved it). Never rejects: when the file
   * cannot be opened, the trouble is reported and lines go on to the file open before.
   */
  reopen (): Promise<void>
  close (): Promise<void>
}

/** Where lines go while the log file named in the config cannot be opened or written. */
export type Fallback = 'previous-file' | 'nowhere'

export interface AccessLogOptions {
  /** The log works again; `lost` lines could not be written meanwhile. */
  onRecovered?: (lost: number) => void
  /** While the file cannot be opened, a line tries again at most this often (and so does SIGHUP). */
  retryMs?: number
  now?: () => number
}

/** How often a line tries to open a log file that could not be opened. */
export const RETRY_MS = 10_000

/** Ends the stream; resolves once its file is closed, after any pending write has failed or landed. */
function end (stream: WriteStream): Promise<void> {
  return new Promise((resolve) => {
    // Closed already: the log was closed twice.
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
 * the file cannot be opened, so start-up can say so. Later, logging never stops the server: when
 * a reopen (SIGHUP) fails, lines go on to the file open before (logrotate's renamed one); when
 * writing fails, lines are counted as lost. Either way `onError` is told once, the file is tried
 * again at the next reload and by a line every `retryMs`, and `onRecovered` says how many lines
 * were lost once it works again.
 */
export function openAccessLog (path: string, onError: (error: Error, fallback: Fallback) => void, options: AccessLogOptions = {}): AccessLog {
  const now = options.now ?? Date.now
  const retryMs = options.retryMs ?? RETRY_MS
  let stream: WriteStream | undefined
  let failing = false
  let retry = false
  let lastTry = now()
  let lost = 0
  const fail = (error: Error): void => {
    if (!failing) onError(error, stream === undefined ? 'nowhere' : 'previous-file')
    failing = true
    retry = true
  }
  const open = (): WriteStream => {
    mkdirSync(dirname(path), { recursive: true })
    // Opened here and now, so every line goes to the file that had this name at open time,
    // even if logrotate renames it a moment later.
    const opened = createWriteStream(path, { fd: openSync(path, 'a', 0o640) })
    opened.on('error', (error) => {
      /* c8 ignore next -- the file replaced by a reopen failing its last writes: a full disk at the very moment of a rotation */
      if (opened !== stream) return
      // A write failed (a full disk, a file system gone): the stream is done for.
      stream = undefined
      fail(error)
    })
    return opened
  }
  /** Opens the file anew; returns the stream it replaces, to be ended. */
  const tryOpen = (): WriteStream | undefined => {
    lastTry = now()
    let next: WriteStream
    try {
      next = open()
    } catch (error) {
      fail(error as Error)
      return undefined
    }
    const old = stream
    stream = next
    retry = false
    if (failing) {
      failing = false
      options.onRecovered?.(lost)
      lost = 0
    }
    return old
  }
  stream = open()
  let closed = false
  return {
    write (record) {
      if (retry && !closed && now() - lastTry >= retryMs) {
        const old = tryOpen()
        if (old !== undefined) void end(old)
      }
      if (stream === undefined) {
        lost++
        return
      }
      stream.write(formatAccessLine(record), (error) => { if (error) lost++ })
    },
    async reopen () {
      const old = tryOpen()
      if (old !== undefined) await end(old)
    },
    async close () {
      closed = true
      if (stream !== undefined) await end(stream)
    }
  }
}
