/**
 * nginx as a peer of the proxied case: allow/deny, auth_basic and proxy_pass to the same app, in
 * one process (no master, no daemon) so its CPU time is one process's, as tavern-server's is.
 * Debian's package; where it is not installed the row says so.
 */
import { spawnSync } from 'node:child_process'
import { mkdirSync, writeFileSync } from 'node:fs'
import { createServer } from 'node:net'
import { join } from 'node:path'
import { fetchOnce } from './precheck.js'
import { launch } from './processes.js'

/** `nginx/1.22.1`, or undefined when nginx is not installed. */
export function nginxVersion () {
  const probe = spawnSync('nginx', ['-v'], { encoding: 'utf8' })
  return probe.error === undefined ? /nginx\/\S+/.exec(`${probe.stderr}${probe.stdout}`)?.[0] : undefined
}

async function freePort () {
  const server = createServer()
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address()
  await new Promise((resolve) => server.close(resolve))
  return port
}

/**
 * Starts nginx in `dir` in front of `upstream`, admitting `allow` with `user`:`password`.
 * @returns {Promise<{ proc, origin: string, protocol: 'http' }>}
 */
export async function startNginx ({ dir, upstream, allow, user, password, cpu, timeoutMs = 10_000 }) {
  mkdirSync(join(dir, 'tmp'), { recursive: true })
  const port = await freePort()
  writeFileSync(join(dir, 'htpasswd'), `${user}:{PLAIN}${password}\n`)
  const up = new URL(upstream)
  writeFileSync(join(dir, 'nginx.conf'), `
daemon off;
master_process off;
worker_processes 1;
pid ${join(dir, 'nginx.pid')};
error_log stderr warn;
events { worker_connections 4096; }
http {
  access_log off;
  client_body_temp_path ${join(dir, 'tmp')};
  proxy_temp_path ${join(dir, 'tmp')};
  fastcgi_temp_path ${join(dir, 'tmp')};
  uwsgi_temp_path ${join(dir, 'tmp')};
  scgi_temp_path ${join(dir, 'tmp')};
  upstream app { server ${up.host}; keepalive 64; }
  server {
    listen 127.0.0.1:${port};
    allow ${allow};
    deny all;
    auth_basic "bench";
    auth_basic_user_file ${join(dir, 'htpasswd')};
    location / {
      proxy_pass http://app;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_set_header Authorization "";
      proxy_buffering off;
    }
  }
}
`)
  const proc = launch('nginx', ['-e', 'stderr', '-p', dir, '-c', join(dir, 'nginx.conf')], { cpu })
  const origin = `http://127.0.0.1:${port}`
  const deadline = Date.now() + timeoutMs
  for (;;) {
    try {
      await fetchOnce(`${origin}/`)
      return { proc, origin, protocol: 'http' }
    } catch (error) {
      if (proc.child.exitCode !== null || Date.now() > deadline) {
        await proc.stop(2000)
        throw new Error(`nginx did not start: ${proc.err().trim().split('\n').pop() || error.message}`)
      }
      await new Promise((resolve) => setTimeout(resolve, 50))
    }
  }
}
