/**
 * The benchmark's bare websocket server: `node bench/bare-ws.js <fakeBaseURL> <model>`.
 *
 * The ceilings agentws is compared with, framed exactly as agentws's text mode frames a model stream (an empty
 * stream-start frame, one frame per token, "\n\n" at the end, close 1000), so the same client measures all of them:
 * - `/frames`: sends the tokens of the fake model's reply, fetched once at start-up, as fast as `ws` sends them;
 * - `/relay`: per connection, streams the reply from the fake model and forwards each token, parsing the SSE with
 *   `JSON.parse` and no SDK (the least a relay can do).
 * Both wait for the client's first message, as an agentws session does. Prints `{"uri": "ws://..."}` when listening.
 */
import http from 'node:http';
import { WebSocketServer } from 'ws';

const [baseURL, model] = process.argv.slice(2);
const completions = new URL(baseURL.replace(/\/?$/, '/') + 'chat/completions');
const body = JSON.stringify({
  model,
  stream: true,
  messages: [
    { role: 'user', content: 'Check out the weather in Paris and write a poem about it.' },
    {
      role: 'assistant',
      content: null,
      tool_calls: [
        { id: 'call_1', type: 'function', function: { name: 'weather_forecast', arguments: '{"city":"Paris"}' } },
      ],
    },
    { role: 'tool', tool_call_id: 'call_1', content: 'The weather forecast for Paris is sunny.' },
  ],
});

/** Streams the reply, calling `onToken` with each content delta's text. */
function streamReply(onToken) {
  return new Promise((resolve, reject) => {
    const req = http.request(
      completions,
      { method: 'POST', headers: { 'content-type': 'application/json' } },
      (res) => {
        res.setEncoding('utf8');
        let carry = '';
        res.on('data', (chunk) => {
          const text = carry + chunk;
          let from = 0;
          for (let end = text.indexOf('\n\n', from); end !== -1; end = text.indexOf('\n\n', from)) {
            const data = text.slice(from + 6, end);
            from = end + 2;
            if (data === '[DONE]') continue;
            const content = JSON.parse(data).choices[0]?.delta?.content;
            if (content) onToken(content);
          }
          carry = text.slice(from);
        });
        res.on('end', resolve);
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

const tokens = [];
await streamReply((token) => tokens.push(token));

const wss = new WebSocketServer({ port: 0, host: '127.0.0.1', perMessageDeflate: false });
wss.on('connection', (ws, req) => {
  ws.once('message', async () => {
    ws.send('');
    if (req.url === '/relay') await streamReply((token) => ws.send(token));
    else for (const token of tokens) ws.send(token);
    ws.send('\n\n');
    ws.close(1000);
  });
});
wss.on('listening', () => {
  process.stdout.write(JSON.stringify({ uri: `ws://127.0.0.1:${wss.address().port}`, tokens: tokens.length }) + '\n');
});
process.on('SIGTERM', () => process.exit(0));
