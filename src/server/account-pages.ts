/**
 * The login, account and admin pages: forms that post to our own routes (account-routes.ts),
 * which answer with a redirect back here (and a confirmation) or the page again with the error.
 */
import type { Account } from '../accounts/account-file.js'
import type { Session } from '../accounts/session-store.js'
import { commandLine } from '../invocation.js'
import { html, message, page } from './page-layout.js'
import type { Html } from './page-layout.js'
import { RESERVED_PREFIX } from './reserved-paths.js'

const P = RESERVED_PREFIX

/** "Chrome on Android" from a User-Agent, as far as it tells; the raw text otherwise. */
export function deviceName (userAgent: string): string {
  const browser = [['Edg/', 'Edge'], ['OPR/', 'Opera'], ['SamsungBrowser/', 'Samsung Internet'], ['Firefox/', 'Firefox'], ['FxiOS/', 'Firefox'], ['CriOS/', 'Chrome'], ['Chrome/', 'Chrome'], ['Safari/', 'Safari']]
    .find(([token]) => userAgent.includes(token as string))?.[1]
  const system = [['iPhone', 'iPhone'], ['iPad', 'iPad'], ['Android', 'Android'], ['Windows', 'Windows'], ['Mac OS X', 'macOS'], ['CrOS', 'ChromeOS'], ['Linux', 'Linux']]
    .find(([token]) => userAgent.includes(token as string))?.[1]
  if (browser !== undefined && system !== undefined) return `${browser} on ${system}`
  if (userAgent === '') return 'an unknown device'
  return userAgent.length > 60 ? `${userAgent.slice(0, 57)}...` : userAgent
}

/** "just now", "5 minutes ago", or the date (UTC) for anything older than a day. */
export function when (time: number, now: number): string {
  const minutes = Math.floor((now - time) / 60_000)
  if (minutes < 1) return 'just now'
  if (minutes < 60) return `${minutes} minute${minutes === 1 ? '' : 's'} ago`
  if (minutes < 24 * 60) return `${Math.floor(minutes / 60)} hour${minutes < 120 ? '' : 's'} ago`
  return `on ${new Date(time).toISOString().slice(0, 16).replace('T', ' ')} UTC`
}

function csrfField (csrf: string): Html {
  return html`<input type="hidden" name="_csrf" value="${csrf}">`
}

/** A form that is just one button. */
function button (action: string, label: string, csrf: string, kind: 'plain' | 'danger', fields: Record<string, string> = {}): Html {
  const hidden = Object.entries(fields).map(([name, value]) => html`<input type="hidden" name="${name}" value="${value}">`)
  return html`<form method="post" action="${action}">${csrfField(csrf)}${hidden}<button type="submit" class="${kind}">${label}</button></form>`
}

export interface LoginView {
  /** Accounts to pick from; undefined with enableDiscreetLogin. */
  accounts: ReadonlyArray<Pick<Account, 'handle' | 'name'>> | undefined
  handle: string
  next: string
  error?: string
  /** Who is logged in already, if anyone. */
  current?: string
  /** Enabled admin accounts without a password, and whether this browser may set one. */
  noPassword: { handles: readonly string[], local: boolean, discreet: boolean }
}

function firstPasswordSection (view: LoginView): Html | undefined {
  const { handles, local, discreet } = view.noPassword
  if (handles.length === 0) return undefined
  if (!local) {
    const who = discreet ? 'An admin account' : html`The admin account <code>${handles[0]}</code>`
    return html`<section><h2>No password yet</h2>
<p>${who} has no password yet, so nobody can log in to it. On the server, run
<code>${commandLine(`users passwd ${discreet ? '<handle>' : handles[0] as string}`)}</code>, or open this page in a browser on the server itself.</p></section>`
  }
  return html`${handles.map((handle) => html`<section><h2>Set the first password of ${handle}</h2>
<p class="muted">This account has no password yet. This browser runs on the server itself, so it may set one.</p>
<form method="post" action="${P}/first-password">
<input type="hidden" name="handle" value="${handle}"><input type="hidden" name="next" value="${view.next}">
<input type="text" name="username" value="${handle}" autocomplete="username" hidden>
<label for="first-${handle}">New password</label>
<input type="password" id="first-${handle}" name="password" autocomplete="new-password" required>
<label for="first-${handle}-again">New password again</label>
<input type="password" id="first-${handle}-again" name="confirm" autocomplete="new-password" required>
<button type="submit" class="wide">Set password and log in</button>
</form></section>`)}`
}

export function loginPage (view: LoginView): string {
  const query = (handle: string): string => `?handle=${encodeURIComponent(handle)}${view.next === '/' ? '' : `&next=${encodeURIComponent(view.next)}`}`
  const picker = view.accounts === undefined || view.accounts.length === 0
    ? undefined
    : html`<ul class="pick">${view.accounts.map((a) => html`<li><a href="${query(a.handle)}">${a.name}${a.name === a.handle ? '' : html` <span class="muted">&nbsp;${a.handle}</span>`}</a></li>`)}</ul>`
  return page('Log in', html`<h1>Log in</h1>
${message('error', view.error)}
${view.current === undefined ? undefined : html`<p class="msg ok">You are logged in as <strong>${view.current}</strong>. <a href="${P}/account">Your account</a>. Logging in again switches the account.</p>`}
<section>
${picker}
<form method="post" action="${P}/login">
<input type="hidden" name="next" value="${view.next}">
<label for="handle">User name</label>
<input type="text" id="handle" name="handle" value="${view.handle}" autocomplete="username" autocapitalize="none" autocorrect="off" spellcheck="false" required${view.handle === '' ? html` autofocus` : ''}>
<label for="password">Password</label>
<input type="password" id="password" name="password" autocomplete="current-password" required${view.handle === '' ? '' : html` autofocus`}>
<button type="submit" class="wide">Log in</button>
</form>
</section>
${firstPasswordSection(view)}`)
}

export interface AccountView {
  account: Account
  sessions: readonly Session[]
  /** The ref of the session this page was asked from. */
  current: string | undefined
  csrf: string
  /** Per-user Basic auth: the browser holds the password, there are no sessions. */
  perUserBasic: boolean
  now: number
  done?: string
  error?: string
}

function sessionItem (session: Session, view: AccountView): Html {
  const mine = session.ref === view.current
  return html`<li><strong>${deviceName(session.device)}</strong>${mine ? html` <span class="tag">this device</span>` : ''}<br>
<span class="muted">from ${session.address}, last seen ${when(session.lastSeen, view.now)}, logged in ${when(session.created, view.now)}</span>
${mine ? '' : html`<div class="row">${button(`${P}/account/sessions/end`, 'End', view.csrf, 'plain', { session: session.ref })}</div>`}</li>`
}

export function accountPage (view: AccountView): string {
  const { account } = view
  const others = view.sessions.filter((s) => s.ref !== view.current).length
  const sessions = view.perUserBasic
    ? html`<p>You are logged in with the user name and password your browser keeps (per-user Basic auth). To log out, close the browser or clear its saved password.</p>`
    : html`<ul class="list">${view.sessions.map((s) => sessionItem(s, view))}</ul>
${others === 0 ? undefined : html`<div class="row">${button(`${P}/account/sessions/end-others`, 'End all other sessions', view.csrf, 'danger')}</div>`}`
  return page('Your account', html`<nav><a href="/">Home</a>${account.admin ? html`<a href="${P}/admin">Admin</a>` : ''}</nav>
<h1>${account.name}</h1>
<p class="muted">Logged in as <code>${account.handle}</code>${account.admin ? ' (admin)' : ''}.</p>
${message('ok', view.done)}${message('error', view.error)}
<section><h2>Change your password</h2>
<p class="muted">Your other sessions end; this one stays.</p>
<form method="post" action="${P}/account/password">${csrfField(view.csrf)}
<input type="text" name="username" value="${account.handle}" autocomplete="username" hidden>
<label for="current">Current password</label>
<input type="password" id="current" name="current" autocomplete="current-password" required>
<label for="password">New password</label>
<input type="password" id="password" name="password" autocomplete="new-password" required>
<label for="confirm">New password again</label>
<input type="password" id="confirm" name="confirm" autocomplete="new-password" required>
<button type="submit" class="wide">Change password</button>
</form></section>
<section><h2>Sessions</h2>
${sessions}
</section>
${view.perUserBasic ? undefined : html`<section>${button(`${P}/logout`, 'Log out', view.csrf, 'plain')}</section>`}`)
}

export interface AdminView {
  actor: Account
  accounts: readonly Account[]
  sessions: (handle: string) => number
  csrf: string
  done?: string
  error?: string
  /** What the create form had, after an error. */
  draft?: { handle: string, name: string, admin: boolean }
}

function accountItem (account: Account, view: AdminView): Html {
  const self = account.handle === view.actor.handle
  const base = `${P}/admin/accounts/${encodeURIComponent(account.handle)}`
  const sessions = view.sessions(account.handle)
  const tags = [
    account.admin ? html`<span class="tag">admin</span>` : undefined,
    account.enabled ? undefined : html`<span class="tag">disabled</span>`,
    account.password === '' ? html`<span class="tag">no password</span>` : undefined,
    self ? html`<span class="tag">you</span>` : undefined
  ]
  const actions = self
    ? html`<p class="muted">Change your own password on <a href="${P}/account">your account page</a>.</p>`
    : html`<div class="row">
${account.enabled ? button(`${base}/disable`, 'Disable', view.csrf, 'plain') : button(`${base}/enable`, 'Enable', view.csrf, 'plain')}
${account.admin ? button(`${base}/demote`, 'Make user', view.csrf, 'plain') : button(`${base}/promote`, 'Make admin', view.csrf, 'plain')}
</div>
<details><summary>Set a new password</summary>
<form method="post" action="${base}/password">${csrfField(view.csrf)}
<label for="pw-${account.handle}">New password for ${account.handle}</label>
<input type="password" id="pw-${account.handle}" name="password" autocomplete="new-password" required>
<button type="submit">Set password</button>
</form></details>
<details><summary>Remove…</summary>
<p class="muted">The account and its sessions go; its folder stays on the server.</p>
${button(`${base}/remove`, `Remove ${account.handle}`, view.csrf, 'danger')}
</details>`
  return html`<li><strong>${account.name}</strong> <code>${account.handle}</code>${tags}<br>
<span class="muted">Sessions: ${sessions}${account.importedFrom === undefined ? '' : `; imported from ${account.importedFrom === 'sillytavern' ? 'SillyTavern' : account.importedFrom}`}</span>
${actions}</li>`
}

export function adminPage (view: AdminView): string {
  const draft = view.draft ?? { handle: '', name: '', admin: false }
  return page('Accounts', html`<nav><a href="/">Home</a><a href="${P}/account">Your account</a></nav>
<h1>Accounts</h1>
${message('ok', view.done)}${message('error', view.error)}
<section><h2>New account</h2>
<form method="post" action="${P}/admin/accounts">${csrfField(view.csrf)}
<label for="new-handle">User name</label>
<input type="text" id="new-handle" name="handle" value="${draft.handle}" autocomplete="off" autocapitalize="none" autocorrect="off" spellcheck="false" pattern="[a-z0-9]([a-z0-9\\-]*[a-z0-9])?" maxlength="64" required>
<p class="muted">a-z, 0-9 and -, up to 64 characters</p>
<label for="new-name">Display name</label>
<input type="text" id="new-name" name="name" value="${draft.name}" maxlength="100">
<label for="new-password">Password</label>
<input type="password" id="new-password" name="password" autocomplete="new-password">
<p class="muted">Without one, nobody can log in to the account until a password is set.</p>
<label class="check"><input type="checkbox" name="admin"${draft.admin ? html` checked` : ''}> Admin</label>
<button type="submit" class="wide">Create account</button>
</form></section>
<section><h2>Accounts (${view.accounts.length})</h2>
<ul class="list">${view.accounts.map((a) => accountItem(a, view))}</ul>
</section>`)
}

/** A page for an error outside the forms above (a body too large, a page that does not exist). */
export function errorPage (status: number, text: string): string {
  return page(`Error ${status}`, html`<h1>Error ${status}</h1>${message('error', text)}<p><a href="${P}/account">Your account</a> · <a href="/">Home</a></p>`)
}
