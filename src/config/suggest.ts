/**
 * "Did you mean": the known name closest to a misspelt one, by edit distance ignoring case, or
 * undefined when nothing is close enough to be a likely typo.
 * @example suggest('whitelistmode', ['whitelistMode', 'listen']) // 'whitelistMode'
 */
export function suggest (name: string, known: readonly string[]): string | undefined {
  const target = name.toLowerCase()
  let best: string | undefined
  let bestDistance = Math.max(2, Math.floor(target.length / 4)) + 1
  for (const candidate of known) {
    const d = distance(target, candidate.toLowerCase())
    if (d < bestDistance) {
      best = candidate
      bestDistance = d
    }
  }
  return best
}

/** Levenshtein distance, one row at a time. */
function distance (a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j)
  for (let i = 1; i <= a.length; i++) {
    const current = [i]
    for (let j = 1; j <= b.length; j++) {
      const substitution = (previous[j - 1] as number) + (a[i - 1] === b[j - 1] ? 0 : 1)
      current.push(Math.min(substitution, (previous[j] as number) + 1, (current[j - 1] as number) + 1))
    }
    previous = current
  }
  return previous[b.length] as number
}
