// Runs npm scripts at the same time and exits with the first failure's code; each script's output
// is printed whole when it ends, so two outputs never interleave. `npm test` runs lint and
// typecheck this way: on two cores they take the time of the longer one.
//
//   node scripts/parallel.js lint typecheck
import { spawn } from 'node:child_process'

const npm = process.env.npm_execpath
const runs = process.argv.slice(2).map((name) => new Promise((resolve) => {
  // Under npm, its own CLI script (npm_execpath) with this Node; else npm from PATH.
  const [command, args] = npm === undefined ? ['npm', ['run', '--silent', name]] : [process.execPath, [npm, 'run', '--silent', name]]
  const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'], shell: npm === undefined && process.platform === 'win32' })
  const chunks = []
  child.stdout.on('data', (chunk) => chunks.push(chunk))
  child.stderr.on('data', (chunk) => chunks.push(chunk))
  child.on('error', (error) => resolve({ name, code: 1, output: `${error.message}\n` }))
  child.on('close', (code) => resolve({ name, code: code ?? 1, output: Buffer.concat(chunks).toString() }))
}))
let failed = 0
for (const run of runs) {
  const { name, code, output } = await run
  process.stdout.write(output)
  if (code !== 0) {
    process.stderr.write(`npm run ${name} failed (exit code ${code})\n`)
    failed ||= code
  }
}
process.exitCode = failed
