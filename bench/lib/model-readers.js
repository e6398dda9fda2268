import http from 'node:http';

/**
 * Two ways to read a chat-completions stream from the fake model without agentws: a bare HTTP client that only
 * splits the SSE bytes into events (the wire ceiling), and the `openai` SDK (what agentws itself uses).
 * A token is a chunk whose delta has non-empty `content`, as the session client counts it.
 */

const CONTENT = '"content":"';
const EMPTY_CONTENT = '"content":""';

/**
 * @typedef {object} StreamRecord
 * @property {number} t0 before the request
 * @property {number} headers response headers (SDK: `create()` resolved)
 * @property {number | undefined} firstToken
 * @property {number} end last byte / last chunk
 * @property {number} tokens
 * @property {number[] | undefined} gaps inter-token gaps (ms), when asked for
 */

/**
 * POSTs `body` to `${baseURL}/chat/completions` and counts content chunks in the raw SSE.
 * @returns {Promise<StreamRecord>}
 */
export function readSse(baseURL, body, options = {}) {
  const url = new URL(baseURL.replace(/\/?$/, '/') + 'chat/completions');
  const payload = JSON.stringify({ ...body, stream: true });
  const record = { t0: performance.now(), headers: 0, firstToken: undefined, end: 0, tokens: 0, gaps: undefined };
  const gaps = options.gaps ? [] : undefined;
  let prev = 0;
  return new Promise((resolve, reject) => {
    const req = http.request(
      url,
      {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          authorization: 'Bearer bench',
          'content-length': Buffer.byteLength(payload),
        },
      },
      (res) => {
        record.headers = performance.now();
        if (res.statusCode !== 200) {
          res.resume();
          reject(new Error(`fake model answered HTTP ${res.statusCode}`));
          return;
        }
        res.setEncoding('utf8');
        let carry = '';
        res.on('data', (chunk) => {
          const now = performance.now();
          const text = carry + chunk;
          let from = 0;
          for (let end = text.indexOf('\n\n', from); end !== -1; end = text.indexOf('\n\n', from)) {
            const at = text.indexOf(CONTENT, from);
            if (at !== -1 && at < end && !text.startsWith(EMPTY_CONTENT, at)) {
              record.tokens++;
              record.firstToken ??= now;
              if (gaps !== undefined) {
                if (record.tokens > 1) gaps.push(now - prev);
                prev = now;
              }
            }
            from = end + 2;
          }
          carry = text.slice(from);
        });
        res.on('end', () => {
          record.end = performance.now();
          record.gaps = gaps;
          resolve(record);
        });
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(payload);
  });
}

/** Reads the same stream through the `openai` SDK, as agentws's LLM client does. */
export async function readWithSdk(client, body) {
  const record = { t0: performance.now(), headers: 0, firstToken: undefined, end: 0, tokens: 0, gaps: undefined };
  const stream = await client.chat.completions.create({ ...body, stream: true });
  record.headers = performance.now();
  for await (const chunk of stream) {
    const text = chunk.choices[0]?.delta?.content;
    if (text) {
      record.tokens++;
      record.firstToken ??= performance.now();
    }
  }
  record.end = performance.now();
  return record;
}
