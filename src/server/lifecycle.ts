/**
 * What happens on reload (SIGHUP, or a watched file changing) and on stop, collected from the
 * modules that own the state: the whitelist, the TLS files, the access log, the accounts. Each
 * reloader reports its own outcome and keeps the old state when the new one is broken; one that
 * throws anyway is reported here and the others still run, so a reload never stops the server.
 */
export type Task = () => void | Promise<void>

/** Told about a reload step that threw: what it was, and the error. */
export type FailureReport = (what: string, error: Error) => void

export class Lifecycle {
  readonly #reloaders: Array<{ what: string, task: Task }> = []
  readonly #closers: Task[] = []

  /** @param report told of a reload step that failed (the server goes on with what it had). */
  constructor (private readonly report: FailureReport = () => {}) {}

  /** Runs `task` on every reload; `what` names it in the report if it fails. */
  onReload (task: Task, what = 'a reload step'): void {
    this.#reloaders.push({ what, task })
  }

  /** Runs `task` when the server stops (in reverse order of registration). */
  onClose (task: Task): void {
    this.#closers.push(task)
  }

  /**
   * Runs `task`, reporting instead of throwing if it fails: for reloads that a file watch starts.
   * @example watchFiles(files, () => { void lifecycle.attempt('the whitelist', reload) }, options)
   */
  async attempt (what: string, task: Task): Promise<void> {
    try {
      await task()
    } catch (error) {
      this.report(what, error instanceof Error ? error : new Error(String(error)))
    }
  }

  /** Every reload step, in order; each one's failure is reported and does not stop the next. */
  async reload (): Promise<void> {
    for (const { what, task } of this.#reloaders) await this.attempt(what, task)
  }

  async close (): Promise<void> {
    for (const task of [...this.#closers].reverse()) await task()
  }
}
