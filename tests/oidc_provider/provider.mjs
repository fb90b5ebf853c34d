// A real OpenID Connect provider for the tests: panva's certified `oidc-provider`, started as a process by
// tests/oidc_provider/__init__.py. Discovery, the authorization-code flow with PKCE (required here), state and
// nonce, signed ID tokens, JWKS, userinfo and RP-initiated logout are the library's own.
//
// What the tests add around it, on the same port:
//   GET/POST /interaction/:uid   a plain sign-in form (pick an account by name; no consent screen: first-party)
//   PUT  /test/accounts          replace the accounts ({"alice": {"email", "email_verified", "name", "groups"}})
//   PUT  /test/mode              {"mode": null | "wrong-audience" | "expired" | "bad-signature"}: the token
//                                endpoint's ID token is then re-signed with that flaw (the rest of the answer is
//                                the library's), so the client's checks are tried against a real exchange.
//
// Configuration, from the environment: ISSUER (http://127.0.0.1:PORT), PORT, CLIENT_ID, CLIENT_SECRET,
// REDIRECT_URIS and POST_LOGOUT_REDIRECT_URIS (space-separated), ACCOUNTS (JSON as above). A new signing key
// (with a new key id) is made at each start: restarting the process rotates the key.
import http from 'node:http';
import { randomUUID } from 'node:crypto';

import * as jose from 'jose';
import Provider from 'oidc-provider';

const env = process.env;
const issuer = env.ISSUER;
let accounts = JSON.parse(env.ACCOUNTS || '{}');
let mode = null;

const { privateKey } = await jose.generateKeyPair('RS256', { extractable: true });
const signingJwk = { ...(await jose.exportJWK(privateKey)), kid: randomUUID(), alg: 'RS256', use: 'sig' };
const { privateKey: strangerKey } = await jose.generateKeyPair('RS256', { extractable: true });

const configuration = {
  clients: [{
    client_id: env.CLIENT_ID,
    client_secret: env.CLIENT_SECRET,
    redirect_uris: (env.REDIRECT_URIS || '').split(' ').filter(Boolean),
    post_logout_redirect_uris: (env.POST_LOGOUT_REDIRECT_URIS || '').split(' ').filter(Boolean),
    grant_types: ['authorization_code'],
    response_types: ['code'],
    token_endpoint_auth_method: 'client_secret_basic',
  }],
  jwks: { keys: [signingJwk] },
  cookies: { keys: ['test-provider-cookie-key'] },
  pkce: { required: () => true },
  scopes: ['openid', 'email', 'profile', 'groups'],
  claims: {
    openid: ['sub'],
    email: ['email', 'email_verified'],
    profile: ['name', 'preferred_username'],
    groups: ['groups'],
  },
  conformIdTokenClaims: false, // the claims in the ID token too, as Okta and Keycloak can be set to do
  features: { devInteractions: { enabled: false }, rpInitiatedLogout: { enabled: true } },
  interactions: { url: (ctx, interaction) => `/interaction/${interaction.uid}` },
  async findAccount(ctx, id) {
    const account = accounts[id];
    if (!account) return undefined;
    return {
      accountId: id,
      claims: async () => ({ sub: id, preferred_username: id, ...accounts[id] }),
    };
  },
  // First-party: no consent screen; the grant covers what the client asked for.
  async loadExistingGrant(ctx) {
    const grantId = ctx.oidc.result?.consent?.grantId || ctx.oidc.session.grantIdFor(ctx.oidc.client.clientId);
    if (grantId) {
      const found = await ctx.oidc.provider.Grant.find(grantId);
      if (found) return found;
    }
    const grant = new ctx.oidc.provider.Grant({ clientId: ctx.oidc.client.clientId, accountId: ctx.oidc.session.accountId });
    grant.addOIDCScope(ctx.oidc.params.scope || 'openid');
    await grant.save();
    return grant;
  },
  ttl: { AccessToken: 600, AuthorizationCode: 60, IdToken: 600, Interaction: 600, Session: 3600, Grant: 3600 },
};

const provider = new Provider(issuer, configuration);
provider.proxy = false;

// The flaws the tests ask for, applied to the ID token in the token endpoint's answer.
provider.use(async (ctx, next) => {
  await next();
  if (!mode || ctx.path !== '/token' || ctx.status !== 200 || !ctx.body?.id_token) return;
  const claims = jose.decodeJwt(ctx.body.id_token);
  const now = Math.floor(Date.now() / 1000);
  let key = privateKey;
  if (mode === 'wrong-audience') claims.aud = 'some-other-application';
  if (mode === 'expired') Object.assign(claims, { iat: now - 7200, exp: now - 3600 });
  if (mode === 'bad-signature') key = strangerKey; // same key id, another key: the signature cannot verify
  ctx.body = { ...ctx.body, id_token: await new jose.SignJWT(claims).setProtectedHeader({ alg: 'RS256', kid: signingJwk.kid }).sign(key) };
});

const escape = (text) => String(text).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

function readBody(req) {
  return new Promise((resolve, reject) => {
    let data = '';
    req.on('data', (chunk) => { data += chunk; });
    req.on('end', () => resolve(data));
    req.on('error', reject);
  });
}

async function interaction(req, res, uid) {
  const details = await provider.interactionDetails(req, res);
  if (details.uid !== uid) throw new Error('interaction mismatch');
  if (req.method === 'POST') {
    const form = new URLSearchParams(await readBody(req));
    const login = form.get('login');
    if (!accounts[login]) {
      res.writeHead(400, { 'content-type': 'text/html; charset=utf-8' });
      res.end(`<p id="error">No account ${escape(login)}</p>`);
      return;
    }
    await provider.interactionFinished(req, res, { login: { accountId: login } }, { mergeWithLastSubmission: false });
    return;
  }
  res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
  res.end(`<!doctype html><html><head><title>Test identity provider</title></head><body>
<h1>Test identity provider</h1><p>Client: ${escape(details.params.client_id)}</p>
<form method="post" action="/interaction/${escape(uid)}">
<label for="login">Account</label> <input id="login" name="login" autofocus>
<button type="submit">Continue</button></form></body></html>`);
}

const callback = provider.callback();
const server = http.createServer(async (req, res) => {
  try {
    const url = new URL(req.url, issuer);
    const match = url.pathname.match(/^\/interaction\/([^/]+)$/);
    if (match) return await interaction(req, res, match[1]);
    if (req.method === 'PUT' && url.pathname === '/test/accounts') {
      accounts = JSON.parse(await readBody(req));
      res.writeHead(204).end();
      return;
    }
    if (req.method === 'PUT' && url.pathname === '/test/mode') {
      ({ mode } = JSON.parse(await readBody(req)));
      res.writeHead(204).end();
      return;
    }
    return callback(req, res);
  } catch (error) {
    res.writeHead(500, { 'content-type': 'text/plain' });
    res.end(String(error?.stack || error));
  }
});
server.listen(Number(env.PORT), '127.0.0.1', () => {
  process.stdout.write(`listening ${issuer} kid=${signingJwk.kid}\n`);
});
process.on('SIGTERM', () => server.close(() => process.exit(0)));
