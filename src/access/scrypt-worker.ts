/**
 * A thread of ScryptThreads (scrypt-threads.ts): it lowers its own priority to the lowest, then
 * hashes what it is sent, one request at a time.
 */
import { scryptSync } from 'node:crypto'
import { readlinkSync } from 'node:fs'
import { setPriority } from 'node:os'
import { parentPort } from 'node:worker_threads'
import type { ScryptAnswer, ScryptRequest } from './scrypt-threads.js'

/** The lowest priority (nice 19). */
export const LOWEST = 19

/**
 * Gives the calling thread the lowest priority, by its own thread id: on Linux (and Android)
 * `setpriority` with a thread's id changes that thread alone, and /proc/thread-self names it.
 * @returns whether it could (false where there is no /proc/thread-self)
 */
export function lowerThisThread (read: (path: string) => string = readlinkSync, set: (id: number, priority: number) => void = setPriority): boolean {
  let id: number
  try {
    // "<pid>/task/<tid>"
    id = Number(read('/proc/thread-self').split('/').pop())
  } catch {
    return false
  }
  if (!Number.isInteger(id) || id <= 0) return false
  try {
    set(id, LOWEST)
    return true
  } catch {
    return false
  }
}

/** One request's answer; scrypt throws only when it cannot have the memory. */
export function answer (request: ScryptRequest): ScryptAnswer {
  const { id, password, salt, length, N, r, p, maxmem } = request
  try {
    return { id, key: scryptSync(password, salt, length, { N, r, p, maxmem }) }
  } catch (error) {
    return { id, error: (error as Error).message }
  }
}

/** Whether a message is a request of ScryptThreads (a test runner talks to threads too). */
export function isRequest (message: unknown): message is ScryptRequest {
  if (typeof message !== 'object' || message === null) return false
  const { id, password, salt } = message as Record<string, unknown>
  return typeof id === 'number' && typeof password === 'string' && salt instanceof Uint8Array
}

/* c8 ignore start -- runs in the hashing thread, which starts without the process's flags and so
   without the coverage recorder; test/access/scrypt-threads.test.ts has it hash through here */
if (parentPort !== null) {
  const port = parentPort
  lowerThisThread()
  port.on('message', (message: unknown) => { if (isRequest(message)) port.postMessage(answer(message)) })
}
/* c8 ignore stop */
