/**
 * Closing a connection whose client is still sending (the body of a refused request): closing the
 * socket at once would make the kernel answer the bytes still arriving with a reset, and a reset
 * can make the client drop the answer it has not read yet, so the refusal is never seen. Instead
 * the answer is followed by our end of the connection, and what still comes is read and dropped
 * for a bounded time and amount (as Apache's lingering close does), then the socket is closed.
 */
import type { Socket } from 'node:net'

/** At most this long, and this much, is read after the answer before the connection is cut. */
export const LINGER_MS = 2000
export const LINGER_BYTES = 4 * 1024 * 1024

/**
 * Makes Node's close after the answer (`destroySoon`, for `Connection: close`) a lingering one.
 * @example lingerOnClose(request.raw.socket); reply.header('connection', 'close').send(page)
 */
export function lingerOnClose (socket: Socket, ms = LINGER_MS, bytes = LINGER_BYTES): void {
  const close = (): void => {
    socket.end()
    let read = 0
    const timer = setTimeout(() => socket.destroy(), ms)
    socket.on('data', (chunk: Buffer) => {
      read += chunk.length
      if (read > bytes) socket.destroy()
    })
    socket.once('close', () => clearTimeout(timer))
  }
  ;(socket as Socket & { destroySoon: () => void }).destroySoon = close
}
