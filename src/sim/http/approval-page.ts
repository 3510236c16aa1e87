import express, { type Response } from 'express';
import { SCOPE_API, SCOPE_STREAM } from '../../cardata/wire';
import type { Decision, DeviceCodeEntry, DeviceCodeStore } from './device-codes';
import { formField } from './form';

const SCOPE_TEXT: Record<string, string> = {
  authenticate_user: 'Sign in with your BMW ID',
  openid: 'Confirm your identity (ID token, the stream password)',
  [SCOPE_API]: 'Read vehicle data through the CarData API',
  [SCOPE_STREAM]: 'Receive the live CarData stream',
};

const RESULT: Record<Decision, { status: number; title: string; text: string }> = {
  approved: { status: 200, title: 'Device connected', text: 'You can close this window and return to your device.' },
  denied: { status: 200, title: 'Access denied', text: 'The device was not given access. You can close this window.' },
  unknown: { status: 404, title: 'Code not found', text: 'This code is not valid. Check the code on your device.' },
  expired: { status: 410, title: 'Code expired', text: 'This code has expired. Start the login on your device again.' },
  'already-decided': {
    status: 409,
    title: 'Code already used',
    text: 'This code has already been approved or denied.',
  },
};

/** The verification page BMW shows at `/oneid/link`: enter or confirm the user code, then approve or deny. */
export function approvalRouter(deviceCodes: DeviceCodeStore): express.Router {
  const router = express.Router();
  router.get('/oneid/link', (req, res) => {
    const userCode = typeof req.query.user_code === 'string' ? req.query.user_code.trim() : '';
    const entry = userCode ? deviceCodes.lookup(userCode) : undefined;
    let notice = '';
    if (userCode && !entry) notice = RESULT.unknown.text;
    else if (entry && deviceCodes.isExpired(entry)) notice = RESULT.expired.text;
    else if (entry && entry.state !== 'pending') notice = RESULT['already-decided'].text;
    const details = entry && !notice ? grantDetails(entry) : '';
    send(res, 200, 'Connect a device', confirmForm(userCode, details, notice), notice ? 'invalid' : 'form');
  });
  router.post('/oneid/link', express.urlencoded({ extended: false }), (req, res) => {
    const userCode = formField(req, 'user_code');
    const decision = formField(req, 'decision');
    if (!userCode.ok || !decision.ok || !['approve', 'deny'].includes(decision.value)) {
      const text = 'Enter the code shown on your device, then choose Approve or Deny.';
      send(res, 400, 'Connect a device', confirmForm('', '', text), 'invalid');
      return;
    }
    const outcome =
      decision.value === 'approve' ? deviceCodes.approve(userCode.value) : deviceCodes.deny(userCode.value);
    const result = RESULT[outcome];
    send(
      res,
      result.status,
      result.title,
      `<p id="result" data-outcome="${outcome}">${escapeHtml(result.text)}</p>`,
      outcome,
    );
  });
  return router;
}

function grantDetails(entry: DeviceCodeEntry): string {
  const { account } = entry;
  const scopes = entry.scope
    .map((scope) => {
      const missing =
        (scope === SCOPE_API && !account.subscribedApi) ||
        (scope.startsWith('cardata:streaming:') && !account.subscribedStream);
      const text = SCOPE_TEXT[scope] ?? 'Stream data item';
      const note = missing ? ' <em>(not granted: the client is not subscribed to this service)</em>' : '';
      return `<li><code>${escapeHtml(scope)}</code> ${escapeHtml(text)}${note}</li>`;
    })
    .join('');
  return `<dl>
  <dt>Account (GCID)</dt><dd id="gcid"><code>${escapeHtml(account.gcid)}</code></dd>
  <dt>Client ID</dt><dd><code>${escapeHtml(account.clientId)}</code></dd>
  <dt>Requested access</dt><dd><ul id="scopes">${scopes}</ul></dd>
</dl>`;
}

function confirmForm(userCode: string, details: string, notice: string): string {
  const message = notice ? `<p class="notice" id="notice" role="alert">${escapeHtml(notice)}</p>` : '';
  return `${message}<p>Enter the code shown on your device to give it access to your vehicle data.</p>
<form method="post" action="/oneid/link">
  <label for="user_code">Code</label>
  <input id="user_code" name="user_code" value="${escapeHtml(userCode)}" autocomplete="off" spellcheck="false" required>
  ${details}
  <div class="actions">
    <button id="deny" type="submit" name="decision" value="deny" class="secondary">Deny</button>
    <button id="approve" type="submit" name="decision" value="approve">Approve</button>
  </div>
</form>`;
}

function send(res: Response, status: number, title: string, body: string, state: string): void {
  res
    .status(status)
    .type('html')
    .set('Cache-Control', 'no-store')
    .send(
      `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)} · CarData simulator</title><style>${CSS}</style></head>
<body data-state="${escapeHtml(state)}"><main><header>BMW ID <span>· CarData simulator</span></header>
<h1>${escapeHtml(title)}</h1>${body}</main></body></html>`,
    );
}

export function escapeHtml(text: string): string {
  return text.replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] ?? c,
  );
}

const CSS = `
*{box-sizing:border-box}body{margin:0;min-height:100vh;display:grid;place-items:center;background:#f2f4f7;
font:16px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:#1b1f24}
main{width:min(440px,92vw);background:#fff;border-radius:12px;box-shadow:0 8px 30px rgba(20,30,50,.12);padding:32px}
header{font-weight:700;letter-spacing:.02em;color:#1c69d4;margin-bottom:12px}header span{color:#6b7785;font-weight:400}
h1{font-size:1.5rem;margin:0 0 12px}label{display:block;font-weight:600;margin:16px 0 6px}
input{width:100%;font:600 1.4rem/1 ui-monospace,Menlo,monospace;letter-spacing:.15em;padding:12px;border:1px solid #c4ccd6;
border-radius:8px}input:focus{outline:2px solid #1c69d4;border-color:#1c69d4}
dl{margin:20px 0 0}dt{font-size:.8rem;text-transform:uppercase;letter-spacing:.06em;color:#6b7785;margin-top:12px}
dd{margin:2px 0 0}ul{margin:4px 0 0;padding-left:18px}code{font-size:.85rem;word-break:break-all}em{color:#a05a00}
.actions{display:flex;gap:12px;justify-content:flex-end;margin-top:24px}
button{font:600 1rem system-ui,sans-serif;padding:12px 22px;border-radius:8px;border:1px solid #1c69d4;cursor:pointer;
background:#1c69d4;color:#fff}button.secondary{background:#fff;color:#1c69d4}
.notice{background:#fff4e5;border-left:4px solid #f0a030;padding:10px 12px;border-radius:4px}`;
