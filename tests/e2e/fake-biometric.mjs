// A tiny stand-in for the biometric (face-match) service, for Playwright
// runs (playwright.config.ts starts it): no dependencies. The server runs
// with TPO_FACE_MATCH=http, TPO_FACE_MATCH_URL=http://127.0.0.1:<port>/
// and TPO_FACE_MATCH_TOKEN=<token>.
//
//   node fake-biometric.mjs <port> <token>
//   FAKE_BIOMETRIC_ANSWERS='{"3201011508900001": 0.91, "3201011508900002": "no_record",
//                            "3201011508900003": "error", "3201011508900004": "garbage",
//                            "3201011508900005": "late"}'
//
// Like the Rust fake in tests/tests/api/helpers/fake_biometric.rs it refuses
// a wrong bearer token (401) or a body that is not {"nik", "selfie"} (400);
// unknown NIKs get FAKE_BIOMETRIC_DEFAULT (a score, or "no_record" when
// unset). GET /calls lists the NIKs asked.
import http from 'node:http';

const port = Number(process.argv[2] ?? 3390);
const token = process.argv[3] ?? 'token-uji-biometrik';
const answers = JSON.parse(process.env.FAKE_BIOMETRIC_ANSWERS ?? '{}');
const fallback = process.env.FAKE_BIOMETRIC_DEFAULT ? Number(process.env.FAKE_BIOMETRIC_DEFAULT) : 'no_record';
const calls = [];

const send = (res, status, body, type = 'application/json') => {
  res.writeHead(status, { 'content-type': type });
  res.end(typeof body === 'string' ? body : JSON.stringify(body));
};

http
  .createServer((req, res) => {
    if (req.method === 'GET' && req.url === '/calls') return send(res, 200, calls);
    if (req.method !== 'POST') return send(res, 405, { error: 'POST only' });
    if (req.headers.authorization !== `Bearer ${token}`) return send(res, 401, { error: 'token' });
    const chunks = [];
    req.on('data', (chunk) => chunks.push(chunk));
    req.on('end', () => {
      let body;
      try {
        body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
      } catch {
        return send(res, 400, { error: 'not JSON' });
      }
      const keys = Object.keys(body ?? {}).sort().join(',');
      const jpeg = Buffer.from(String(body?.selfie ?? ''), 'base64');
      if (keys !== 'nik,selfie' || !/^\d{16}$/.test(body.nik) || jpeg[0] !== 0xff || jpeg[1] !== 0xd8) {
        return send(res, 400, { error: 'expected {"nik": 16 digits, "selfie": base64 JPEG}' });
      }
      calls.push(body.nik);
      const answer = answers[body.nik] ?? fallback;
      if (typeof answer === 'number') return send(res, 200, { score: answer });
      if (answer === 'error') return send(res, 500, 'internal error', 'text/plain');
      if (answer === 'garbage') return send(res, 200, '<html>Gateway sedang sibuk</html>', 'text/html');
      if (answer === 'late') return setTimeout(() => send(res, 200, { score: 0.99 }), 60_000);
      return send(res, 200, { result: 'no_record' });
    });
  })
  .listen(port, '127.0.0.1', () => console.log(`fake biometric service on http://127.0.0.1:${port}/`));
