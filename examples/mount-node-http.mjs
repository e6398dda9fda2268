// Add agentws to a node:http server you already have: your routes stay as they are, agent conversations run on a
// websocket path of your choice, and the chat page can be served beside them. One server, one port.
//
//   OPENAI_API_KEY=sk-... node examples/mount-node-http.mjs
//   (any OpenAI-compatible server: also set OPENAI_BASE_URL, e.g. http://localhost:11434/v1 for Ollama)
//   then open http://127.0.0.1:3000/chat/ or run: npx agentws connect ws://127.0.0.1:3000/chat/ws "Hello"
import { createServer } from 'node:http';
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

// The chat page under /chat/; it opens its websocket at /chat/ws.
const page = createWebPage({ path: '/chat/' });

// Your app, unchanged.
const server = createServer((req, res) => {
  if (page.handle(req, res)) return;
  res.writeHead(200, { 'Content-Type': 'text/plain; charset=utf-8' });
  res.end('Hello from my app\n');
});

// agentws's websocket endpoint on /chat/ws (upgrades on other paths are refused with 404).
const endpoint = attach(server, { path: '/chat/ws', onConnect });

server.listen(Number(process.env.PORT ?? 3000), process.env.HOST ?? '127.0.0.1', () => {
  const { port } = server.address();
  console.log(`listening on http://127.0.0.1:${port}/ (chat page /chat/, websocket /chat/ws)`);
});

// Ctrl-C or SIGTERM: no new sessions, running ones get 5 s to finish, then the server stops.
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.once(signal, async () => {
    await endpoint.close();
    server.close();
    server.closeAllConnections();
  });
}
