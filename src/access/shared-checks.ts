/**
 * Password checks under way, by key, so that the same credentials sent several times at once (a
 * browser opening connections, a login form posted twice, a script) cost one hash. Every request
 * that joins a check is resumed in a turn of the event loop of its own once the check is over.
 * A check joined by many requests at once (200 logins of one account) otherwise settles them all
 * in one go, and their continuations (a session and an answer each) run back to back, holding the
 * loop for tens of milliseconds while the requests of people already logged in wait: the p99 of
 * the benchmark's logged-in client went from about 25 ms to 47–94 ms during such a burst. One per
 * turn lets the server read its other sockets in between.
 */

export class SharedChecks<T> {
  readonly #running = new Map<string, Promise<T>>()
  /** Joiners whose check is over, resumed one per turn of the event loop. */
  readonly #ready: Array<() => void> = []
  #scheduled = false

  /** The check under way for `key`, joined (it settles in a turn of its own), or undefined. */
  joined (key: string): Promise<T> | undefined {
    const running = this.#running.get(key)
    return running === undefined ? undefined : this.#join(running)
  }

  /**
   * Joins the check under way for `key`, or starts one with `start`. The caller that started it
   * goes on as soon as it settles.
   * @example checks.run(key, () => verifyHash(password, stored))
   */
  run (key: string, start: () => Promise<T>): Promise<T> {
    const running = this.#running.get(key)
    if (running !== undefined) return this.#join(running)
    const check = start().finally(() => this.#running.delete(key))
    this.#running.set(key, check)
    return check
  }

  #join (running: Promise<T>): Promise<T> {
    return running.then(
      async (value) => {
        await this.#turn()
        return value
      },
      async (error: unknown) => {
        await this.#turn()
        throw error
      })
  }

  #turn (): Promise<void> {
    return new Promise((resolve) => {
      this.#ready.push(resolve)
      if (!this.#scheduled) {
        this.#scheduled = true
        setImmediate(this.#next)
      }
    })
  }

  /** Resumes one joiner; the next waits for the next turn (an immediate set from an immediate). */
  readonly #next = (): void => {
    const resume = this.#ready.shift() as () => void
    resume()
    if (this.#ready.length > 0) setImmediate(this.#next)
    else this.#scheduled = false
  }
}
