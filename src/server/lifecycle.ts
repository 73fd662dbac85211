/**
 * What happens on reload (SIGHUP, or a watched file changing) and on stop, collected from the
 * modules that own the state: the whitelist, the TLS files, the access log. Each reloader reports
 * its own outcome and keeps the old state when the new one is broken.
 */
export type Task = () => void | Promise<void>

export class Lifecycle {
  readonly #reloaders: Task[] = []
  readonly #closers: Task[] = []

  /** Runs `task` on every reload. */
  onReload (task: Task): void {
    this.#reloaders.push(task)
  }

  /** Runs `task` when the server stops (in reverse order of registration). */
  onClose (task: Task): void {
    this.#closers.push(task)
  }

  async reload (): Promise<void> {
    for (const task of this.#reloaders) await task()
  }

  async close (): Promise<void> {
    for (const task of [...this.#closers].reverse()) await task()
  }
}
