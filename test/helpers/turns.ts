import type { Test } from 'tap'

/**
 * Counts the turns of the event loop (one immediate per turn) until the test ends.
 * @example const turn = countTurns(t); ...; served.push(turn())
 */
export function countTurns (t: Test): () => number {
  let turns = 0
  let counting = true
  const count = (): void => {
    turns++
    if (counting) setImmediate(count)
  }
  setImmediate(count)
  t.teardown(() => { counting = false })
  return () => turns
}
