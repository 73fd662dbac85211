/**
 * The last line of CI: "N passed, N failed", counted from what is always there. tap's own summary
 * line is not: with CI=true, a test file that times out suppresses it (and drops other files'
 * results from the combined stream). Every test file's own TAP output is written whole to
 * .tap/test-results/<file>.tap, so the count comes from those, one file at a time: every
 * assertion that passed or failed, a file that ended early (killed, crashed, timed out) or
 * never ran counts as a failure, and a run that failed without a failing test (lint, typecheck,
 * the coverage threshold) counts one.
 *
 *   node .ci/count-results.js --status <exit code of npm test> [--log <its output>] \
 *     [--check "<name>=<exit code>"]... [--results .tap/test-results] <test files...>
 *   node .ci/count-results.js --step-failed "npm ci"
 *
 * The test files are given as paths relative to the project (test/x.test.ts), as tap names them.
 */
import { existsSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import { parseArgs } from 'node:util'

const RESULT = /^(\s*)(not ok|ok)\b(?:\s*\d+)?(?:\s*-)?\s*(.*)$/
const DIRECTIVE = /\s#\s*(SKIP|TODO)\b/i

/**
 * Counts one test file's TAP output: assertions passed, failed and skipped, and what went wrong
 * beyond failed assertions (a missing plan, a bail-out, a timeout).
 * @param {string} text
 * @returns {{ passed: number, failed: number, skipped: number, problems: string[] }}
 */
export function countTap (text) {
  const counts = { passed: 0, failed: 0, skipped: 0, problems: [] }
  const lines = text.replace(/\r/g, '').split('\n')
  /** Open subtests: the indent of their lines' parent, and the failures counted when they began. */
  const open = []
  let plan
  let topLevel = 0
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]
    const indent = line.length - line.trimStart().length
    const body = line.trim()
    if (body.startsWith('# Subtest')) {
      open.push({ indent, failedBefore: counts.failed, seenBefore: counts.passed + counts.failed + counts.skipped })
      continue
    }
    if (body.startsWith('Bail out!')) {
      counts.failed++
      counts.problems.push(body)
      continue
    }
    if (indent === 0 && /^1\.\.\d+/.test(body)) plan = Number(body.slice(3).split(/\s/)[0])
    const result = RESULT.exec(line)
    if (result === null) continue
    const ok = result[2] === 'ok'
    const description = result[3]
    // A diagnostic block (---, ..., indented 2 more) belongs to this result: skip it whole, since
    // its text (a source excerpt) may hold lines that look like results.
    if (lines[i + 1]?.trim() === '---') {
      while (i + 1 < lines.length && lines[i + 1].trim() !== '...') i++
      i++
    }
    if (indent === 0) topLevel++
    const subtest = open.at(-1)
    if (subtest !== undefined && subtest.indent === indent) {
      // The end of a subtest: its assertions were counted one by one; a subtest that failed
      // with none of them failing (a plan not met, an error thrown) counts once, and so does
      // one that passed without any (a property check that asserts by throwing), as tap does.
      open.pop()
      if (!ok && counts.failed === subtest.failedBefore) {
        counts.failed++
        counts.problems.push(`not ok - ${description}`)
      } else if (ok && counts.passed + counts.failed + counts.skipped === subtest.seenBefore && !DIRECTIVE.test(description)) {
        counts.passed++
      }
      continue
    }
    const directive = DIRECTIVE.exec(description)?.[1]?.toUpperCase()
    if (directive !== undefined) {
      if (directive === 'SKIP') counts.skipped++
      continue
    }
    if (ok) {
      counts.passed++
    } else {
      counts.failed++
      counts.problems.push(/^timeout!/.test(description) ? 'timed out' : `not ok - ${description}`)
    }
  }
  if (plan === undefined) {
    counts.failed++
    counts.problems.push('ended before its plan (killed, crashed or timed out)')
  } else if (topLevel < plan) {
    counts.failed++
    counts.problems.push(`planned ${plan} tests, ran ${topLevel}`)
  }
  return counts
}

/**
 * @param {{ files: string[], read: (file: string) => string | undefined, status: number, log?: string, checks?: Array<{ name: string, status: number }> }} run
 *   `read` gives a test file's TAP output, or undefined when it has none
 * @returns {{ passed: number, failed: number, skipped: number, lines: string[] }} `lines` ends
 *   with "N passed, N failed"
 */
export function countRun ({ files, read, status, log = '', checks = [] }) {
  const total = { passed: 0, failed: 0, skipped: 0, lines: [] }
  const outputs = files.map((file) => ({ file, text: read(file) }))
  if (status !== 0 && outputs.every((o) => o.text === undefined)) {
    total.failed++
    total.lines.push(`npm test failed (exit code ${status}) before any test file ran: the build, lint or typecheck failed (see above).`)
  } else {
    for (const { file, text } of outputs) {
      if (text === undefined) {
        total.failed++
        total.lines.push(`${file}: no results (it did not run, or was killed before it printed anything)`)
        continue
      }
      const counts = countTap(text)
      total.passed += counts.passed
      total.failed += counts.failed
      total.skipped += counts.skipped
      if (counts.failed > 0) total.lines.push(`${file}: ${counts.passed} passed, ${counts.failed} failed: ${[...new Set(counts.problems)].join('; ')}`)
    }
    if (status !== 0 && total.failed === 0) {
      total.failed++
      const coverage = log.split('\n').filter((l) => /coverage/i.test(l) && /threshold|does not meet/i.test(l))
      total.lines.push(coverage.length > 0
        ? `npm test failed (exit code ${status}) with every test passing: ${coverage.map((l) => l.trim()).join(' ')}`
        : `npm test failed (exit code ${status}) with every test passing (lint, typecheck or coverage: see above).`)
    }
  }
  for (const check of checks) {
    if (check.status === 0) {
      total.passed++
    } else {
      total.failed++
      total.lines.push(`${check.name}: failed (exit code ${check.status})`)
    }
  }
  if (total.skipped > 0) total.lines.push(`${total.skipped} skipped (each test prints why)`)
  total.lines.push(`${total.passed} passed, ${total.failed} failed`)
  return total
}

function main (argv) {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      status: { type: 'string' },
      log: { type: 'string' },
      results: { type: 'string', default: join('.tap', 'test-results') },
      check: { type: 'string', multiple: true, default: [] },
      'step-failed': { type: 'string' }
    }
  })
  if (values['step-failed'] !== undefined) {
    return [`${values['step-failed']} failed: no test ran.`, '0 passed, 1 failed']
  }
  const checks = values.check.map((text) => {
    const at = text.lastIndexOf('=')
    return { name: text.slice(0, at), status: Number(text.slice(at + 1)) }
  })
  const read = (file) => {
    const path = join(values.results, `${file}.tap`)
    return existsSync(path) ? readFileSync(path, 'utf8') : undefined
  }
  const log = values.log !== undefined && existsSync(values.log) ? readFileSync(values.log, 'utf8') : ''
  return countRun({ files: positionals, read, status: Number(values.status ?? '0'), log, checks }).lines
}

// Exit code 0 once the line is printed, whatever it says: a non-zero exit means the count itself
// failed, and .ci/run then prints a line of its own.
if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  process.stdout.write(`${main(process.argv.slice(2)).join('\n')}\n`)
}
