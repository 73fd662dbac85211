/**
 * scrypt in threads of the lowest priority, for every password hash of the process. In libuv's
 * thread pool, a hash competes with the event loop as an equal: on a machine with one core (a
 * Raspberry Pi Zero, or a server pinned to one core) a login's 100–200 ms of scrypt took half of
 * that core while 200 logins arrived, and the requests of people already logged in waited for
 * tens of milliseconds. A thread at nice 19 gets the core only when serving leaves it over.
 *
 * One thread per hash running at once (the verifier bounds how many: rateLimiting.
 * passwordChecksAtOnce), started at the first hash and kept for the next; an idle thread does not
 * keep the process alive. Where a thread cannot be given a priority of its own (no
 * /proc/thread-self: Windows, macOS), it hashes at the process's priority, as libuv's pool did.
 */
import { Worker } from 'node:worker_threads'

export interface ScryptRequest {
  /** Matches the answer to its request (a thread's other messages, a test runner's, are not answers). */
  id: number
  /** Already normalised (NFC). */
  password: string
  salt: Buffer
  length: number
  N: number
  r: number
  p: number
  maxmem: number
}

/** What a thread answers: the key, or why it could not make one. */
export type ScryptAnswer = { id: number, key: Uint8Array } | { id: number, error: string }

/** Whether a thread's message answers request `id`. */
export function answers (message: unknown, id: number): message is ScryptAnswer {
  if (typeof message !== 'object' || message === null) return false
  const { id: of, key, error } = message as Record<string, unknown>
  return of === id && (key instanceof Uint8Array || typeof error === 'string')
}

interface Job {
  id: number
  resolve: (key: Buffer) => void
  reject: (error: Error) => void
}

const SCRIPT = new URL('./scrypt-worker.js', import.meta.url)

export class ScryptThreads {
  readonly #idle: Worker[] = []
  readonly #busy = new Map<Worker, Job>()
  #ids = 0

  /** @param script the thread's module (tests give one that misbehaves) */
  constructor (private readonly script: URL = SCRIPT) {}

  /** Threads started and not stopped (busy or idle). */
  get size (): number {
    return this.#idle.length + this.#busy.size
  }

  /**
   * The key scrypt derives, computed in a thread of its own.
   * @example await threads.derive({ password: 'pw', salt, length: 32, N: 2 ** 15, r: 8, p: 1, maxmem: 64 * 2 ** 20 })
   */
  derive (request: Omit<ScryptRequest, 'id'>): Promise<Buffer> {
    return new Promise((resolve, reject) => {
      const worker = this.#idle.pop() ?? this.#start()
      const id = ++this.#ids
      this.#busy.set(worker, { id, resolve, reject })
      worker.ref()
      worker.postMessage({ ...request, id })
    })
  }

  #start (): Worker {
    // No flags of the process (a loader, a profiler) in a thread that only hashes.
    const worker = new Worker(this.script, { execArgv: [] })
    worker.on('message', (answer: unknown) => {
      const job = this.#busy.get(worker)
      if (job === undefined || !answers(answer, job.id)) return
      this.#busy.delete(worker)
      worker.unref()
      this.#idle.push(worker)
      if ('key' in answer) job.resolve(Buffer.from(answer.key.buffer, answer.key.byteOffset, answer.key.byteLength))
      else job.reject(new Error(answer.error))
    })
    worker.on('error', (error: Error) => { this.#lost(worker, error) })
    worker.on('exit', (code: number) => { this.#lost(worker, new Error(`The password hashing thread stopped (exit code ${code}).`)) })
    return worker
  }

  /** A thread that failed or stopped: its hash fails, and the next hash starts another thread. */
  #lost (worker: Worker, error: Error): void {
    const job = this.#busy.get(worker)
    this.#busy.delete(worker)
    const at = this.#idle.indexOf(worker)
    if (at !== -1) this.#idle.splice(at, 1)
    job?.reject(error)
  }
}
