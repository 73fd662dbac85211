/**
 * A hashed password for the Basic auth cases, made the way a user makes one: the real
 * `tavern-server hash-password` command, with the password on stdin.
 */
import { runToEnd, lastLine } from './processes.js'
import { TAVERN_BIN, writeConfig } from './servers.js'

/** The hash in the command's output: its only line, or else its longest word (hashes have no spaces). */
export function findHash (output, password) {
  const lines = output.split('\n').map((l) => l.trim()).filter((l) => l !== '')
  const unquote = (text) => text.replace(/^(?:password:\s*)?(['"]?)(.*)\1$/, '$2')
  const candidates = lines.length === 1
    ? [unquote(lines[0])]
    : output.split(/\s+/).map(unquote).filter((word) => word.length >= 20).sort((a, b) => b.length - a.length)
  const hash = candidates[0]
  return hash === undefined || hash === password || /\s/.test(hash) ? undefined : hash
}

/**
 * Runs `tavern-server hash-password` (`bin`) in `dir`, where it reads the config the server would.
 * Throws with the reason when the command is missing or fails.
 */
export async function hashPassword (password, dir, bin = TAVERN_BIN) {
  writeConfig(dir, {})
  const result = await runToEnd(process.execPath, [bin, 'hash-password'], { cwd: dir, input: `${password}\n`, timeoutMs: 30_000 })
  if (result.code !== 0) {
    throw new Error(`\`tavern-server hash-password\` failed (exit ${result.code}): ${lastLine(result.err) || lastLine(result.out)}`)
  }
  const hash = findHash(result.out, password)
  if (hash === undefined) throw new Error(`\`tavern-server hash-password\` printed no hash: ${JSON.stringify(result.out)}`)
  return hash
}
