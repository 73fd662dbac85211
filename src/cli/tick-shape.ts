/**
 * Keeps `process.nextTick` fast for the life of the process. Node's HTTP and stream code calls it
 * several times per request, and each call builds a queue entry with an object literal whose first
 * keys are computed (`{ [async_id_symbol]: …, [trigger_async_id_symbol]: …, callback, args }`).
 * V8 remembers the hidden classes ("maps") those stores go through, but only weakly. When a full
 * garbage collection finds no queue entry alive (an idle moment, or start-up), those maps die, the
 * next call makes new ones, and V8 marks the stores megamorphic for good: from then on every
 * `nextTick` defines its properties through the runtime, about five times slower. With Node.js
 * 20.20 that is 2 to 3 µs of CPU per request; tavern-server's start-up always hit it, and a bare
 * Fastify server hits it after its first idle full collections.
 *
 * One real queue entry, kept for ever, keeps its maps alive, so the stores stay monomorphic. It is
 * captured with an async hook that is switched on for a single `nextTick` call and off again.
 * Where Node makes its queue entries differently, the kept object is harmless and does nothing.
 */
import { createHook } from 'node:async_hooks'

let kept: object | undefined

/** The kept queue entry, for tests; undefined before keepTickShape() has run. */
export function keptTickObject (): object | undefined {
  return kept
}

/**
 * Call before the process does much else: the earlier, the fewer maps can have died already.
 * @param nextTick the process's `process.nextTick`
 * @example keepTickShape(process.nextTick) // first thing in main()
 */
export function keepTickShape (nextTick: (callback: () => void) => void): void {
  if (kept !== undefined) return
  const hook = createHook({
    init (_asyncId, type, _triggerAsyncId, resource) {
      if (type === 'TickObject') kept ??= resource
    }
  })
  hook.enable()
  try {
    nextTick(() => {})
  } finally {
    hook.disable()
  }
}
