/**
 * The README's first command on a fresh clone, with nothing installed by hand: clones this
 * repository's last commit into a temporary folder, runs `npm install`, then `npm start` until
 * GET /healthz answers 200, and stops it with Ctrl-C (SIGINT). With --test, it then runs the
 * README's second command, `npm test`, in the clone too (minutes; CI runs `npm test` on its own
 * clean clone already).
 *
 *   node .ci/fresh-clone-check.js [--test] [--keep]
 *
 * The server is started with TAVERN_PORT=0 (a free port, printed on its Go to: line), so the
 * check does not depend on port 8000 being free; everything else is the defaults a new user gets.
 * Uncommitted changes are not in a clone: commit first. Exit code 0 when every step worked.
 */
import { spawn } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { get } from 'node:http'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'

const REPO = fileURLToPath(new URL('..', import.meta.url))
const START_TIMEOUT_MS = 180_000
const STOP_TIMEOUT_MS = 15_000

const { values: options } = parseArgs({ options: { test: { type: 'boolean', default: false }, keep: { type: 'boolean', default: false } } })
const began = Date.now()
const log = (line) => process.stderr.write(`[fresh clone ${((Date.now() - began) / 1000).toFixed(0).padStart(3)} s] ${line}\n`)

/** Runs a command to its end with its output shown; rejects unless it exits 0. */
function run (command, args, cwd, env = process.env) {
  log(`$ ${[command, ...args].join(' ')}`)
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd, env, stdio: ['ignore', 'inherit', 'inherit'] })
    child.on('error', reject)
    child.on('close', (code) => code === 0 ? resolve() : reject(new Error(`${command} ${args.join(' ')} exited with ${code}`)))
  })
}

function health (url) {
  return new Promise((resolve, reject) => {
    get(`${url}healthz`, (res) => {
      let body = ''
      res.setEncoding('utf8').on('data', (chunk) => { body += chunk }).on('end', () => resolve({ status: res.statusCode, body }))
    }).on('error', reject)
  })
}

/** `npm start` in its own process group, so Ctrl-C reaches npm, the shell and the server alike. */
async function startAndCheck (cwd) {
  log('$ npm start   (TAVERN_PORT=0)')
  const child = spawn('npm', ['start'], { cwd, env: { ...process.env, TAVERN_PORT: '0' }, detached: true, stdio: ['ignore', 'pipe', 'pipe'] })
  let out = ''
  const exited = new Promise((resolve) => child.on('close', (code, signal) => resolve(code ?? signal)))
  const stopGroup = (signal) => { try { process.kill(-child.pid, signal) } catch { /* already gone */ } }
  for (const stream of [child.stdout, child.stderr]) {
    stream.setEncoding('utf8').on('data', (chunk) => {
      out += chunk
      process.stderr.write(chunk)
    })
  }
  try {
    const url = await new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`npm start printed no Go to: line within ${START_TIMEOUT_MS / 1000} s`)), START_TIMEOUT_MS)
      const look = () => {
        const match = /Go to: (http:\/\/\S+\/)\n/.exec(out)
        if (match !== null) {
          clearTimeout(timer)
          resolve(match[1])
        }
      }
      child.stdout.on('data', look)
      void exited.then((code) => reject(new Error(`npm start exited (${code}) before the server listened`)))
    })
    const answer = await health(url)
    if (answer.status !== 200) throw new Error(`GET ${url}healthz answered ${answer.status}: ${answer.body}`)
    log(`GET ${url}healthz: ${answer.status} ${answer.body.trim()}`)
    if (!/Created config\.yaml with default values at /.test(out)) throw new Error('the first start did not say it created config.yaml')
  } finally {
    stopGroup('SIGINT')
    const timer = setTimeout(() => stopGroup('SIGKILL'), STOP_TIMEOUT_MS)
    await exited
    clearTimeout(timer)
  }
  if (!/SIGINT received/.test(out)) throw new Error('the server did not stop on Ctrl-C (SIGINT)')
  log('stopped with Ctrl-C')
}

const work = mkdtempSync(join(tmpdir(), 'tavern-fresh-clone-'))
const clone = join(work, 'tavern-server')
try {
  await run('git', ['clone', '--quiet', '--no-hardlinks', REPO, clone], work)
  await run('npm', ['install'], clone)
  await startAndCheck(clone)
  if (options.test) await run('npm', ['test'], clone)
  log(`the README's command${options.test ? 's work' : ' works'} on a fresh clone`)
} catch (error) {
  log(`FAILED: ${error.message}`)
  process.exitCode = 1
} finally {
  if (options.keep) log(`kept ${clone}`)
  else rmSync(work, { recursive: true, force: true })
}
