// A stand-in OpenID Connect provider for the console's sign-in tests: the
// real `oidc-provider` package (ESM), run as a child process so jest's
// CommonJS never loads it. Its development login form accepts any account id
// listed in OIDC_ACCOUNTS (JSON: { "<sub>": { claims… } }), with any password.
// Prints "ready <issuer>" on stdout once it listens.
import Provider from "oidc-provider";

const port = Number(process.env.PORT ?? 0);
const accounts = JSON.parse(process.env.OIDC_ACCOUNTS ?? '{}');
const { createServer } = await import('node:http');
const server = createServer();
await new Promise((resolve) => server.listen(port, '127.0.0.1', resolve));
const issuer = `http://127.0.0.1:${server.address().port}`;

const provider = new Provider(issuer, {
  clients: [
    {
      client_id: process.env.OIDC_CLIENT_ID,
      client_secret: process.env.OIDC_CLIENT_SECRET,
      redirect_uris: [process.env.OIDC_REDIRECT_URI],
      grant_types: ['authorization_code'],
      response_types: ['code'],
    },
  ],
  pkce: { required: () => true },
  scopes: ['openid', 'profile', 'turnout'],
  claims: { openid: ['sub'], profile: ['name'], turnout: ['turnout_role', 'turnout_group', 'turnout_subsidiary'] },
  // The scope's claims go into the ID token itself, as enterprise providers commonly configure.
  conformIdTokenClaims: false,
  features: { devInteractions: { enabled: true } },
  cookies: { keys: ['turnout-test-idp'] },
  async findAccount(_ctx, id) {
    if (!accounts[id]) return undefined;
    return { accountId: id, claims: async () => ({ sub: id, ...accounts[id] }) };
  },
});
// The dev interactions warn about themselves on every start.
provider.on('server_error', (_ctx, err) => console.error(err));
server.on('request', provider.callback());
console.log(`ready ${issuer}`);
