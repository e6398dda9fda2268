// Add agentws to an Express app you already have: attach the websocket endpoint to the server that app.listen()
// returns, and (optionally) serve the chat page as middleware. One server, one port.
//
//   npm install express agentws
//   OPENAI_API_KEY=sk-... node examples/mount-express.mjs
//   then open http://127.0.0.1:3000/chat/ or run: npx agentws connect ws://127.0.0.1:3000/chat/ws "Hello"
import express from 'express';
import { ConversableAgent, UserProxyAgent, attach, configFromEnv, createWebPage } from 'agentws';

const configList = configFromEnv({ model: process.env.OPENAI_MODEL ?? 'gpt-4o-mini' });
if (configList.length === 0) {
  console.error('Set OPENAI_API_KEY (and OPENAI_BASE_URL for a local OpenAI-compatible server), then run this again.');
  process.exit(1);
}

/** One conversation per websocket connection: the first message in, the assistant's streamed reply out. */
async function onConnect(iostream) {
  const message = await iostream.input();
  const assistant = new ConversableAgent({
    name: 'assistant',
    systemMessage: 'You are a helpful assistant. Answer briefly.',
    llmConfig: { configList, stream: true },
    humanInputMode: 'NEVER',
  });
  const user = new UserProxyAgent({ name: 'user', humanInputMode: 'NEVER' });
  await user.initiateChat(assistant, { message, maxTurns: 1 });
}

const app = express();

// Your routes, unchanged.
app.get('/api/health', (_req, res) => res.json({ ok: true }));

// The chat page under /chat/ (it opens its websocket at /chat/ws).
const page = createWebPage({ path: '/chat/' });
app.use((req, res, next) => {
  if (!page.handle(req, res)) next();
});

const server = app.listen(Number(process.env.PORT ?? 3000), process.env.HOST ?? '127.0.0.1', () => {
  const { port } = server.address();
  console.log(`listening on http://127.0.0.1:${port}/ (chat page /chat/, websocket /chat/ws)`);
});

// agentws's websocket endpoint on /chat/ws of the same server.
const endpoint = attach(server, { path: '/chat/ws', onConnect });

// Ctrl-C or SIGTERM: no new sessions, running ones get 5 s to finish, then the server stops.
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.once(signal, async () => {
    await endpoint.close();
    server.close();
    server.closeAllConnections();
  });
}
