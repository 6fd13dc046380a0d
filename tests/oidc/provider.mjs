// The local OpenID provider of the sign-in tests (tests/api/sso.rs): oauth2-mock-server on a
// free loopback port, plus POST /_control, where a test says what the next ID tokens hold:
//   {"claims": {...}}      merged into every ID token's payload (a null value removes the claim)
//   {"tamper": "signature"} the token endpoint's ID token gets a broken signature
// Prints one line of JSON, {"issuer": "http://127.0.0.1:PORT"}, once it listens, and stops
// when its standard input closes (the test ended).
import http from "node:http";
import { OAuth2Issuer, OAuth2Service } from "oauth2-mock-server";

const issuer = new OAuth2Issuer();
await issuer.keys.generate("RS256");
const service = new OAuth2Service(issuer);
let control = { claims: {}, tamper: null };

// The ID token is the one with an audience and no scope (the access token has a scope).
service.on("beforeTokenSigning", (token) => {
  if ("scope" in token.payload) return;
  for (const [name, value] of Object.entries(control.claims)) {
    if (value === null) delete token.payload[name];
    else token.payload[name] = value;
  }
});

service.on("beforeResponse", (response) => {
  const idToken = response.body.id_token;
  if (control.tamper === "signature" && typeof idToken === "string") {
    const [header, payload, signature] = idToken.split(".");
    const flipped = (signature[0] === "A" ? "B" : "A") + signature.slice(1);
    response.body.id_token = [header, payload, flipped].join(".");
  }
});

const server = http.createServer((req, res) => {
  if (req.method === "POST" && req.url === "/_control") {
    let body = "";
    req.on("data", (chunk) => (body += chunk));
    req.on("end", () => {
      try {
        const wanted = JSON.parse(body);
        control = { claims: wanted.claims ?? {}, tamper: wanted.tamper ?? null };
        res.writeHead(204).end();
      } catch (error) {
        res.writeHead(400).end(String(error));
      }
    });
    return;
  }
  service.requestHandler(req, res);
});

server.listen(0, "127.0.0.1", () => {
  const { port } = server.address();
  issuer.url = `http://127.0.0.1:${port}`;
  process.stdout.write(JSON.stringify({ issuer: issuer.url }) + "\n");
});

process.stdin.resume();
process.stdin.on("end", () => process.exit(0));
process.stdin.on("close", () => process.exit(0));
