// The demo identity provider's sign-in form: plain HTML, no script, every value escaped.
export const DEMO_LOGIN_TITLE = 'Sign in to the demo identity provider';

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (ch) => `&#${ch.charCodeAt(0)};`);
}

export function renderLoginPage(input: { action: string; clientId: string; username?: string; error?: string }): string {
  return [
    '<!doctype html>',
    '<html lang="en">',
    '<head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">',
    `<title>${DEMO_LOGIN_TITLE}</title>`,
    '<style>body{font:1rem/1.5 system-ui,sans-serif;max-width:24rem;margin:2rem auto;padding:0 1rem}label,input,button{display:block;width:100%;margin:.25rem 0}input,button{font:inherit;padding:.5rem}p.error{color:#a00000}</style>',
    '</head>',
    '<body><main>',
    `<h1>${DEMO_LOGIN_TITLE}</h1>`,
    `<p>The application <strong>${escapeHtml(input.clientId)}</strong> asks you to sign in.</p>`,
    input.error ? `<p class="error" role="alert">${escapeHtml(input.error)}</p>` : '',
    `<form method="post" action="${escapeHtml(input.action)}">`,
    '<label for="username">Username</label>',
    `<input id="username" name="username" autocomplete="username" required value="${escapeHtml(input.username ?? '')}">`,
    '<label for="password">Password</label>',
    '<input id="password" name="password" type="password" autocomplete="current-password" required>',
    '<button type="submit">Sign in</button>',
    '</form>',
    '</main></body></html>',
    '',
  ].join('\n');
}
